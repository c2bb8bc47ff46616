// What a test needs from the machine, said once for the whole suite. Where something is missing, the tests
// that need it are skipped, their name saying what is missing; under CI=true (CI installs everything) a
// missing need fails instead. This is the suite's one reading of CI.
import { describe, it } from 'vitest';
import { KIND_NODE_TAG } from '../../scripts/lib/kubernetes/versions.ts';
import { cachedTool, type KubeTool, missingToolReason } from '../../scripts/lib/targets/kube-tools.ts';
import { answers, composeV2Answers, dockerEngineAnswers, findExecutable } from '../../scripts/lib/tools.ts';
import { CHROMIUM } from './browser.ts';

export const IN_CI = process.env.CI === 'true';

export type Need = KubeTool | 'root' | 'chromium' | 'docker' | 'etcd' | 'kind-node';

/** What of `needs` this machine lacks, one sentence each (empty: nothing). */
export async function lacking(...needs: Need[]): Promise<string[]> {
  const reasons = await Promise.all(
    needs.map(async (need): Promise<string | undefined> => {
      switch (need) {
        case 'root':
          return process.getuid?.() === 0 ? undefined : 'not root (the pods’ addresses need CAP_NET_ADMIN)';
        case 'chromium':
          return CHROMIUM ? undefined : "no Chromium (Debian's chromium package)";
        case 'etcd':
          return findExecutable('etcd') ? undefined : "no etcd on PATH (Debian's etcd-server)";
        case 'kind-node':
          return (await answers('docker', ['image', 'inspect', KIND_NODE_TAG]))
            ? undefined
            : `no ${KIND_NODE_TAG} in the Docker engine (.ci/kind-node.sh builds it)`;
        case 'docker':
          return (await dockerEngineAnswers()) && (await composeV2Answers())
            ? undefined
            : 'no Docker engine with Compose answers (.ci/docker-tier.sh starts one)';
        default:
          return cachedTool(need) ? undefined : missingToolReason(need);
      }
    }),
  );
  return reasons.filter((r): r is string => r !== undefined);
}

const failInCi = (missing: string[]) => () => {
  throw new Error(`CI=true, and this machine lacks: ${missing.join('; ')}. CI provides it (.ci/run).`);
};

/** `describe`, run where nothing is missing; else skipped with the reason, or failed under CI. */
export function describeWith(missing: string[], name: string, body: () => void): void {
  if (!missing.length) describe(name, body);
  else if (IN_CI) describe(name, () => it('has what it needs', failInCi(missing)));
  else describe.skip(`${name} [skipped: ${missing.join('; ')}]`, body);
}

/** `it`, the same way. */
export function itWith(
  missing: string[],
  name: string,
  body: () => Promise<void> | void,
  timeoutMs?: number,
) {
  if (!missing.length) it(name, body, timeoutMs);
  else if (IN_CI) it(name, failInCi(missing));
  else it.skip(`${name} [skipped: ${missing.join('; ')}]`, body);
}
