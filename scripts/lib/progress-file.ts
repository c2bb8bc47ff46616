// Progress is a tiny state file, rewritten whole on each change: the current step and each step's
// last check result. Shown in the menu; never needed for anything to work.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StepResult } from './checks/types.ts';
import { STATE_DIR, writeJsonAtomic } from './playground.ts';

const FILE = join(STATE_DIR, 'progress.json');

export interface Progress {
  version: 1;
  current?: number;
  steps: Record<string, { ok: boolean; at: string; failure?: string }>;
  /** When each step's instructions were last printed in full (ISO time). */
  shown?: Record<string, string>;
}

export function loadProgress(): Progress {
  if (!existsSync(FILE)) return { version: 1, steps: {} };
  try {
    const parsed = JSON.parse(readFileSync(FILE, 'utf8')) as Progress;
    if (parsed.version === 1 && typeof parsed.steps === 'object') return parsed;
  } catch {
    // A damaged progress file only costs the status marks; start again rather than fail.
  }
  return { version: 1, steps: {} };
}

export function recordResults(results: StepResult[]) {
  const progress = loadProgress();
  for (const r of results) {
    progress.steps[r.step] = { ok: r.ok, at: new Date().toISOString(), failure: r.failure?.title };
  }
  writeJsonAtomic(FILE, progress);
}

export function setCurrentStep(step: number) {
  writeJsonAtomic(FILE, { ...loadProgress(), current: step });
}

export function markInstructionsShown(step: number, at = new Date()) {
  const progress = loadProgress();
  writeJsonAtomic(FILE, { ...progress, shown: { ...progress.shown, [step]: at.toISOString() } });
}

/** Instructions printed less than this long ago are not printed again in full before the menu. */
export const JUST_SHOWN_MS = 30 * 60_000;

export function instructionsJustShown(progress: Progress, step: number, now = Date.now()): boolean {
  const at = progress.shown?.[step];
  return at !== undefined && now - Date.parse(at) < JUST_SHOWN_MS;
}
