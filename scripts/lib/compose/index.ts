// compose.yaml for the step-3 checks and the rehearsal: loaded with lines, validated against the Compose
// spec, its Traefik labels translated and checked, and the stack linted. Returns data only.
import type { Finding } from '../findings.ts';
import { type DynamicConfig, emptyDynamicConfig } from '../traefik/dynamic-config.ts';
import { labelsToDynamicConfig } from '../traefik/labels.ts';
import type { StaticConfig } from '../traefik/static-config.ts';
import { labelsOf, loadCompose } from './parse.ts';
import { validateComposeSchema } from './schema.ts';
import { findTraefik, lintStack } from './stack-lint.ts';

export { loadCompose } from './parse.ts';

export interface ComposeStack {
  file: string;
  doc: Record<string, unknown> | undefined;
  findings: Finding[];
  config: DynamicConfig;
  replicas: Record<string, number>;
  environment: Record<string, Record<string, string>>;
  /** Traefik's service: its entry points, and the static configuration its `command:` sets. */
  traefik?: { service: string; entryPoints: Record<string, { address: string }>; static: StaticConfig };
}

interface ServiceSpec {
  deploy?: { replicas?: number };
  scale?: number;
  environment?: Record<string, unknown> | string[];
}

export function analyzeCompose(file: string, text?: string): ComposeStack {
  const loaded = loadCompose(file, text);
  const config = emptyDynamicConfig();
  const replicas: Record<string, number> = {};
  const environment: Record<string, Record<string, string>> = {};
  const findings = [...loaded.findings, ...validateComposeSchema(loaded)];
  if (!loaded.doc) return { file, doc: undefined, findings, config, replicas, environment };

  const services = (loaded.doc.services ?? {}) as Record<string, ServiceSpec>;
  const enabled: Record<string, boolean> = {};
  for (const [name, spec] of Object.entries(services)) {
    replicas[name] = spec?.deploy?.replicas ?? spec?.scale ?? 1;
    environment[name] = Array.isArray(spec?.environment)
      ? Object.fromEntries(spec.environment.map((e) => String(e).split(/=(.*)/s).slice(0, 2)))
      : Object.fromEntries(Object.entries(spec?.environment ?? {}).map(([k, v]) => [k, String(v)]));
    const translated = labelsToDynamicConfig(labelsOf(loaded, name), name, file);
    enabled[name] = translated.enabled;
    findings.push(...translated.findings);
    Object.assign(config.routers, translated.config.routers);
    Object.assign(config.services, translated.config.services);
    Object.assign(config.middlewares, translated.config.middlewares);
    config.unsupported.push(...translated.config.unsupported);
  }
  findings.push(...lintStack(loaded, config, replicas, enabled));
  const traefik = findTraefik(loaded);
  findings.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return {
    file,
    doc: loaded.doc,
    findings,
    config,
    replicas,
    environment,
    traefik: traefik && {
      service: traefik.service,
      entryPoints: traefik.entryPoints,
      static: traefik.static,
    },
  };
}
