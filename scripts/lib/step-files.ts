// A step folder's deployment files, each parsed at most once per command: the checks and the target that
// runs the step read the same parse (a check run read compose.yaml and k8s/ two to four times). The
// validators load schemas, so each reader is imported on first use: checking step 1 pays for none of it.
import { join } from 'node:path';
import type { ComposeStack } from './compose/index.ts';
import type { KubernetesRouting } from './kubernetes/ingress-route.ts';
import type { LoadedManifests } from './kubernetes/parse.ts';

export interface StepFiles {
  readonly dir: string;
  /** compose.yaml: its model, its Traefik labels decoded, and every finding. */
  compose(): Promise<ComposeStack>;
  /** k8s/: every object with its lines, and the findings of reading them. */
  manifests(): Promise<LoadedManifests>;
  /** The IngressRoutes and Middlewares of k8s/ decoded into Traefik's model. */
  routing(): Promise<KubernetesRouting>;
}

const once = <T>(read: () => Promise<T>): (() => Promise<T>) => {
  let value: Promise<T> | undefined;
  return () => {
    value ??= read();
    return value;
  };
};

/** The files of `dir`, read lazily and kept: call again after an edit for a fresh reading. */
export function stepFiles(dir: string): StepFiles {
  const manifests = once(async () => (await import('./kubernetes/parse.ts')).loadManifests(join(dir, 'k8s')));
  return {
    dir,
    compose: once(async () => (await import('./compose/index.ts')).analyzeCompose(join(dir, 'compose.yaml'))),
    manifests,
    routing: once(async () =>
      (await import('./kubernetes/ingress-route.ts')).ingressRoutesToDynamicConfig(
        (await manifests()).objects,
      ),
    ),
  };
}
