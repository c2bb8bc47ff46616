// The pieces of `npm run step`: run a step in the foreground, watch it, and the action menu.
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { styleText } from 'node:util';
import { watch } from 'chokidar';
import { explainCrash } from './app-process.ts';
import { checkSteps } from './checks/check-steps.ts';
import { matchHint } from './checks/diagnosis.ts';
import type { StepResult } from './checks/types.ts';
import type { Environment } from './environment.ts';
import { describeError, UserError } from './errors.ts';
import { diffWithSolution, ensurePlayground } from './playground.ts';
import { replaceWith } from './playground-commands.ts';
import { ephemeralOverlap, PortPlan } from './ports.ts';
import {
  instructionsJustShown,
  loadProgress,
  markInstructionsShown,
  type Progress,
  setCurrentStep,
} from './progress-file.ts';
import { folderName, playgroundDir, STEPS, type Step, solutionDir, starterDir } from './steps.ts';
import { startSystemView } from './system-view/server.ts';
import { chooseTarget, type Target, targetModule } from './targets/index.ts';
import { describeRouting } from './traefik-run/process.ts';
import { useColor } from './ui/color.ts';
import { colorPatch } from './ui/diff.ts';
import { renderMarkdown } from './ui/markdown.ts';
import { choose } from './ui/prompts.ts';
import { renderExpectations, renderPassed, renderResults, terminalProgress } from './ui/results.ts';

const print = (text: string) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);

export function instructions(step: Step): string {
  return renderMarkdown(readFileSync(join(starterDir(step), 'README.md'), 'utf8'), { color: useColor() });
}

/**
 * `--start`: the step's environment in the foreground until Ctrl-C or SIGTERM, which stop all of it
 * (`main` does). Without a target, the real one where its tools answer, else the rehearsal and why.
 */
export async function startInForeground(step: Step, { target }: { target?: Target } = {}): Promise<never> {
  const { dir } = ensurePlayground(step);
  const port = Number(process.env.PORT ?? 3000);
  const choice = target ? { target } : await chooseTarget(step);
  print(
    styleText(
      'bold',
      `Starting step ${step.number} (${step.title}) from playground/${folderName(step)} on ${choice.target}…`,
    ),
  );
  if (choice.reason)
    print(styleText('yellow', `  The rehearsal, because ${choice.reason}. --target NAME chooses.`));
  const overlap = ephemeralOverlap(port);
  if (overlap) print(styleText('yellow', `  ${overlap}`));
  // The system view's port is refused up front like the step's own: nothing starts on a busy layout.
  const viewPorts = new PortPlan(port);
  const viewPort = await viewPorts.port('systemView');
  await viewPorts.ensureFree();
  const env = await targetModule(choice.target).start(step, dir, {
    port,
    echo: true,
    instanceId: process.env.INSTANCE_ID || undefined,
  });
  print('');
  const width = Math.max(...env.links.map((l) => l.label.length));
  for (const { label, url } of env.links) print(`  ${label.padEnd(width)}  ${styleText('cyan', url)}`);
  for (const note of env.notes) print(styleText('yellow', `  ${note}`));
  const page = new URL(step.socketPath.replace(/socket\.io\/$/, ''), env.entries[0]).href;
  print(`\n  The chat page: ${styleText('cyan', page.replace('127.0.0.1', 'localhost'))}`);
  const view = await startSystemView(env, {
    port: viewPort,
    title: `Step ${step.number}: ${step.title} (${choice.target})`,
    step: step.number,
    target: choice.target,
  });
  // Flush left: instructors and tests find it by this beginning.
  print(`system view  ${styleText('cyan', view.url)}  (clients → Traefik → instances → Redis, live)`);
  if (env.traefik) {
    print(
      styleText(
        'bold',
        `\nWhat Traefik built from your configuration (from its API, ${env.traefik.apiUrl}/api/rawdata):`,
      ),
    );
    const built = await describeRouting(env.traefik.apiUrl);
    for (const line of built) print(`  ${line}`);
    if (!built.length)
      print('  nothing yet: no router, no service (the step README says which labels to add)');
  }
  if (env.reload) reloadOnSave(dir, env.reload);
  print(styleText('dim', '\nCtrl-C stops everything this command started.'));
  // Stay in the foreground; the signal handlers stop the processes and exit. With no instance left
  // (every one crashed), end instead of serving nothing: non-zero, everything stopped.
  return new Promise<never>((_, reject) =>
    reportExits(env, dir, () =>
      reject(
        new UserError(
          'Every instance of the step has ended, so nothing serves it any more (what each printed is above).',
          `fix that, then start it again: npm run step ${step.number} -- --start`,
        ),
      ),
    ),
  );
}

