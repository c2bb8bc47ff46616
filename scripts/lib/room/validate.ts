// What an attendee may send the room: checked field by field, capped in size, never trusted.
import { STEPS } from '../steps.ts';

export interface StepStatus {
  ok: boolean;
  failure?: { id: string; title: string; message: string; hint: string };
}
export interface Report {
  name: string;
  steps: Record<number, StepStatus>;
}

const NAME = /^[\p{L}\p{N} ._-]{1,40}$/u;
const cap = (v: unknown, n: number) => (typeof v === 'string' ? v.slice(0, n) : '');

export function parseReport(body: unknown): { report?: Report; error?: string } {
  if (typeof body !== 'object' || body === null)
    return { error: 'the body must be a JSON object { name, results }' };
  const { name, results } = body as { name?: unknown; results?: unknown };
  if (typeof name !== 'string' || !NAME.test(name.trim()))
    return { error: 'name: 1–40 letters, digits, spaces, . _ -' };
  if (!Array.isArray(results) || results.length > STEPS.length)
    return { error: `results: an array of at most ${STEPS.length} step results` };
  const steps: Record<number, StepStatus> = {};
  for (const r of results) {
    if (typeof r !== 'object' || r === null) return { error: 'each result must be an object' };
    const { step, ok, failure } = r as { step?: unknown; ok?: unknown; failure?: Record<string, unknown> };
    if (!STEPS.some((s) => s.number === step)) return { error: `unknown step ${JSON.stringify(step)}` };
    if (typeof ok !== 'boolean') return { error: `step ${step}: ok must be true or false` };
    steps[step as number] = {
      ok,
      ...(failure && typeof failure === 'object' && !ok
        ? {
            failure: {
              id: cap(failure.id, 80),
              title: cap(failure.title, 200),
              message: cap(failure.message, 500),
              hint: cap(failure.hint, 500),
            },
          }
        : {}),
    };
  }
  return { report: { name: name.trim(), steps } };
}
