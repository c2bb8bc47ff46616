// RBAC for Traefik's Kubernetes CRD provider: the ServiceAccount the Traefik pods run as, the
// ClusterRoleBinding that grants it a ClusterRole, and that ClusterRole's rules against what Traefik
// v3.7 documents in kubernetes-crd-rbac.yml. Without them Traefik logs "… is forbidden" and routes nothing:
// its CRD provider builds no router until every informer has listed.
import { closest } from 'fastest-levenshtein';
import type { Finding } from '../findings.ts';
import { asArray, asRecord, asString, type ManifestObject, type PathSegment, reporter } from './manifest.ts';
import type { TraefikInstall } from './workloads.ts';

interface RequiredRule {
  group: string;
  resources: string[];
  verbs: string[];
}

// What Traefik v3.7's CRD provider reads, each rule proven needed against a real API server
// (test/apiserver-traefik.test.ts). Its published kubernetes-crd-rbac.yml also grants ingresses,
// ingressclasses and ingresses/status (read only by its Ingress provider: proven unneeded there), `pods`
// get (only for OpenTelemetry resource attributes), and on master `update` on the traefik.io */status
// subresources. Those extra rules are accepted, not required.
export const TRAEFIK_CRD_RBAC: RequiredRule[] = [
  { group: '', resources: ['services', 'secrets', 'nodes', 'configmaps'], verbs: ['get', 'list', 'watch'] },
  { group: 'discovery.k8s.io', resources: ['endpointslices'], verbs: ['list', 'watch'] },
  {
    group: 'traefik.io',
    resources: [
      'middlewares',
      'middlewaretcps',
      'ingressroutes',
      'traefikservices',
      'ingressroutetcps',
      'ingressrouteudps',
      'tlsoptions',
      'tlsstores',
      'serverstransports',
      'serverstransporttcps',
    ],
    verbs: ['get', 'list', 'watch'],
  },
];

/** Cluster roles every cluster has, which bindings may name without defining them. */
const BUILT_IN_ROLES = new Set(['cluster-admin', 'admin', 'edit', 'view']);

interface Rule {
  index: number;
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames: boolean;
}

const rulesOf = (role: ManifestObject): Rule[] =>
  asArray(role.data.rules)
    .map((r, index) => {
      const rule = asRecord(r);
      return {
        index,
        apiGroups: asArray(rule.apiGroups).map(String),
        resources: asArray(rule.resources).map(String),
        verbs: asArray(rule.verbs).map(String),
        resourceNames: asArray(rule.resourceNames).length > 0,
      };
    })
    .filter((r) => r.resources.length > 0);

const grants = (rules: Rule[], group: string, resource: string, verb: string) =>
  rules.some(
    (r) =>
      !r.resourceNames &&
      (r.apiGroups.includes(group) || r.apiGroups.includes('*')) &&
      (r.resources.includes(resource) || r.resources.includes('*')) &&
      (r.verbs.includes(verb) || r.verbs.includes('*')),
  );

const ruleSnippet = (group: string, resources: string[], verbs: string[]) =>
  `- apiGroups: ["${group}"]\n  resources: [${resources.join(', ')}]\n  verbs: [${verbs.join(', ')}]`;

/** The ServiceAccount Traefik's pods run as. */
export function traefikServiceAccount(traefik: TraefikInstall) {
  const spec = traefik.workload.podSpec;
  const name = asString(spec.serviceAccountName) ?? asString(spec.serviceAccount) ?? 'default';
  const path: PathSegment[] = [
    ...traefik.workload.templatePath,
    'spec',
    ...(spec.serviceAccountName ? ['serviceAccountName'] : spec.serviceAccount ? ['serviceAccount'] : []),
  ];
  return { name, namespace: traefik.workload.object.namespace, path };
}

export const boundTo = (binding: ManifestObject, sa: { name: string; namespace: string }) =>
  asArray(binding.data.subjects).some((s) => {
    const subject = asRecord(s);
    return (
      subject.kind === 'ServiceAccount' && subject.name === sa.name && subject.namespace === sa.namespace
    );
  });

