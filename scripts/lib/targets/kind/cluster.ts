// The kind cluster a step runs on, as one value that every command names: kind acts on it with
// `--name NAME`, kubectl with `--context kind-NAME` (the context kind writes into the kubeconfig). Never
// the kubeconfig's current context: on an attendee's laptop that may be a cloud cluster.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { $, type ProcessOutput } from 'zx';
import { UserError } from '../../errors.ts';

export interface KindCluster {
  /** kind-config.yaml's `name` (kind's own default would be `kind`; the workshop passes it always). */
  name: string;
  /** kubectl's context for it. */
  context: string;
}

/** The cluster a step folder's kind-config.yaml names; `wsk` when it names none (it is passed with --name). */
export function clusterName(dir: string): string {
  const file = join(dir, 'kind-config.yaml');
  const name = existsSync(file)
    ? (parse(readFileSync(file, 'utf8')) as { name?: unknown } | null)?.name
    : undefined;
  return typeof name === 'string' && name ? name : 'wsk';
}

export function kindCluster(dir: string): KindCluster {
  const name = clusterName(dir);
  return { name, context: `kind-${name}` };
}

/** kubectl's argv for the cluster: the context first, so that no caller can leave it out. */
export const kubectlArgs = (cluster: KindCluster, args: string[]) => ['--context', cluster.context, ...args];

export interface ClusterCommands {
  kubectl(args: string[]): Promise<ProcessOutput>;
  /** `kind SUBCOMMAND… --name NAME`. */
  kind(args: string[]): Promise<ProcessOutput>;
  /** Any other command (docker, to reach the node), with the same error reporting. */
  run(argv: string[]): Promise<ProcessOutput>;
}

/**
 * Runs commands against one cluster. A failure becomes a UserError that names the command and repeats
 * the tool's own last words (`context "kind-wsk" does not exist`), with `hint`: never a stack trace.
 */
export function clusterCommands(
  cluster: KindCluster,
  { cwd, echo = false, hint }: { cwd?: string; echo?: boolean; hint: string },
): ClusterCommands {
  const sh = $({ cwd, quiet: !echo, nothrow: true });
  const run = async (argv: string[]) => {
    const out = await sh`${argv}`;
    if (out.exitCode !== 0) {
      const said = `${out.stderr}\n${out.stdout}`
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
      // The line that says what went wrong, not a warning printed before it.
      const words = said.find((l) => /error/i.test(l)) ?? said.at(-1);
      throw new UserError(
        `\`${argv.join(' ')}\` failed (exit code ${out.exitCode})${words ? `: ${words}` : '.'}`,
        hint,
      );
    }
    return out;
  };
  return {
    kubectl: (args) => run(['kubectl', ...kubectlArgs(cluster, args)]),
    kind: (args) => run(['kind', ...args, '--name', cluster.name]),
    run,
  };
}