/** Applies an edited compose.yaml or manifest to the running Traefik, live: no restart, no lost client. */
function reloadOnSave(dir: string, reload: () => Promise<string[]>) {
  let timer: NodeJS.Timeout | undefined;
  const routing = ['compose.yaml', 'k8s'].map((f) => join(dir, f)).filter((f) => existsSync(f));
  const watcher = watch(routing, { ignoreInitial: true });
  watcher.on('all', (_event, path) => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      reload()
        .then((errors) => {
          print(styleText('green', `[traefik] routing reloaded from ${relative(dir, path)}`));
          for (const e of errors) print(styleText('red', `[traefik] ${e}`));
        })
        .catch((err: Error) => print(styleText('red', `[traefik] not reloaded: ${describeError(err)}`)));
    }, 200);
  });
}

/**
 * Says when an instance ends without being asked to (a crash, a process.exit): its last output scrolls
 * by among the others' logs, and the step goes on serving with one instance fewer. A restarted
 * instance has a new process, so the instances are looked at again each second. `allGone` is called once
 * no instance has run for 5 s.
 */
function reportExits(env: Environment, dir: string, allGone: () => void): void {
  const reported = new Set<unknown>();
  // Seconds in a row with no instance running: a drill restarts one within that, a crash does not.
  let empty = 0;
  setInterval(() => {
    empty = env.instances.length && env.instances.every((i) => !i.process.running()) ? empty + 1 : 0;
    if (empty === 5) allGone();
    for (const instance of env.instances) {
      const proc = instance.process;
      if (proc.running() || proc.stopRequested() || reported.has(proc)) continue;
      reported.add(proc);
      void proc.exited.then(({ code, signal }) => {
        const crash = explainCrash(proc.output(), dir).replace(
          /^The server exited before it was ready/,
          'It exited',
        );
        print(
          styleText(
            ['red', 'bold'],
            `${instance.id} exited (${signal ?? `code ${code}`}): ${crash.replace(/^The server /, '')}`,
          ),
        );
        const hint = matchHint(proc.output());
        if (hint) print(styleText('yellow', `  hint: ${hint}`));
      });
    }
  }, 1_000);
}

/** What a save is not: node_modules. */
export const ignoredByWatch = (path: string): boolean => path.split(sep).includes('node_modules');

/** `--watch`: re-runs the checks on every save (debounced), redrawing the result in place. */
export async function watchStep(step: Step): Promise<never> {
  const { dir } = ensurePlayground(step);
  let running = false;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  const run = async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    if (process.stdout.isTTY) process.stdout.write('\x1b[2J\x1b[H');
    print(
      styleText(
        'dim',
        `Checking step ${step.number}… (watching playground/${folderName(step)}; Ctrl-C to stop)`,
      ),
    );
    const [result] = (await checkSteps(step)) as StepResult[];
    if (process.stdout.isTTY) process.stdout.write('\x1b[2J\x1b[H');
    print(renderResults([result], { color: useColor() }));
    print(renderExpectations(result, { color: useColor() }));
    print(
      styleText(
        'dim',
        `Watching playground/${folderName(step)}: save a file to check again. Ctrl-C to stop.`,
      ),
    );
    running = false;
    if (again) {
      again = false;
      await run();
    }
  };
  const watcher = watch(dir, { ignoreInitial: true, ignored: ignoredByWatch });
  watcher.on('all', () => {
    clearTimeout(timer);
    timer = setTimeout(run, 300);
  });
  await run();
  return new Promise<never>(() => {});
}

type Action = 'start' | 'check' | 'hint' | 'read' | 'watch' | 'diff' | 'solve' | 'reset' | 'next' | 'quit';