export function checkRbac(objects: ManifestObject[], traefik: TraefikInstall | undefined): Finding[] {
  const findings: Finding[] = [];
  const clusterRoles = objects.filter((o) => o.kind === 'ClusterRole' && o.apiVersion.startsWith('rbac.'));
  const bindings = objects.filter((o) => o.kind === 'ClusterRoleBinding' && o.apiVersion.startsWith('rbac.'));
  const serviceAccounts = objects.filter((o) => o.kind === 'ServiceAccount');

  for (const role of clusterRoles) findings.push(...wildcards(role));

  // Each binding's links: roleRef → a ClusterRole, subjects → ServiceAccounts that exist.
  for (const binding of bindings) {
    const report = reporter(binding);
    const roleRef = asRecord(binding.data.roleRef);
    const roleName = asString(roleRef.name) ?? '';
    if (
      roleRef.kind === 'ClusterRole' &&
      roleName &&
      !BUILT_IN_ROLES.has(roleName) &&
      !roleName.startsWith('system:') &&
      !clusterRoles.some((r) => r.name === roleName)
    ) {
      const names = clusterRoles.map((r) => r.name);
      findings.push(
        report(
          'rbac-binding-mismatch',
          ['roleRef', 'name'],
          `roleRef names ClusterRole "${roleName}", which is not defined in these manifests`,
          names.length > 0
            ? `Set \`roleRef.name: ${closest(roleName, names)}\` (the ClusterRole's metadata.name).`
            : 'Define the ClusterRole (Traefik v3.7 kubernetes-crd-rbac.yml) or fix roleRef.name.',
        ),
      );
    }
    asArray(binding.data.subjects).forEach((s, i) => {
      const subject = asRecord(s);
      if (subject.kind !== 'ServiceAccount') return;
      const name = asString(subject.name) ?? '';
      if (!subject.namespace) {
        findings.push(
          report(
            'rbac-binding-mismatch',
            ['subjects', i],
            `the ServiceAccount subject "${name}" has no namespace; a ClusterRoleBinding needs it to find the account`,
            `Add \`namespace: ${traefik?.workload.object.namespace ?? 'default'}\` to this subject.`,
          ),
        );
        return;
      }
      const exists =
        name === 'default' ||
        serviceAccounts.some((sa) => sa.name === name && sa.namespace === subject.namespace);
      if (!exists && serviceAccounts.length > 0) {
        const candidates = serviceAccounts.map((sa) => `${sa.namespace}/${sa.name}`);
        const guess = closest(`${String(subject.namespace)}/${name}`, candidates);
        const [guessNs, guessName] = guess.split('/');
        findings.push(
          report(
            'rbac-binding-mismatch',
            ['subjects', i],
            `subject ServiceAccount ${String(subject.namespace)}/${name} is not defined in these manifests`,
            `Set the subject to \`name: ${guessName}\` and \`namespace: ${guessNs}\` (the ServiceAccount's name and namespace).`,
          ),
        );
      }
    });
  }

  if (!traefik) return findings;
  const deployment = traefik.workload.object;
  const reportDeployment = reporter(deployment);
  const sa = traefikServiceAccount(traefik);
  if (
    sa.name !== 'default' &&
    serviceAccounts.length > 0 &&
    !serviceAccounts.some((a) => a.name === sa.name && a.namespace === sa.namespace)
  ) {
    findings.push(
      reportDeployment(
        'rbac-binding-mismatch',
        sa.path,
        `Traefik runs as ServiceAccount ${sa.namespace}/${sa.name}, which is not defined: its pods are never created ("serviceaccount not found")`,
        `Create that ServiceAccount in namespace ${sa.namespace}, or set \`serviceAccountName\` to ${serviceAccounts.map((a) => a.name).join(' or ')}.`,
      ),
    );
  }
  const traefikBindings = bindings.filter((b) => boundTo(b, sa));
  if (traefikBindings.length === 0) {
    const likely = bindings.find(
      (b) => /traefik/i.test(b.name) || /traefik/i.test(String(asRecord(b.data.roleRef).name)),
    );
    const subject =
      likely && asRecord(asArray(likely.data.subjects).find((s) => asRecord(s).kind === 'ServiceAccount'));
    findings.push(
      reportDeployment(
        'rbac-binding-mismatch',
        sa.path,
        `no ClusterRoleBinding grants anything to ServiceAccount ${sa.namespace}/${sa.name}, which Traefik runs as: it gets "forbidden" listing services and IngressRoutes`,
        subject?.name
          ? `Make them agree: \`serviceAccountName: ${String(subject.name)}\` in the Deployment (namespace ${String(subject.namespace)}), or the subject of ClusterRoleBinding/${likely?.name} set to name ${sa.name}, namespace ${sa.namespace}.`
          : `Add a ClusterRoleBinding whose subject is \`kind: ServiceAccount, name: ${sa.name}, namespace: ${sa.namespace}\`.`,
      ),
    );
  }

  // The ClusterRole(s) Traefik actually gets; failing a binding, the one that looks like Traefik's.
  const boundRoleNames = new Set(traefikBindings.map((b) => asString(asRecord(b.data.roleRef).name)));
  let roles = clusterRoles.filter((r) => boundRoleNames.has(r.name));
  if (roles.length === 0) {
    roles = clusterRoles.filter(
      (r) =>
        /traefik/i.test(r.name) ||
        rulesOf(r).some((rule) => rule.apiGroups.some((g) => g.startsWith('traefik.'))),
    );
  }
  if (roles.length === 0) {
    if ([...boundRoleNames].some((n) => n && BUILT_IN_ROLES.has(n))) return findings;
    findings.push(
      reportDeployment(
        'rbac-clusterrole-missing',
        [],
        'there is no ClusterRole for Traefik: the CRD provider cannot read Services, EndpointSlices or IngressRoutes',
        "Add the ClusterRole of Traefik v3.7 (kubernetes-crd-rbac.yml) and a ClusterRoleBinding to Traefik's ServiceAccount.",
      ),
    );
    return findings;
  }
  findings.push(...missingRules(roles));
  return findings;
}

