// A problem found in an attendee's file by a validator (labels, Compose, Kubernetes manifests).
// Checks turn the first error into a failing expectation; the tests assert on `code`.

export interface Finding {
  /** Stable identifier tests and docs refer to, e.g. `label-unknown-key`, `rbac-missing-endpointslices`. */
  code: string;
  severity: 'error' | 'warning';
  file: string;
  line?: number;
  /** The object concerned, e.g. `service app`, `ClusterRole/traefik`. */
  object?: string;
  message: string;
  /** What to change, concretely (the closest valid key, the line to add). */
  fix: string;
}

/** `compose.yaml:14 (service app): message` — one line, for the terminal and for check messages. */
export function formatFinding(f: Finding): string {
  const where = f.line ? `${f.file}:${f.line}` : f.file;
  const object = f.object ? ` (${f.object})` : '';
  return `${where}${object}: ${f.message}`;
}

export const errorsOf = (findings: Finding[]) => findings.filter((f) => f.severity === 'error');
