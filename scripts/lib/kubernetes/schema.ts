// Schema validation of one object with the packaged Kubernetes/Traefik schemas, reported the way
// `kubectl apply` would refuse it, with the line of the offending field.
//
// The generated validators do not reject unknown fields (the OpenAPI schemas have no
// additionalProperties: false), but kubectl's default strict field validation does ("unknown field
// spec.template.spec.contianers"). So the object is validated through a Proxy that records which keys
// each nested object's validator reads: a validator reads every property its schema defines (to check
// it), so a key that was never read is unknown to the schema, and the keys that were read are the
// valid names to suggest.
import { closest, distance } from 'fastest-levenshtein';
import type { Finding } from '../findings.ts';
import { retiredDynamicOption } from '../traefik/deprecations.ts';
import { checkApiVersion } from './api-versions.ts';
import {
  formatPath,
  get,
  isRecord,
  type Json,
  type ManifestObject,
  type PathSegment,
  reporter,
} from './manifest.ts';
import { findModel, HOME_OF_KIND } from './models.ts';

/** An error as the generated (ajv) validators report it. */
interface SchemaError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

/** What the validator read of one object (or array) of the document. */
interface Visit {
  path: PathSegment[];
  target: object;
  read: Set<string>;
  /** The validator listed its keys (a map such as labels): any key is allowed. */
  enumerated: boolean;
  children: Map<string, unknown>;
}

function track(value: unknown, path: PathSegment[], visits: Visit[]): unknown {
  if (value === null || typeof value !== 'object') return value;
  const visit: Visit = { path, target: value, read: new Set(), enumerated: false, children: new Map() };
  visits.push(visit);
  return new Proxy(value, {
    get(target, key, receiver) {
      const v = Reflect.get(target, key, receiver);
      if (typeof key !== 'string') return v;
      visit.read.add(key);
      if (!Object.hasOwn(target, key) || v === null || typeof v !== 'object') return v;
      if (!visit.children.has(key)) {
        visit.children.set(key, track(v, [...path, Array.isArray(target) ? Number(key) : key], visits));
      }
      return visit.children.get(key);
    },
    has(target, key) {
      if (typeof key === 'string') visit.read.add(key);
      return Reflect.has(target, key);
    },
    ownKeys(target) {
      visit.enumerated = true;
      return Reflect.ownKeys(target);
    },
  });
}

/** apiVersion, kind, schema and unknown fields of one object. */
export function validateObjectSchema(o: ManifestObject): Finding[] {
  const apiFinding = checkApiVersion(o);
  if (apiFinding) return [apiFinding];
  const report = reporter(o);
  const lookup = findModel(o.apiVersion, o.kind);
  if (lookup.status !== 'found') {
    // A known kind under a wrong apiVersion (`app/v1`, `v1` for a Deployment) is the usual typo.
    const home = HOME_OF_KIND[o.kind];
    if (home && home !== o.apiVersion) {
      return [
        report(
          'unknown-kind',
          ['apiVersion'],
          `${o.kind} is not in ${o.apiVersion}; it is in ${home}`,
          `Write \`apiVersion: ${home}\`.`,
        ),
      ];
    }
    if (lookup.status === 'no-schema') {
      return [
        report(
          'schema-unavailable',
          ['apiVersion'],
          `no schema for ${o.apiVersion} ${o.kind} is installed, so it is not checked (is it a custom resource this workshop does not use?)`,
          'Check the apiVersion and kind; the workshop uses Kubernetes built-in kinds and traefik.io/v1alpha1.',
          'warning',
        ),
      ];
    }
    const guess = lookup.kinds.length > 0 ? closest(o.kind, lookup.kinds) : undefined;
    return [
      report(
        'unknown-kind',
        ['kind'],
        `${o.apiVersion} has no kind ${o.kind}`,
        guess && distance(guess, o.kind) <= 3
          ? `Did you mean \`kind: ${guess}\`?`
          : 'Check the kind and apiVersion against the Kubernetes (or Traefik) docs.',
      ),
    ];
  }

  const visits: Visit[] = [];
  const proxy = track(o.data, [], visits);
  let errors: SchemaError[] = [];
  try {
    lookup.model.prototype.validate.call(proxy);
  } catch (err) {
    const reported = (err as { errors?: SchemaError[] }).errors;
    if (!Array.isArray(reported)) {
      return [
        report(
          'schema-unavailable',
          [],
          `the ${o.kind} schema could not be applied: ${(err as Error).message}`,
          'This is a workshop bug: please report it with this file.',
          'warning',
        ),
      ];
    }
    errors = reported.slice();
  }
  const isTraefik = o.apiVersion.startsWith('traefik.io/');
  const findings: Finding[] = [];
  const unknown = unknownFields(o, visits, isTraefik);
  findings.push(...unknown.findings);
  findings.push(...schemaErrorFindings(o, errors, unknown.renamed));
  findings.push(...metadataFindings(o));
  return findings;
}

