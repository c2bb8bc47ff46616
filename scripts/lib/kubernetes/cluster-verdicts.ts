// What a real cluster says about the attendee's manifests, read back onto their files: Traefik's
// "forbidden" (its ServiceAccount's RBAC) as the rule or binding to add, and the Services whose selector
// picks no pod (no endpoints, so no server behind the route). Shared by the targets with a real API
// server (apiserver, kind); pure: it reads logs and manifests, it runs nothing.
import { stripVTControlCharacters } from 'node:util';
import { UserError } from '../errors.ts';
import { asRecord, asString, type ManifestObject, type PathSegment } from './manifest.ts';
import { boundTo, TRAEFIK_CRD_RBAC } from './rbac.ts';
import { selectedWorkloads, servicesOf, type Workload } from './workloads.ts';

/**
 * The workshop's findings that a real API server, with Traefik's CRD provider running under the attendee's
 * RBAC, shows for itself: a field it refuses, a "forbidden", a Service with no endpoints, a missing namespace.
 */
export const SHOWN_BY_AN_API_SERVER =
  /^(schema-(?!unavailable)|rbac-(missing|binding-mismatch|clusterrole-missing)|namespace-missing|service-selector-mismatch)/;
/** …and those a node's kubelet shows too: an image it cannot pull (kind#328). */
export const SHOWN_BY_A_NODE = /^image-latest-pull/;

export interface Forbidden {
  user: string;
  verb: string;
  resource: string;
  /** "" for the core group. */
  group: string;
}

// client-go's reflector logs the API server's own status message, e.g.
// endpointslices.discovery.k8s.io is forbidden: User "system:serviceaccount:wsk:traefik" cannot list
// resource "endpointslices" in API group "discovery.k8s.io" at the cluster scope
const FORBIDDEN =
  /is forbidden: User \\?"([^"\\]+)\\?" cannot (\w+) resource \\?"([^"\\]+)\\?" in API group \\?"([^"\\]*)\\?"/g;

/** Every distinct "forbidden" in a log, as the rule it lacks. */
export function forbiddenIn(output: string): Forbidden[] {
  const seen = new Map<string, Forbidden>();
  for (const [, user, verb, resource, group] of output.matchAll(FORBIDDEN)) {
    seen.set(`${user} ${verb} ${group}/${resource}`, { user, verb, resource, group });
  }
  return [...seen.values()];
}

/**
 * Traefik's "forbidden" as what to change: no binding for its ServiceAccount (every informer refused), or the
 * rules its bound ClusterRole lacks, with the file and line to edit.
 */
export function explainForbidden(forbidden: Forbidden[], objects: ManifestObject[]): UserError {
  const [, namespace = '', account = ''] =
    /^system:serviceaccount:([^:]+):(.+)$/.exec(forbidden[0].user) ?? [];
  const refusals = forbidden
    .map((f) => `${f.verb} ${f.resource}${f.group ? ` (${f.group})` : ''}`)
    .join(', ');
  const message = `Traefik runs as ServiceAccount ${namespace}/${account}, and the API server refused it: cannot ${refusals}.`;
  const at = (o: ManifestObject, path: PathSegment[]) => `${o.file}:${o.lineOf(path)}`;
  const bindings = objects.filter((o) => o.kind === 'ClusterRoleBinding');
  const binding = bindings.find((b) => boundTo(b, { name: account, namespace }));
  if (!binding) {
    const where = bindings[0] ? ` (${at(bindings[0], ['subjects'])})` : '';
    return new UserError(
      `${message} No ClusterRoleBinding names that ServiceAccount${where}.`,
      `bind the ClusterRole to it: subjects: [{ kind: ServiceAccount, name: ${account}, namespace: ${namespace} }]`,
    );
  }
  const roleName = asString(asRecord(binding.data.roleRef).name) ?? '';
  const role = objects.find((o) => o.kind === 'ClusterRole' && o.name === roleName);
  // One rule per API group, as the ClusterRole is written; the verbs the workshop's table gives them
  // (Traefik itself only lists and watches).
  const groups = new Map<string, Set<string>>();
  for (const f of forbidden) groups.set(f.group, (groups.get(f.group) ?? new Set()).add(f.resource));
  const rules = [...groups]
    .map(([group, resources]) => {
      const verbs = new Set(
        [...resources].flatMap(
          (resource) =>
            TRAEFIK_CRD_RBAC.find((r) => r.group === group && r.resources.includes(resource))?.verbs ?? [
              'list',
              'watch',
            ],
        ),
      );
      return `- apiGroups: ["${group}"]\n  resources: [${[...resources].sort().join(', ')}]\n  verbs: [${[...verbs].join(', ')}]`;
    })
    .join('\n');
  return new UserError(
    `${message} ClusterRole ${roleName}${role ? ` (${at(role, ['rules'])})` : ''} lacks the rule.`,
    `add to its rules:\n${rules}`,
  );
}

/** Services that select no pod: no endpoints, so Traefik builds no server for them (a 404 or 503). */
export function unselected(objects: ManifestObject[], workloads: Workload[]): string[] {
  return servicesOf(objects)
    .filter((s) => selectedWorkloads(s, workloads).length === 0)
    .map(
      (s) =>
        `Service ${s.namespace}/${s.name} (${s.file}:${s.lineOf(['spec', 'selector'])}) selects no pod: its selector ${JSON.stringify(asRecord(s.data.spec).selector ?? {})} matches no Deployment's pod labels, so it has no endpoints and Traefik has no server for it.`,
    );
}

/** Traefik's own error lines from its Kubernetes provider, once each, without the timestamp. */
export function providerErrors(output: string): string[] {
  const lines = stripVTControlCharacters(output)
    .split('\n')
    .filter((l) => /\bERR\b/.test(l) && /providerName=kubernetescrd/.test(l))
    .map((l) => l.replace(/^\S+\s+ERR\s+/, '').trim());
  return [...new Set(lines)];
}
