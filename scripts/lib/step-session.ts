// The pieces of `npm run step`: run a step in the foreground, watch it, and the action menu.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { styleText } from 'node:util';
import { watch } from 'chokidar';
import { checkSteps } from './checks/check-steps.ts';
import type { StepResult } from './checks/types.ts';
import type { Environment } from './environments/types.ts';
import { diffWithSolution, ensurePlayground } from './playground.ts';
import { replaceWith } from './playground-commands.ts';
import { stopAllOnExit } from './processes.ts';
import { loadProgress, setCurrentStep } from './progress.ts';
import { folderName, playgroundDir, STEPS, type Step, starterDir } from './steps.ts';
import { useColor } from './ui/color.ts';
import { colorPatch } from './ui/diff.ts';
import { renderMarkdown } from './ui/markdown.ts';
import { choose } from './ui/prompts.ts';
import { renderExpectations, renderResults } from './ui/results.ts';

const print = (text: string) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);

export function instructions(step: Step): string {
  return renderMarkdown(readFileSync(join(starterDir(step), 'README.md'), 'utf8'), { color: useColor() });
}

/** `--start`: the step's environment in the foreground until Ctrl-C or SIGTERM, which stop all of it. */
export async function startInForeground(step: Step, { local = false, real = false } = {}): Promise<never> {
  const { dir } = ensurePlayground(step);
  const port = Number(process.env.PORT ?? 3000);
  let env: Environment | undefined;
  // Ctrl-C or SIGTERM: the environment's own stop first (`docker compose down` for a Compose stack, whose
  // containers are no child of ours), then every process left.
  stopAllOnExit(() => env?.stop());
  print(
    styleText('bold', `Starting step ${step.number} (${step.title}) from playground/${folderName(step)}…`),
  );
  env = await step.start(dir, { port, echo: true, local, real });
  print('');
  const width = Math.max(...env.links.map((l) => l.label.length));
  for (const { label, url } of env.links) print(`  ${label.padEnd(width)}  ${styleText('cyan', url)}`);
  for (const note of env.notes) print(styleText('yellow', `  ${note}`));
  print(styleText('dim', '\nCtrl-C stops everything this command started.'));
  // Stay in the foreground; the signal handlers stop the processes and exit.
  return new Promise<never>(() => {});
}

/** `--watch`: re-runs the checks on every save (debounced), redrawing the result in place. */
export async function watchStep(step: Step): Promise<never> {
  const { dir } = ensurePlayground(step);
  stopAllOnExit();
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
  const watcher = watch(dir, { ignoreInitial: true, ignored: (path) => path.includes('node_modules') });
  watcher.on('all', () => {
    clearTimeout(timer);
    timer = setTimeout(run, 300);
  });
  await run();
  return new Promise<never>(() => {});
}

type Action = 'start' | 'check' | 'hint' | 'watch' | 'diff' | 'solve' | 'reset' | 'next' | 'quit';

/** The interactive loop after the instructions: each action, then back to the menu. */
export async function actionMenu(step: Step): Promise<void> {
  let last: StepResult | undefined;
  for (;;) {
    const action = await choose<Action>(`Step ${step.number}: what next?`, [
      { name: 'check', message: 'check', hint: 'run this step’s checks' },
      { name: 'start', message: 'start', hint: 'run it in the foreground (Ctrl-C stops it and leaves)' },
      { name: 'hint', message: 'hint', hint: 'what to do about the first failing check' },
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
    if (action === 'start') await startInForeground(step);
    if (action === 'watch') await watchStep(step);
    if (action === 'next') return openStep(STEPS[step.number], { interactive: true });
    if (action === 'solve' || action === 'reset')
      print(await replaceWith(step, action === 'solve' ? 'solution' : 'starter'));
    if (action === 'diff') {
      const diffs = diffWithSolution(step);
      print(
        diffs.length
          ? diffs.map((d) => colorPatch(d.patch, useColor())).join('\n')
          : 'Your files match the solution.',
      );
    }
    if (action === 'check' || (action === 'hint' && !last)) {
      [last] = (await checkSteps(step)) as StepResult[];
      if (action === 'check')
        print(renderResults([last], { color: useColor() }) + renderExpectations(last, { color: useColor() }));
    }
    if (action === 'hint' && last) {
      print(
        last.failure
          ? `${last.failure.title}\n  ${styleText('yellow', `hint: ${last.failure.hint}`)}`
          : 'All checks pass: no hint needed.',
      );
    }
  }
}

export async function openStep(step: Step, { interactive }: { interactive: boolean }): Promise<void> {
  const { created } = ensurePlayground(step);
  setCurrentStep(step.number);
  print(instructions(step));
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
  const progress = loadProgress();
  const status = (step: Step) => {
    const s = progress.steps[step.number];
    if (s?.ok) return '✔ done';
    if (s) return `✖ ${s.failure ?? 'failing'}`;
    return existsSync(playgroundDir(step)) ? 'started' : '';
  };
  const number = await choose(
    'Which step?',
    STEPS.map((s) => ({
      name: String(s.number),
      message: `${s.number}. ${s.title}${progress.current === s.number ? '  (current)' : ''}`,
      hint: status(s),
    })),
  );
  return STEPS[Number(number) - 1];
}

export function stepList(): string {
  const progress = loadProgress();
  return STEPS.map((s) => {
    const mark = progress.steps[s.number]?.ok ? '✔' : progress.steps[s.number] ? '✖' : ' ';
    return `${mark} ${String(s.number).padStart(2)}. ${s.title.padEnd(40)} ${s.minutes} min  ${s.summary}`;
  }).join('\n');
}
