// npm run bench:control-plane [-- --runs 5]
// The apiserver target's control plane (etcd and kube-apiserver, built once by .ci/kube-tools.sh): from
// starting etcd to kube-apiserver's /readyz answering ok, then Traefik's CRDs applied and Established.
import { machine, median } from './lib/bench-figures.ts';
import { integerFlag, parseCommandLine } from './lib/cli.ts';
import { UserError } from './lib/errors.ts';
import { main } from './lib/main.ts';
import { startControlPlane } from './lib/targets/apiserver/control-plane.ts';
import { applyCrds } from './lib/targets/apiserver/traefik-provider.ts';
import { cachedTool, missingToolReason } from './lib/targets/kube-tools.ts';

await main(async () => {
  const { values } = parseCommandLine(
    { options: { runs: { type: 'string', default: '5' } } },
    {
      usage: 'npm run bench:control-plane [-- --runs 5]',
      summary:
        "The apiserver target's control plane: start to ready, and Traefik's CRDs to Established (medians).",
      flags: { runs: 'runs (1 to 50, default 5)' },
    },
  );
  const runs = integerFlag('--runs', values.runs, 1, 50);
  const crdFile = cachedTool('traefik-crds');
  if (!crdFile) throw new UserError(missingToolReason('traefik-crds'));
  const ready: number[] = [];
  const crds: number[] = [];
  for (let i = 0; i < runs; i++) {
    const plane = await startControlPlane();
    try {
      ready.push(plane.startMs);
      const started = performance.now();
      await applyCrds(plane, crdFile);
      crds.push(performance.now() - started);
    } finally {
      await plane.stop();
    }
  }
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  console.log(`control plane, ${runs} runs, ${machine()}`);
  console.log(
    `start to ready: median ${s(median(ready))}  min ${s(Math.min(...ready))}  max ${s(Math.max(...ready))}`,
  );
  console.log(
    `CRDs applied and Established: median ${s(median(crds))}  min ${s(Math.min(...crds))}  max ${s(Math.max(...crds))}`,
  );
});
