// compose.yaml parsed with its source positions, so that every finding can name its line.
import { existsSync, readFileSync } from 'node:fs';
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Finding } from '../findings.ts';

export type PathSegment = string | number;

export interface LoadedCompose {
  file: string;
  /** The plain data (undefined when the file is missing or unparseable). */
  doc: Record<string, unknown> | undefined;
  findings: Finding[];
  /** 1-based line of the node at `path`, else of its deepest existing parent. */
  lineOf(path: PathSegment[]): number;
}

export function loadCompose(
  file: string,
  text = existsSync(file) ? readFileSync(file, 'utf8') : undefined,
): LoadedCompose {
  if (text === undefined) {
    return {
      file,
      doc: undefined,
      lineOf: () => 1,
      findings: [
        {
          code: 'compose-missing',
          severity: 'error',
          file,
          message: 'There is no compose.yaml.',
          fix: 'restore it with `npm run reset N`',
        },
      ],
    };
  }
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const lineAt = (offset: number) => lines.linePos(offset).line;
  const lineOf = (path: PathSegment[]) => {
    for (let n = path.length; n >= 0; n--) {
      const node = document.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      // For a map entry, the key's line reads better than the value's.
      if (n > 0) {
        const parent = document.getIn(path.slice(0, n - 1), true);
        if (isMap(parent)) {
          const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === path[n - 1]);
          const range = (pair?.key as { range?: number[] } | undefined)?.range;
          if (range) return lineAt(range[0]);
        }
        if (isSeq(parent) && node?.range) return lineAt(node.range[0]);
      }
      if (node?.range) return lineAt(node.range[0]);
    }
    return 1;
  };
  if (document.errors.length) {
    const error = document.errors[0];
    return {
      file,
      doc: undefined,
      lineOf,
      findings: [
        {
          code: 'yaml-syntax',
          severity: 'error',
          file,
          line: lineAt(error.pos[0]),
          message: `YAML syntax: ${error.message.split('\n')[0]}`,
          fix: 'check the indentation (spaces, not tabs) and the quotes on this line',
        },
      ],
    };
  }
  const doc = document.toJS() as unknown;
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    return {
      file,
      doc: undefined,
      lineOf,
      findings: [
        {
          code: 'compose-schema',
          severity: 'error',
          file,
          line: 1,
          message: 'compose.yaml must be a map with a `services` key.',
          fix: 'start with `services:`',
        },
      ],
    };
  }
  return { file, doc: doc as Record<string, unknown>, findings: [], lineOf };
}

/** Labels as `key=value` pairs with their lines, from the list or the map form. */
export function labelsOf(
  loaded: LoadedCompose,
  service: string,
  /** Where the labels are under the service: `[]` for its containers', `['deploy']` for Swarm's. */
  under: string[] = [],
): { key: string; value: string; line: number }[] {
  let node: unknown = (loaded.doc?.services as Record<string, unknown> | undefined)?.[service];
  for (const key of [...under, 'labels']) node = (node as Record<string, unknown> | undefined)?.[key];
  const path = ['services', service, ...under, 'labels'];
  if (Array.isArray(node)) {
    return node.map((entry, i) => {
      const text = String(entry);
      const at = text.indexOf('=');
      return {
        key: at < 0 ? text : text.slice(0, at),
        value: at < 0 ? '' : text.slice(at + 1),
        line: loaded.lineOf([...path, i]),
      };
    });
  }
  if (node && typeof node === 'object') {
    return Object.entries(node).map(([key, value]) => ({
      key,
      value: String(value),
      line: loaded.lineOf([...path, key]),
    }));
  }
  return [];
}
