// The lints on links between objects that no schema sees but that decide whether a request reaches a
// pod: namespaces, Deployment selector → template, Service → pods (selector, targetPort), Traefik's own
// Deployment, IngressRoute → Middlewares, → Service (+ port), and the app's containers (image, probes).
// The lookups they share with the translation are in lookups.ts; what reads Traefik's own model (rules,
// entry points, stickiness, the sticky cookie) runs in traefik/lint.ts, for labels too.
import { closest, distance } from 'fastest-levenshtein';
import type { Finding } from '../findings.ts';
import { parseImage } from '../image-ref.ts';
import { checkTraefikImage } from '../traefik/image.ts';
import { staticConfigFindings } from '../traefik/lint.ts';
import { TRAEFIK_IMAGE } from '../traefik/version.ts';
import {
  findMiddleware,
  findService,
  findServicePort,
  isIngressRoute,
  isMiddleware,
  type RouteService,
  routeServices,
} from './lookups.ts';
import {
  asArray,
  asRecord,
  asString,
  isClusterScoped,
  isRecord,
  type ManifestObject,
  type PathSegment,
  ref,
  reporter,
} from './manifest.ts';
import {
  containerPorts,
  resolveTargetPort,
  selectedWorkloads,
  servicesOf,
  stringMap,
  type TraefikInstall,
  type Workload,
  workloadsOf,
} from './workloads.ts';

/** Suggests the closest name only when it is plausibly a typo of it. */
export function nearest(name: string, candidates: string[]): string | undefined {
  if (candidates.length === 0) return undefined;
  const guess = closest(name, candidates);
  return distance(guess, name) <= Math.max(2, Math.floor(name.length / 3)) ? guess : undefined;
}

export function checkCrossReferences(
  objects: ManifestObject[],
  traefik: TraefikInstall | undefined,
): Finding[] {
  const findings: Finding[] = [];
  const workloads = workloadsOf(objects);
  const services = servicesOf(objects);
  const ingressRoutes = objects.filter(isIngressRoute);
  const middlewares = objects.filter(isMiddleware);

  findings.push(...namespaces(objects));
  for (const w of workloads) findings.push(...deploymentSelector(w));
  for (const service of services) findings.push(...serviceToPods(service, workloads));

  if (ingressRoutes.length > 0 && !traefik) {
    findings.push(
      reporter(ingressRoutes[0])(
        'traefik-deployment-missing',
        [],
        'there is an IngressRoute but no Traefik Deployment to serve it',
        `Add a Deployment running \`${TRAEFIK_IMAGE}\` with \`--providers.kubernetescrd\` and a \`--entryPoints.web.address=:8000\` entry point.`,
      ),
    );
  }
  if (traefik) findings.push(...traefikDeployment(traefik));

  const appWorkloads = new Set<Workload>();
  for (const ir of ingressRoutes) {
    findings.push(...routeMiddlewares(ir, middlewares, traefik));
    for (const item of routeServices(ir)) {
      findings.push(...routeService(item, services, traefik, objects));
      const service = findService(item, services);
      if (service)
        for (const w of selectedWorkloads(service, workloads))
          if (w !== traefik?.workload) appWorkloads.add(w);
    }
  }
  for (const w of appWorkloads) findings.push(...appContainers(w));
  return findings;
}

/** Namespaces every cluster has; any other must be created by these manifests. */
const BUILT_IN_NAMESPACES = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease']);

function namespaces(objects: ManifestObject[]): Finding[] {
  const defined = new Set(objects.filter((o) => o.kind === 'Namespace').map((o) => o.name));
  const reported = new Set<string>();
  return objects.flatMap((o) => {
    const namespace = asString(asRecord(o.data.metadata).namespace);
    if (!namespace || isClusterScoped(o.kind) || BUILT_IN_NAMESPACES.has(namespace) || defined.has(namespace))
      return [];
    if (reported.has(namespace)) return [];
    reported.add(namespace);
    return [
      reporter(o)(
        'namespace-missing',
        ['metadata', 'namespace'],
        `namespace "${namespace}" is not created by these manifests: kubectl apply fails with "namespaces "${namespace}" not found"`,
        `Add a Namespace (apiVersion: v1, kind: Namespace, metadata.name: ${namespace}) in a file that sorts first, e.g. 00-namespace.yaml${defined.size > 0 ? `, or use ${[...defined].join(', ')}` : ''}.`,
      ),
    ];
  });
}

