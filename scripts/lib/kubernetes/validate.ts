// The whole check of a step's Kubernetes folder: each object against its schema, Traefik's RBAC,
// the cross-references between objects, and kind-config.yaml against the Traefik it must reach.
import { join } from 'node:path';
import type { Finding } from '../findings.ts';
import { lintDynamicConfig } from '../traefik/lint.ts';
import { checkCrossReferences } from './cross-references.ts';
import { ingressRoutesToDynamicConfig } from './ingress-route.ts';
import { validateKindConfig, validateKindConfigObject } from './kind-config.ts';
import type { ManifestObject } from './manifest.ts';
import { type LoadedManifests, type LoadOptions, loadManifests } from './parse.ts';
import { checkRbac } from './rbac.ts';
import { validateObjectSchema } from './schema.ts';
import { findTraefik, type TraefikInstall } from './workloads.ts';

export interface ValidateOptions extends LoadOptions {
  /** kind-config.yaml to check too (a kind `Cluster` document inside the folder is checked anyway). */
  kindConfig?: string;
}

/** Every finding for a folder of manifests, errors and warnings, sorted by file and line. */
export function validateManifests(dir: string, options: ValidateOptions = {}): Finding[] {
  return validateLoaded(loadManifests(dir, options), dir, options);
}

/** The same, on a folder already read (a check run reads it once for every expectation). */
export function validateLoaded(
  loaded: LoadedManifests,
  dir: string,
  options: ValidateOptions = {},
): Finding[] {
  const { objects, kindConfigs } = loaded;
  const findings = [...loaded.findings];
  // With a document unreadable, links to its objects would all look broken: fix the YAML first.
  const complete = !findings.some((f) => f.code === 'yaml-syntax');
  findings.push(...(complete ? validateObjects(objects) : objects.flatMap(validateObjectSchema)));
  for (const config of kindConfigs) {
    findings.push({
      code: 'kind-config-in-manifests',
      severity: 'error',
      file: config.file,
      line: config.line,
      object: 'Cluster',
      message: `kind's cluster config is in the manifests folder: \`kubectl apply -f ${dir}\` fails on it ("no matches for kind Cluster in version kind.x-k8s.io/v1alpha4")`,
      fix: 'Move it out of the folder (kind-config.yaml next to it) and pass it to `kind create cluster --config`.',
    });
    findings.push(...validateKindConfigObject(config, objects));
  }
  if (options.kindConfig && !kindConfigs.some((c) => samePath(c.file, options.kindConfig as string, dir))) {
    findings.push(...validateKindConfig(options.kindConfig, objects));
  }
  return sortFindings(findings);
}

/** The checks on objects already loaded (by loadManifests). */
export function validateObjects(objects: ManifestObject[]): Finding[] {
  const traefik = findTraefik(objects);
  return sortFindings([
    ...objects.flatMap(validateObjectSchema),
    ...checkRbac(objects, traefik),
    ...checkCrossReferences(objects, traefik),
    ...lintRouting(objects, traefik),
  ]);
}

/** The IngressRoutes decoded into Traefik's model, linted by the rules compose.yaml's labels get too. */
function lintRouting(objects: ManifestObject[], traefik: TraefikInstall | undefined): Finding[] {
  const { config, replicas } = ingressRoutesToDynamicConfig(objects);
  const sticky = '  sticky:\n    cookie:\n      name: wsk_sticky\n      httpOnly: true\n      sameSite: lax';
  return lintDynamicConfig({
    config,
    staticConfig: traefik?.static,
    replicas,
    syntax: {
      commandName: "Traefik's args",
      addStickyCookie: () => `Add under this service:\n${sticky}`,
      removeSecure: () =>
        'Set `secure: false` on http, or serve the route over TLS (a websecure entry point and `tls:`).',
      sameSiteLax: () => 'Use `sameSite: lax` on plain http (or `secure: true` over https).',
      renameCookie: () => 'Pick your own name: `name: wsk_sticky`.',
    },
  });
}

const samePath = (a: string, b: string, dir: string) => a === b || a === join(dir, b);

export function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort((a, b) => a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0));
}
