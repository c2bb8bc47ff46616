// Traefik option names against the workshop's patterns: `*` stands for one segment, a trailing `**` for one
// or more (`providers.docker.**`). Shared by the flag table and the table of retired options.

export function matchesKey(pattern: string, parts: string[]): boolean {
  const p = pattern.split('.');
  if (p.at(-1) === '**')
    return parts.length > p.length - 1 && p.slice(0, -1).every((x, i) => x === '*' || x === parts[i]);
  return p.length === parts.length && p.every((x, i) => x === '*' || x === parts[i]);
}