function wildcards(role: ManifestObject): Finding[] {
  const report = reporter(role);
  const findings: Finding[] = [];
  asArray(role.data.rules).forEach((r, i) => {
    const rule = asRecord(r);
    for (const field of ['apiGroups', 'resources', 'verbs'] as const) {
      const j = asArray(rule[field]).indexOf('*');
      if (j >= 0) {
        findings.push(
          report(
            'rbac-wildcard',
            ['rules', i, field, j],
            `rule ${i + 1} grants "*" in ${field}: Traefik gets far more than it needs`,
            `List exactly the ${field} Traefik needs (kubernetes-crd-rbac.yml of Traefik v3.7) instead of "*".`,
          ),
        );
      }
    }
  });
  return findings;
}

function missingRules(roles: ManifestObject[]): Finding[] {
  const role = roles[0];
  const report = reporter(role);
  const rules = roles.flatMap(rulesOf);
  const findings: Finding[] = [];
  // Point at the rule of the same group when there is one, else at `rules:`.
  const whereFor = (group: string): PathSegment[] => {
    const rule = rulesOf(role).find((r) => r.apiGroups.includes(group));
    return rule ? ['rules', rule.index, 'resources'] : role.data.rules ? ['rules'] : [];
  };

  for (const required of TRAEFIK_CRD_RBAC) {
    const missing = required.resources
      .map((resource) => ({
        resource,
        verbs: required.verbs.filter((v) => !grants(rules, required.group, resource, v)),
      }))
      .filter((m) => m.verbs.length > 0);
    if (missing.length === 0) continue;

    if (required.group === 'discovery.k8s.io') {
      const usesEndpoints = grants(rules, '', 'endpoints', 'list');
      const wrongGroup = rules.some(
        (r) => r.resources.includes('endpointslices') && !r.apiGroups.includes('discovery.k8s.io'),
      );
      findings.push(
        report(
          'rbac-missing-endpointslices',
          whereFor(''),
          [
            `${role.kind}/${role.name} does not allow list and watch on discovery.k8s.io endpointslices.`,
            usesEndpoints
              ? 'It grants `endpoints`, which is what Traefik v2 used; Traefik v3.1+ reads EndpointSlices.'
              : '',
            wrongGroup
              ? 'endpointslices is listed, but under the wrong API group: it belongs to discovery.k8s.io.'
              : '',
            'Without it the CRD provider never finishes syncing: Traefik builds no IngressRoute router at all (every request answers 404) and logs `endpointslices.discovery.k8s.io is forbidden`.',
          ]
            .filter(Boolean)
            .join(' '),
          `Add this rule:\n${ruleSnippet('discovery.k8s.io', ['endpointslices'], ['list', 'watch'])}`,
        ),
      );
      continue;
    }
    const oldGroup =
      required.group === 'traefik.io' && rules.some((r) => r.apiGroups.includes('traefik.containo.us'))
        ? " The rules name traefik.containo.us, Traefik v2's group; v3 reads traefik.io."
        : '';
    const resources = missing.map((m) => m.resource);
    const verbs = [...new Set(missing.flatMap((m) => m.verbs))];
    findings.push(
      report(
        'rbac-missing-rule',
        whereFor(required.group),
        `${role.kind}/${role.name} does not allow ${verbs.join(', ')} on ${required.group || 'core'} ${resources.join(', ')}, which Traefik v3.7's CRD provider needs.${oldGroup}`,
        `Add (or complete) this rule:\n${ruleSnippet(required.group, required.resources, required.verbs)}`,
      ),
    );
  }
  return findings;
}
