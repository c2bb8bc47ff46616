// A unified diff, coloured like git's.
import { paint } from './color.ts';

export function colorPatch(patch: string, color: boolean): string {
  if (!color) return patch;
  return patch
    .split('\n')
    .map((line) => {
      if (line.startsWith('+++') || line.startsWith('---')) return paint('bold', line, true);
      if (line.startsWith('@@')) return paint('cyan', line, true);
      if (line.startsWith('+')) return paint('green', line, true);
      if (line.startsWith('-')) return paint('red', line, true);
      return line;
    })
    .join('\n');
}
