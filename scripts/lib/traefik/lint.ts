// The lints that read Traefik's own model, run once for both surfaces: the static configuration parsed
// from the command line, and the dynamic configuration that labels and IngressRoutes decode into.
// Each decoder says where things are written (file, line) and how to write a fix in its own syntax.
import type { Finding } from '../findings.ts';
import type { StaticConfig } from './static-config.ts';

/** The static configuration's problems (unknown, removed, deprecated flags, bad values), as findings. */
export function staticConfigFindings(config: StaticConfig, file: string, object: string): Finding[] {
  return config.problems.map((p) => ({
    code: `traefik-flag-${p.kind}`,
    severity: p.severity,
    file,
    line: p.line,
    object,
    message: p.message,
    fix: p.fix,
  }));
}