/** The interactive loop after the instructions: each action, then back to the menu. */
export async function actionMenu(step: Step): Promise<void> {
  let last: StepResult | undefined;
  for (;;) {
    const action = await choose<Action>(`Step ${step.number}: what next?`, [
      { name: 'check', message: 'check', hint: 'run this step’s checks' },
      { name: 'start', message: 'start', hint: 'run it in the foreground (Ctrl-C stops it and leaves)' },
      { name: 'hint', message: 'hint', hint: 'what to do about the first failing check' },
      { name: 'read', message: 'read', hint: 'the step’s instructions again' },
      { name: 'watch', message: 'watch', hint: 're-check on every save' },
      { name: 'diff', message: 'diff', hint: 'your files against the solution' },
      { name: 'solve', message: 'solve', hint: 'replace your files with the solution (backed up)' },
      { name: 'reset', message: 'reset', hint: 'back to the starter (backed up)' },
      ...(step.number < STEPS.length
        ? [{ name: 'next' as const, message: 'next', hint: `step ${step.number + 1}` }]
        : []),
      { name: 'quit', message: 'quit' },
    ]);
    if (action === 'quit') return;
    if (action === 'read') print(instructions(step));
    if (action === 'start') await startInForeground(step);
    if (action === 'watch') await watchStep(step);
    if (action === 'next') return openStep(STEPS[step.number], { interactive: true });
    if (action === 'solve' || action === 'reset')
      print(await replaceWith(step, action === 'solve' ? 'solution' : 'starter'));
    if (action === 'diff') {
      const { diffs, left } = diffWithSolution(step);
      print(
        diffs.length
          ? diffs.map((d) => colorPatch(d.patch, useColor())).join('\n')
          : 'Your files match the solution.',
      );
      if (left.length)
        print(
          styleText(
            'dim',
            `Not shown (not the lesson): ${left.join(', ')}. The solution's copy is in ${solutionDir(step)}.`,
          ),
        );
    }
    if (action === 'check' || (action === 'hint' && !last)) {
      [last] = (await checkSteps(step, {
        onProgress: terminalProgress(process.stdout),
      })) as StepResult[];
      if (action === 'check')
        print(renderPassed(last, { color: useColor() }) + renderResults([last], { color: useColor() }));
    }
    if (action === 'hint' && last) {
      print(
        last.failure
          ? // The message too: when an instance crashed, it carries the output the hint answers.
            `${last.failure.title}\n${(last.failure.message ?? '')
              .split('\n')
              .map((l) => `  ${l}`)
              .join('\n')}\n  ${styleText('yellow', `hint: ${last.failure.hint}`)}`
          : 'All checks pass: no hint needed.',
      );
    }
  }
}

export async function openStep(step: Step, { interactive }: { interactive: boolean }): Promise<void> {
  const { created } = ensurePlayground(step);
  // On a terminal the instructions printed a moment ago are still on screen: the menu's 'read' shows
  // them again. Without one, the output is all there is, so it is always whole.
  const justShown = interactive && instructionsJustShown(loadProgress(), step.number);
  setCurrentStep(step.number);
  if (justShown)
    print(
      styleText('bold', `Step ${step.number}: ${step.title}`) +
        styleText('dim', ' (instructions shown a moment ago; choose "read" to see them again)'),
    );
  else {
    print(instructions(step));
    markInstructionsShown(step.number);
  }
  print(
    styleText(
      'dim',
      `${created ? 'Created' : 'Your files are in'} playground/${folderName(step)}/ (edit ${step.files.join(', ')}).`,
    ),
  );
  if (interactive) return actionMenu(step);
  print(
    [
      '',
      `  npm run step ${step.number} -- --start    run it`,
      `  npm run check ${step.number}              check it`,
      `  npm run step ${step.number} -- --watch    re-check on every save`,
      `  npm run solve ${step.number} -- --yes     replace your files with the solution (backed up)`,
      `  npm run reset ${step.number} -- --yes     back to the starter (backed up)`,
    ].join('\n'),
  );
}

/** The menu of steps with their status, from the progress file. */
export async function stepMenu(): Promise<Step> {
  const { choices, initial } = stepMenuChoices(loadProgress());
  const number = await choose('Which step?', choices, initial);
  return STEPS[Number(number) - 1];
}

/** The steps with their status; the cursor starts on the current step, where the attendee left off. */
export function stepMenuChoices(progress: Progress) {
  const status = (step: Step) => {
    const s = progress.steps[step.number];
    if (s?.ok) return '✔ done';
    if (s) return `✖ ${s.failure ?? 'failing'}`;
    return existsSync(playgroundDir(step)) ? 'started' : '';
  };
  const choices = STEPS.map((s) => ({
    name: String(s.number),
    message: `${s.number}. ${s.title}${progress.current === s.number ? '  (current)' : ''}`,
    hint: status(s),
  }));
  const initial = Math.max(
    0,
    STEPS.findIndex((s) => s.number === progress.current),
  );
  return { choices, initial };
}

export function stepList(): string {
  const progress = loadProgress();
  return STEPS.map((s) => {
    const mark = progress.steps[s.number]?.ok ? '✔' : progress.steps[s.number] ? '✖' : ' ';
    return `${mark} ${String(s.number).padStart(2)}. ${s.title.padEnd(40)} ${s.minutes} min  ${s.summary}`;
  }).join('\n');
}
