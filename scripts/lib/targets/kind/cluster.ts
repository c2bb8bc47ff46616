// The kind cluster a step runs on, as one value that every command names: kind acts on it with
// `--name NAME`, kubectl with `--context kind-NAME` (the context kind writes into the kubeconfig). Never
// the kubeconfig's current context: on an attendee's laptop that may be a cloud cluster.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { UserError } from '../../errors.ts';
import { type CommandResult, runCommand } from '../../processes.ts';

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
  kubectl(args: string[]): Promise<CommandResult>;
  /** `kind SUBCOMMAND… --name NAME`. */
  kind(args: string[]): Promise<CommandResult>;
  /** Any other command (docker, to reach the node), with the same error reporting. */
  run(argv: string[]): Promise<CommandResult>;
  /** Any command, its failure an answer rather than an error (read `exitCode`). */
  attempt(argv: string[]): Promise<CommandResult>;
  /** kubectl on the cluster, its failure an answer rather than an error. */
  tryKubectl(args: string[]): Promise<CommandResult>;
  /** kubectl's whole argv for the cluster, for a process that outlives one command (a kept exec). */
  kubectlArgv(args: string[]): string[];
}

/** A failed command in one line: the command, and the tool's own words, not a warning printed before them. */
export function commandFailed(argv: string[], result: CommandResult, hint?: string): UserError {
  const said = result.output
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const words = said.find((l) => /error/i.test(l)) ?? said.at(-1);
  return new UserError(
    `\`${argv.join(' ')}\` failed (exit code ${result.exitCode})${words ? `: ${words}` : '.'}`,
    hint,
  );
}

/**
 * Runs commands against one cluster, each a managed process (Ctrl-C stops it). A failure becomes a
 * UserError that names the command and repeats the tool's own last words (`context "kind-wsk" does not
 * exist`), with `hint`: never a stack trace.
 */
export function clusterCommands(
  cluster: KindCluster,
  { cwd, echo = false, hint }: { cwd?: string; echo?: boolean; hint: string },
): ClusterCommands {
  const attempt = (argv: string[]) =>
    runCommand({ name: argv[0], command: argv[0], args: argv.slice(1), cwd, echo });
  const run = async (argv: string[]) => {
    const result = await attempt(argv);
    if (result.exitCode !== 0) throw commandFailed(argv, result, hint);
    return result;
  };
  return {
    kubectl: (args) => run(['kubectl', ...kubectlArgs(cluster, args)]),
    kind: (args) => run(['kind', ...args, '--name', cluster.name]),
    run,
    attempt,
    tryKubectl: (args) => attempt(['kubectl', ...kubectlArgs(cluster, args)]),
    kubectlArgv: (args) => ['kubectl', ...kubectlArgs(cluster, args)],
  };
}