// The model generator strips every schema key named `description` or `x-kubernetes-*` (meant for
// annotations), which also removes real fields of those names: PriorityClass.description, and the
// description / x-kubernetes-* fields of a CRD's openAPIV3Schema. The validators never read them.
const GENERATOR_DROPPED = (key: string) => key === 'description' || key.startsWith('x-kubernetes-');

function unknownFields(o: ManifestObject, visits: Visit[], isTraefik: boolean) {
  const report = reporter(o);
  const findings: Finding[] = [];
  /** `path/missing` pairs an unknown key is a typo of, so the "required" error is not reported twice. */
  const renamed = new Set<string>();
  const seen = new Set<string>();
  for (const visit of visits) {
    if (Array.isArray(visit.target) || visit.enumerated || visit.read.size === 0) continue;
    const known = [...visit.read].filter((k) => k !== 'length');
    for (const key of Object.keys(visit.target)) {
      const path = [...visit.path, key];
      const id = formatPath(path);
      const retired = isTraefik ? retiredTraefikField(o, visit.path, key) : undefined;
      if (retired && !seen.has(id)) {
        seen.add(id);
        findings.push(
          report(
            retired.retired.severity === 'error' ? 'traefik-removed-option' : 'traefik-deprecated-option',
            path,
            `\`${id}\`: ${retired.option} ${retired.retired.severity === 'error' ? 'was removed in' : 'is deprecated in'} Traefik v3`,
            retired.retired.fix,
            retired.retired.severity,
          ),
        );
        continue;
      }
      if (visit.read.has(key) || GENERATOR_DROPPED(key)) continue;
      if (seen.has(id)) continue; // a YAML alias reaches the same object twice
      seen.add(id);
      const guess = known.length > 0 ? closest(key, known) : undefined;
      const typo =
        guess !== undefined &&
        (guess.toLowerCase() === key.toLowerCase() || distance(guess, key) <= Math.max(2, key.length / 4));
      if (typo) renamed.add(`${formatPath(visit.path)}/${guess}`);
      const where = visit.path.length > 0 ? ` under \`${formatPath(visit.path)}\`` : '';
      if (isTraefik && !typo) {
        findings.push(
          report(
            'schema-unknown-field',
            path,
            `\`${id}\` is not a field of ${o.kind} in the Traefik CRD schema this workshop checks against (@kubernetes-models/traefik 2, from Traefik v3.7's CRD types)`,
            `If it is a Traefik v3.7 field, ignore this; otherwise remove it. Known fields here: ${known.join(', ')}.`,
            'warning',
          ),
        );
        continue;
      }
      findings.push(
        report(
          'schema-unknown-field',
          path,
          `unknown field \`${id}\`: kubectl apply rejects it ("strict decoding error: unknown field")`,
          typo
            ? `Rename \`${key}\` to \`${guess}\`.`
            : `Remove \`${key}\` or move it to the right level. Fields allowed${where}: ${known.join(', ')}.`,
        ),
      );
    }
  }
  return { findings, renamed };
}

/**
 * A Traefik object's field that v3 removed or deprecated, from the list the labels and static flags
 * share: a Middleware's `spec.X.Y` is the dynamic option `middlewares.NAME.X.Y`, a route's `syntax`
 * the router's `ruleSyntax`.
 */
function retiredTraefikField(o: ManifestObject, at: PathSegment[], key: string) {
  if (o.kind === 'Middleware' && at[0] === 'spec')
    return retiredDynamicOption(['middlewares', o.name, ...at.slice(1).map(String), key], { exact: true });
  if (
    o.kind === 'IngressRoute' &&
    at[0] === 'spec' &&
    at[1] === 'routes' &&
    at.length === 3 &&
    key === 'syntax'
  )
    return retiredDynamicOption(['routers', o.name, 'ruleSyntax'], { exact: true });
  return undefined;
}