function deploymentSelector(w: Workload): Finding[] {
  if (w.object.kind === 'Pod' || w.object.kind === 'Job') return [];
  const matchLabels = stringMap(asRecord(asRecord(w.object.data.spec).selector).matchLabels);
  const mismatched = Object.entries(matchLabels).filter(([k, v]) => w.labels[k] !== v);
  if (mismatched.length === 0) return [];
  return [
    reporter(w.object)(
      'deployment-selector-mismatch',
      ['spec', 'selector', 'matchLabels', mismatched[0][0]],
      `spec.selector.matchLabels ${mismatched.map(([k, v]) => `${k}: ${v}`).join(', ')} is not on the pod template's labels; the API server rejects it ("selector does not match template labels")`,
      `Make spec.template.metadata.labels include ${mismatched.map(([k, v]) => `\`${k}: ${v}\``).join(', ')}.`,
    ),
  ];
}

function serviceToPods(service: ManifestObject, workloads: Workload[]): Finding[] {
  const spec = asRecord(service.data.spec);
  const selector = stringMap(spec.selector);
  if (Object.keys(selector).length === 0 || spec.type === 'ExternalName') return [];
  const report = reporter(service);
  const selected = selectedWorkloads(service, workloads);
  if (selected.length === 0) {
    const inNamespace = workloads.filter((w) => w.object.namespace === service.namespace);
    // The workload sharing most labels with the selector is the one meant.
    const score = (w: Workload) =>
      Object.entries(selector).filter(([k, v]) => w.labels[k] === v || w.labels[k]).length;
    const meant = [...inNamespace].sort((a, b) => score(b) - score(a))[0];
    const labels = meant
      ? Object.entries(meant.labels)
          .map(([k, v]) => `${k}: ${v}`)
          .join(', ')
      : '';
    return [
      report(
        'service-selector-mismatch',
        ['spec', 'selector'],
        `the selector ${Object.entries(selector)
          .map(([k, v]) => `${k}: ${v}`)
          .join(
            ', ',
          )} matches no pods in namespace ${service.namespace}: the Service has no endpoints and Traefik answers 503/404`,
        meant
          ? `Use the labels of ${meant.object.kind}/${meant.object.name}'s pod template (${labels}) as the selector, or fix the template's labels.`
          : `Add a Deployment in namespace ${service.namespace} whose pod template carries these labels.`,
      ),
    ];
  }
  const findings: Finding[] = [];
  asArray(spec.ports).forEach((p, i) => {
    const port = asRecord(p);
    const target = port.targetPort ?? port.port;
    const path: PathSegment[] = ['spec', 'ports', i, port.targetPort !== undefined ? 'targetPort' : 'port'];
    for (const w of selected) {
      const declared = containerPorts(w);
      const resolved = resolveTargetPort(target, w);
      const named = typeof target === 'string' && !/^\d+$/.test(target);
      if (
        named
          ? resolved !== undefined
          : declared.length === 0 || declared.some((d) => d.containerPort === resolved)
      ) {
        continue;
      }
      const list = declared
        .map((d) => (d.name ? `${d.name} (${d.containerPort})` : String(d.containerPort)))
        .join(', ');
      const guess = named
        ? nearest(
            String(target),
            declared.flatMap((d) => (d.name ? [d.name] : [])),
          )
        : undefined;
      findings.push(
        report(
          'service-target-port',
          path,
          named
            ? `targetPort "${target}" is not the name of a container port of ${w.object.kind}/${w.object.name} (${list || 'it names none'}): traffic has nowhere to go`
            : `targetPort ${String(target)} is not a container port of ${w.object.kind}/${w.object.name} (${list})`,
          guess
            ? `Write \`targetPort: ${guess}\`.`
            : declared.length > 0
              ? `Use one of the container's ports: ${list} (a name or a number).`
              : `Name the container port (ports: - name: http, containerPort: 3000) and use that name here.`,
        ),
      );
    }
  });
  return findings;
}

