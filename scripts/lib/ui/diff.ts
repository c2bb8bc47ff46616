// A unified diff, coloured like git's.
import { styleText } from 'node:util';

export function colorPatch(patch: string, color: boolean): string {
  if (!color) return patch;
  return patch
    .split('\n')
    .map((line) => {
      if (line.startsWith('+++') || line.startsWith('---')) return styleText('bold', line);
      if (line.startsWith('@@')) return styleText('cyan', line);
      if (line.startsWith('+')) return styleText('green', line);
      if (line.startsWith('-')) return styleText('red', line);
      return line;
    })
    .join('\n');
}
