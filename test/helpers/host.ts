// What a kind node changes on this machine, put back. The kubelet in a privileged node writes host-wide
// sysctls (vm.overcommit_memory 0→1, kernel.panic 1→10, kernel.panic_on_oops 0→1: the last makes any
// kernel oops take the machine down): a test that runs a cluster saves them first and restores them after,
// on failure too. The user's kubeconfig is never touched: KUBECONFIG points at a file of the test's own.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './temp.ts';

const SYSCTLS = ['vm/overcommit_memory', 'kernel/panic', 'kernel/panic_on_oops'];

/** Saves the sysctls a kubelet writes; the function returned writes them back (also at exit). */
export function keepHostSysctls(): () => void {
  const saved = SYSCTLS.map((name) => [name, readFileSync(`/proc/sys/${name}`, 'utf8').trim()] as const);
  const restore = () => {
    for (const [name, value] of saved) writeFileSync(`/proc/sys/${name}`, value);
  };
  process.once('exit', restore);
  return () => {
    restore();
    process.removeListener('exit', restore);
  };
}

/**
 * A kubeconfig of the test's own, so that kind and kubectl never touch the user's ~/.kube/config, and
 * kubectl's discovery cache beside it (it writes ~/.kube/cache whatever KUBECONFIG says).
 */
export function ownKubeconfig(): string {
  const dir = tempDir('wsk-kubeconfig-');
  process.env.KUBECONFIG = join(dir, 'config');
  process.env.KUBECACHEDIR = join(dir, 'cache');
  return process.env.KUBECONFIG;
}