function traefikDeployment(traefik: TraefikInstall): Finding[] {
  const findings: Finding[] = [];
  const report = reporter(traefik.workload.object);
  const containerPath: PathSegment[] = [
    ...traefik.workload.templatePath,
    'spec',
    'containers',
    traefik.containerIndex,
  ];
  if (!traefik.crdProvider) {
    findings.push(
      report(
        'traefik-provider-missing',
        traefik.container.args ? [...containerPath, 'args'] : containerPath,
        'Traefik is not started with the Kubernetes CRD provider, so it ignores every IngressRoute and Middleware',
        'Add `- --providers.kubernetescrd` to the container args.',
      ),
    );
  }
  findings.push(
    ...staticConfigFindings(traefik.static, traefik.workload.object.file, ref(traefik.workload.object)),
  );
  const image = checkTraefikImage(asString(traefik.container.image) ?? '');
  if (image)
    findings.push(
      report('traefik-image', [...containerPath, 'image'], image.message, image.fix, image.severity),
    );
  return findings;
}

const CROSS_NAMESPACE_NEEDS =
  "a reference to another namespace needs `--providers.kubernetescrd.allowCrossNamespace=true` in Traefik's args";

function routeMiddlewares(
  ir: ManifestObject,
  middlewares: ManifestObject[],
  traefik: TraefikInstall | undefined,
): Finding[] {
  const report = reporter(ir);
  const findings: Finding[] = [];
  asArray(asRecord(ir.data.spec).routes).forEach((r, i) => {
    asArray(asRecord(r).middlewares).forEach((m, k) => {
      const ref = asRecord(m);
      const name = asString(ref.name) ?? '';
      const path: PathSegment[] = ['spec', 'routes', i, 'middlewares', k, 'name'];
      const { found, otherProvider } = findMiddleware(ref, ir, middlewares);
      if (otherProvider) return;
      const namespace = asString(ref.namespace);
      const crossNamespace = traefik?.allowCrossNamespace ?? false;
      // `<namespace>-<name>@kubernetescrd` can name any namespace, so Traefik refuses the form outright
      // unless cross-namespace references are allowed (resolveReference in its CRD provider; the words
      // are Traefik 3.7's, checked in test/middleware-namespace-real.test.ts).
      if (name.endsWith('@kubernetescrd') && !crossNamespace) {
        findings.push(
          report(
            'ingressroute-cross-namespace',
            path,
            `Traefik refuses the middleware reference "${name}" and drops the route: "when allowCrossNamespace is disabled, @kubernetescrd references are disallowed"`,
            found && found.namespace === ir.namespace
              ? `Write \`name: ${found.name}\` (the Middleware is in the IngressRoute's namespace, ${ir.namespace}).`
              : `Put the Middleware in namespace ${ir.namespace} and write \`name: ${found?.name ?? 'its-name'}\`, or add \`--providers.kubernetescrd.allowCrossNamespace=true\` to Traefik's args.`,
          ),
        );
        return;
      }
      if (found) {
        if (namespace && namespace !== ir.namespace && !crossNamespace) {
          findings.push(
            report(
              'ingressroute-cross-namespace',
              path,
              `Middleware ${namespace}/${name} is in another namespace than the IngressRoute: Traefik refuses it and drops the route ("allowCrossNamespace is disabled, cross-namespace are disallowed")`,
              `Move the Middleware to namespace ${ir.namespace}, or add \`--providers.kubernetescrd.allowCrossNamespace=true\` to Traefik's args.`,
            ),
          );
        }
        return;
      }
      const base = name.split('@')[0];
      const sameName = middlewares.find((mw) => mw.name === base);
      const byFullName = middlewares.find((mw) => `${mw.namespace}-${mw.name}` === base);
      let fix: string;
      if (name.includes('@') && sameName) {
        fix = `With @kubernetescrd the name is \`<namespace>-<name>\`: write \`${sameName.namespace}-${sameName.name}@kubernetescrd\`, or just \`name: ${sameName.name}\` (same namespace).`;
      } else if (byFullName) {
        const elsewhere = byFullName.namespace !== ir.namespace;
        fix =
          elsewhere && !crossNamespace
            ? `Middleware ${byFullName.name} is in namespace ${byFullName.namespace}: move it to ${ir.namespace} and write \`name: ${byFullName.name}\` (${CROSS_NAMESPACE_NEEDS}).`
            : `Write \`name: ${byFullName.name}\`${elsewhere ? ` and \`namespace: ${byFullName.namespace}\`` : ''}${crossNamespace ? ` (or \`${base}@kubernetescrd\`)` : ''}.`;
      } else if (sameName && !crossNamespace) {
        fix = `Middleware ${sameName.name} is in namespace ${sameName.namespace}: move it to ${ir.namespace} (${CROSS_NAMESPACE_NEEDS}).`;
      } else if (sameName) {
        fix = `Middleware ${sameName.name} is in namespace ${sameName.namespace}: add \`namespace: ${sameName.namespace}\` (or move it to ${ir.namespace}).`;
      } else {
        const guess = nearest(
          base,
          middlewares.map((mw) => mw.name),
        );
        fix = guess
          ? `Write \`name: ${guess}\`.`
          : middlewares.length > 0
            ? `Use one of the Middlewares defined: ${middlewares.map((mw) => mw.name).join(', ')}.`
            : `Define a Middleware named ${base} (apiVersion: traefik.io/v1alpha1, kind: Middleware) in namespace ${namespace ?? ir.namespace}.`;
      }
      findings.push(
        report(
          'ingressroute-missing-middleware',
          path,
          `middleware "${name}" does not exist${name.includes('@') ? '' : ` in namespace ${namespace ?? ir.namespace}`}: Traefik drops the whole route ("middleware does not exist")`,
          fix,
        ),
      );
    });
  });
  return findings;
}

