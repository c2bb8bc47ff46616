// "Did you mean …?": the closest known name to a typo, when it is close enough to be one.
import { closest, distance } from 'fastest-levenshtein';

export function didYouMean(typed: string, known: readonly string[]): string | undefined {
  if (!typed || !known.length) return undefined;
  const near = closest(typed, [...known]);
  return distance(typed, near) <= Math.max(2, Math.floor(typed.length / 3)) ? near : undefined;
}

/** ` Did you mean 'x'?` or nothing, to append to a message. */
export const suggestion = (typed: string, known: readonly string[]) => {
  const near = didYouMean(typed, known);
  return near ? ` Did you mean '${near}'?` : '';
};