function parsePointer(pointer: string): PathSegment[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

const describeValue = (v: unknown) =>
  typeof v === 'string'
    ? `the string "${v}"`
    : Array.isArray(v)
      ? 'a list'
      : isRecord(v)
        ? 'a mapping'
        : String(v);

const withArticle = (type: string) => (/^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`);

function schemaErrorFindings(o: ManifestObject, errors: SchemaError[], renamed: Set<string>): Finding[] {
  const report = reporter(o);
  // anyOf/oneOf (int-or-string, quantities) report one error per branch: one finding per field.
  const byPath = new Map<string, SchemaError[]>();
  for (const e of errors) {
    const key =
      e.keyword === 'required' ? `${e.instancePath}/${String(e.params.missingProperty)}` : e.instancePath;
    byPath.set(key, [...(byPath.get(key) ?? []), e]);
  }
  const findings: Finding[] = [];
  for (const group of byPath.values()) {
    const first = group[0];
    const path = parsePointer(first.instancePath);
    const field = formatPath(path) || 'the object';
    const value = get(o.data, path);
    const leaf = path.at(-1);
    if (first.keyword === 'required') {
      const missing = String(first.params.missingProperty);
      if (renamed.has(`${formatPath(path)}/${missing}`)) continue;
      findings.push(
        report(
          'schema-required',
          path,
          `${field} is missing the required field \`${missing}\``,
          `Add \`${missing}:\`${path.length > 0 ? ` under \`${field}\`` : ' at the top level'}.`,
        ),
      );
      continue;
    }
    const types = group.filter((e) => e.keyword === 'type').map((e) => String(e.params.type));
    const format = group.find((e) => e.keyword === 'format');
    const enumError = group.find((e) => e.keyword === 'enum');
    if (format?.params.format === 'quantity') {
      findings.push(
        report(
          'schema-type',
          path,
          `${field}: ${describeValue(value)} is not a Kubernetes quantity`,
          'Use a quantity such as `100m` or `0.5` for CPU, `128Mi` or `1Gi` for memory.',
        ),
      );
    } else if (enumError) {
      const allowed = ((enumError.params.allowedValues as unknown[] | undefined) ?? []).map(String);
      // A wrong case or a near miss (`roundrobin`, `Lax `) names the one value meant.
      const near =
        typeof value === 'string' && allowed.length > 0
          ? (allowed.find((a) => a.toLowerCase() === value.trim().toLowerCase()) ??
            (distance(closest(value, allowed), value) <= 2 ? closest(value, allowed) : undefined))
          : undefined;
      findings.push(
        report(
          'schema-enum',
          path,
          `${field} is ${describeValue(value)}, which is not one of ${allowed.map((a) => `\`${a}\``).join(', ')}`,
          near && typeof leaf === 'string'
            ? `Write \`${leaf}: ${near}\`.`
            : `Use one of: ${allowed.join(', ')} (values are case-sensitive).`,
        ),
      );
    } else if (types.length > 0) {
      const expected = types.length > 1 ? `${types.join(' or ')}` : withArticle(types[0]);
      findings.push(
        report(
          'schema-type',
          path,
          `${field} must be ${expected}, not ${describeValue(value)}`,
          typeFix(leaf, value, types),
        ),
      );
    } else {
      findings.push(
        report(
          'schema-invalid',
          path,
          `${field} ${first.message ?? `fails the schema (${first.keyword})`}`,
          'Check this field against the API reference (kubectl explain <kind>.<field>).',
        ),
      );
    }
  }
  return findings;
}

function typeFix(leaf: PathSegment | undefined, value: unknown, types: string[]): string {
  const key = typeof leaf === 'string' ? leaf : 'value';
  const numeric = types.includes('integer') || types.includes('number');
  if (numeric && typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)) {
    return `Remove the quotes: \`${key}: ${value}\` (a number, not a string).`;
  }
  if (types.includes('boolean') && typeof value === 'string' && /^(true|false)$/i.test(value)) {
    return `Remove the quotes: \`${key}: ${value.toLowerCase()}\`.`;
  }
  if (types.includes('string') && (typeof value === 'number' || typeof value === 'boolean')) {
    return `Quote it: \`${key}: "${String(value)}"\` (environment values and labels are strings).`;
  }
  if (types.includes('array') && !Array.isArray(value)) {
    return `Make \`${key}\` a list: put each item on its own line starting with \`- \`.`;
  }
  if (types.includes('object') && !isRecord(value)) {
    return `Make \`${key}\` a mapping of \`key: value\` lines, indented under it.`;
  }
  return `Make \`${key}\` ${types.map(withArticle).join(' or ')}.`;
}

// Names the API server validates beyond the OpenAPI schema.
const DNS_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const NAMES_ARE_DNS_LABELS = new Set(['Service', 'Namespace']);

function metadataFindings(o: ManifestObject): Finding[] {
  const report = reporter(o);
  const metadata = (o.data as Json).metadata;
  if (!isRecord(metadata)) return [];
  if (!o.name) {
    if (metadata.generateName) return [];
    return [
      report(
        'metadata-name-missing',
        ['metadata'],
        `this ${o.kind} has no metadata.name`,
        'Add `name: <name>` under `metadata:` (lowercase letters, digits and -).',
      ),
    ];
  }
  const label = NAMES_ARE_DNS_LABELS.has(o.kind);
  const valid = label ? DNS_LABEL.test(o.name) : DNS_SUBDOMAIN.test(o.name) && o.name.length <= 253;
  if (valid || o.kind.startsWith('Cluster') || o.kind.endsWith('Binding') || o.kind === 'Role') return [];
  return [
    report(
      'metadata-name-invalid',
      ['metadata', 'name'],
      `"${o.name}" is not a valid ${o.kind} name: ${label ? 'a DNS label (lowercase letters, digits and -, starting with a letter, at most 63 characters)' : 'lowercase letters, digits, - and .'}`,
      `Rename it, e.g. \`name: ${
        o.name
          .toLowerCase()
          .replace(/[^a-z0-9-]+/g, '-')
          .replace(/^-+|-+$/g, '') || 'app'
      }\`.`,
    ),
  ];
}