function routeService(
  item: RouteService,
  services: ManifestObject[],
  traefik: TraefikInstall | undefined,
  objects: ManifestObject[],
): Finding[] {
  const report = reporter(item.route);
  const findings: Finding[] = [];
  const ir = item.route;
  const spec = item.spec;
  const name = asString(spec.name) ?? '';
  const namespace = asString(spec.namespace) ?? ir.namespace;

  if (spec.kind === 'TraefikService') {
    const exists = objects.some(
      (o) => o.kind === 'TraefikService' && o.name === name && o.namespace === namespace,
    );
    if (!exists) {
      findings.push(
        report(
          'ingressroute-missing-service',
          [...item.path, 'name'],
          `TraefikService ${namespace}/${name} is not defined in these manifests`,
          'Define the TraefikService, or point at a Kubernetes Service (drop `kind: TraefikService`).',
        ),
      );
    }
    return findings;
  }
  if (namespace !== ir.namespace && !traefik?.allowCrossNamespace) {
    findings.push(
      report(
        'ingressroute-cross-namespace',
        [...item.path, 'namespace'],
        `Service ${namespace}/${name} is in another namespace than the IngressRoute, which Traefik refuses unless allowCrossNamespace is on`,
        `Put the IngressRoute in namespace ${namespace}, or add \`--providers.kubernetescrd.allowCrossNamespace=true\` to Traefik's args.`,
      ),
    );
  }
  const service = findService(item, services);
  if (!service) {
    const inNamespace = services.filter((s) => s.namespace === namespace).map((s) => s.name);
    const guess = nearest(name, inNamespace);
    const elsewhere = services.find((s) => s.name === name);
    // `app@kubernetescrd`: a provider suffix is how labels and files name Traefik's objects, not Services.
    const suffixed = /^([^@]+)@\w+$/.exec(name)?.[1];
    findings.push(
      report(
        'ingressroute-missing-service',
        [...item.path, 'name'],
        `Service "${name}" does not exist in namespace ${namespace}: Traefik logs "kubernetes service not found" and serves 404${
          suffixed
            ? `. An IngressRoute's services are Kubernetes Services, named by their metadata.name alone; an @provider suffix names Traefik's own objects, from labels or files`
            : ''
        }`,
        suffixed && inNamespace.includes(suffixed)
          ? `Write \`name: ${suffixed}\`.`
          : guess
            ? `Write \`name: ${guess}\`.`
            : elsewhere
              ? `Service ${name} is in namespace ${elsewhere.namespace}: put the IngressRoute there too.`
              : `Define a Service named ${name} in namespace ${namespace}${inNamespace.length ? `, or use one of: ${inNamespace.join(', ')}` : ''}.`,
      ),
    );
    return findings;
  }

  const servicePorts = asArray(asRecord(service.data.spec).ports).filter(isRecord);
  const port = findServicePort(service, spec.port);
  if (!port) {
    const list = servicePorts
      .map((p) => (p.name ? `${String(p.port)} (${String(p.name)})` : String(p.port)))
      .join(', ');
    const isTarget = servicePorts.find((p) => p.targetPort === spec.port);
    findings.push(
      report(
        'ingressroute-service-port',
        [...item.path, spec.port === undefined ? 'name' : 'port'],
        spec.port === undefined
          ? `Service ${name} has several ports (${list}); the IngressRoute must say which one`
          : isTarget
            ? `${String(spec.port)} is the targetPort (the pod's port) of Service ${name}; an IngressRoute names the Service's own port (${String(isTarget.port)})`
            : `Service ${name} has no port ${JSON.stringify(spec.port)} (it has ${list || 'none'})`,
        `Write \`port: ${String(isTarget?.port ?? servicePorts[0]?.port ?? 80)}\` (a port of Service ${name}, by number or name).`,
      ),
    );
  }

  const affinity = asRecord(service.data.spec).sessionAffinity;
  if (affinity === 'ClientIP') {
    findings.push(
      reporter(service)(
        'service-session-affinity',
        ['spec', 'sessionAffinity'],
        spec.nativeLB === true
          ? "sessionAffinity: ClientIP behind Traefik with nativeLB pins every client to one pod: all requests come from Traefik's pod IP"
          : "sessionAffinity: ClientIP does nothing behind Traefik: Traefik sends to the pods directly (EndpointSlices), not through the Service's virtual IP",
        "Remove sessionAffinity and use the IngressRoute's sticky cookie for stickiness.",
        'warning',
      ),
    );
  }
  return findings;
}

function appContainers(w: Workload): Finding[] {
  const report = reporter(w.object);
  const findings: Finding[] = [];
  w.containers.forEach((c, i) => {
    const path: PathSegment[] = [...w.templatePath, 'spec', 'containers', i];
    const image = asString(c.image) ?? '';
    const { tag, digest } = parseImage(image);
    const policy = asString(c.imagePullPolicy);
    const floating = !digest && (!tag || tag === 'latest');
    if ((floating && policy !== 'IfNotPresent' && policy !== 'Never') || policy === 'Always') {
      findings.push(
        report(
          'image-latest-pull',
          policy === 'Always' ? [...path, 'imagePullPolicy'] : [...path, 'image'],
          policy === 'Always'
            ? `imagePullPolicy: Always makes the kubelet pull "${image}" from a registry, ignoring the copy \`kind load docker-image\` put on the node: ErrImagePull / ImagePullBackOff`
            : `"${image}" ${tag ? 'is tagged :latest' : 'has no tag (so :latest)'} without imagePullPolicy, so the kubelet defaults to Always and pulls it from Docker Hub instead of using the image \`kind load docker-image\` put on the node: ErrImagePull / ImagePullBackOff (kind issue #328)`,
          policy === 'Always'
            ? 'Use `imagePullPolicy: IfNotPresent` for images you load with kind.'
            : `Tag the image with a version (docker build -t ${parseImage(image).repository}:1.0.0 ., then kind load docker-image ${parseImage(image).repository}:1.0.0) and use that tag, or add \`imagePullPolicy: IfNotPresent\`.`,
        ),
      );
    }
    const ports = containerPorts(w).filter((p) => p.containerIndex === i);
    for (const probe of ['readinessProbe', 'livenessProbe'] as const) {
      if (!isRecord(c[probe])) {
        findings.push(
          report(
            'probe-missing',
            [...path, 'name'],
            probe === 'readinessProbe'
              ? `container ${String(c.name)} has no readinessProbe: pods get traffic before Redis is connected, and during shutdown`
              : `container ${String(c.name)} has no livenessProbe: a hung server is never restarted`,
            probe === 'readinessProbe'
              ? 'Add:\n  readinessProbe:\n    httpGet: { path: /readyz, port: http }'
              : 'Add:\n  livenessProbe:\n    httpGet: { path: /healthz, port: http }',
          ),
        );
        continue;
      }
      const probePort = asRecord(asRecord(c[probe]).httpGet).port;
      if (
        typeof probePort === 'string' &&
        !/^\d+$/.test(probePort) &&
        !ports.some((p) => p.name === probePort)
      ) {
        findings.push(
          report(
            'probe-port',
            [...path, probe, 'httpGet', 'port'],
            `the ${probe} uses port "${probePort}", which is not a named port of container ${String(c.name)}: the probe always fails`,
            ports.length > 0
              ? `Use one of: ${ports.map((p) => p.name ?? String(p.containerPort)).join(', ')}.`
              : 'Declare the port (ports: - name: http, containerPort: 3000) or use the number.',
          ),
        );
      }
    }
  });
  return findings;
}
