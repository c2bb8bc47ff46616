// Reads a folder of manifests the way `kubectl apply -f DIR` does (every *.yaml / *.yml, several
// documents per file), keeping each document's lines so findings can name them. Never throws:
// unreadable files and YAML errors become findings.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LineCounter, parseAllDocuments } from 'yaml';
import type { Finding } from '../findings.ts';
import { asRecord, asString, isRecord, lineLocator, type ManifestObject } from './manifest.ts';

export interface LoadOptions {
  /** The namespace objects without one land in (`kubectl apply -n`); `default` otherwise. */
  defaultNamespace?: string;
}

export interface LoadedManifests {
  /** Cluster objects, in file order then document order. */
  objects: ManifestObject[];
  /** kind's own `Cluster` configs found among the files: they configure the cluster, they are not applied to it. */
  kindConfigs: ManifestObject[];
  findings: Finding[];
}

/** Loads a folder of manifests (or a single file). */
export function loadManifests(dirOrFile: string, options: LoadOptions = {}): LoadedManifests {
  const result: LoadedManifests = { objects: [], kindConfigs: [], findings: [] };
  if (!existsSync(dirOrFile)) {
    result.findings.push({
      code: 'manifests-missing',
      severity: 'error',
      file: dirOrFile,
      message: `${dirOrFile} does not exist`,
      fix: 'Create the folder with your Kubernetes manifests (*.yaml), or pass the right path.',
    });
    return result;
  }
  const files = statSync(dirOrFile).isDirectory()
    ? readdirSync(dirOrFile)
        .filter((f) => /\.ya?ml$/i.test(f))
        .sort()
        .map((f) => join(dirOrFile, f))
    : [dirOrFile];
  if (files.length === 0) {
    result.findings.push({
      code: 'manifests-empty',
      severity: 'error',
      file: dirOrFile,
      message: `no *.yaml files in ${dirOrFile}`,
      fix: 'Write the manifests as .yaml files in this folder (kubectl apply -f reads *.yaml, *.yml and *.json).',
    });
  }
  for (const file of files) {
    const loaded = loadManifestFile(file, options);
    result.objects.push(...loaded.objects);
    result.kindConfigs.push(...loaded.kindConfigs);
    result.findings.push(...loaded.findings);
  }
  return result;
}

/** Loads one YAML file; used for manifests and for kind-config.yaml alike. */
export function loadManifestFile(file: string, options: LoadOptions = {}): LoadedManifests {
  const result: LoadedManifests = { objects: [], kindConfigs: [], findings: [] };
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch (err) {
    result.findings.push({
      code: 'manifest-unreadable',
      severity: 'error',
      file,
      message: `cannot read ${file}: ${(err as Error).message}`,
      fix: 'Check that the file exists and is readable.',
    });
    return result;
  }
  const lineCounter = new LineCounter();
  // YAML 1.1, like kubectl's parser (sigs.k8s.io/yaml): `yes`/`on` are booleans, `<<` merges.
  const documents = parseAllDocuments(source, { lineCounter, version: '1.1', merge: true });
  for (const doc of documents) {
    if (doc.errors.length > 0) {
      // The first error is the mistake; the following ones are mostly its echoes.
      const err = doc.errors[0];
      result.findings.push({
        code: 'yaml-syntax',
        severity: 'error',
        file,
        line: err.linePos?.[0].line,
        message: `YAML syntax error: ${firstLine(err.message)}`,
        fix: yamlFix(err.code),
      });
      continue;
    }
    let data: unknown;
    try {
      data = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      // e.g. "Excessive alias count": an alias bomb, or aliases nested too deep
      result.findings.push({
        code: 'yaml-syntax',
        severity: 'error',
        file,
        line: lineLocator(doc, lineCounter)([]),
        message: `YAML error: ${(err as Error).message}`,
        fix: 'Write the values out instead of using many `*aliases`.',
      });
      continue;
    }
    if (data === null || data === undefined) continue; // an empty document, e.g. between `---` lines
    const lineOf = lineLocator(doc, lineCounter);
    const line = lineOf([]);
    if (!isRecord(data)) {
      result.findings.push({
        code: 'manifest-not-object',
        severity: 'error',
        file,
        line,
        message: 'this document is not a YAML mapping, so it is not a Kubernetes object',
        fix: 'Each document (between `---` lines) must be a mapping starting with `apiVersion:` and `kind:`.',
      });
      continue;
    }
    const apiVersion = asString(data.apiVersion) ?? '';
    const kind = asString(data.kind) ?? '';
    const metadata = asRecord(data.metadata);
    const object: ManifestObject = {
      apiVersion,
      kind,
      name: asString(metadata.name) ?? '',
      namespace: asString(metadata.namespace) ?? options.defaultNamespace ?? 'default',
      file,
      line,
      data,
      lineOf,
    };
    if (!apiVersion || !kind) {
      const missing = [!apiVersion && 'apiVersion', !kind && 'kind'].filter(Boolean).join(' and ');
      result.findings.push({
        code: 'manifest-missing-kind',
        severity: 'error',
        file,
        line: lineOf([!apiVersion ? 'apiVersion' : 'kind']),
        object: object.name ? `${kind || '?'}/${object.name}` : undefined,
        message: `this document has no ${missing}`,
        fix: 'Start every object with `apiVersion:` and `kind:`, e.g. `apiVersion: apps/v1` + `kind: Deployment`.',
      });
      continue;
    }
    if (apiVersion.startsWith('kind.x-k8s.io/')) result.kindConfigs.push(object);
    else result.objects.push(object);
  }
  return result;
}

/** yaml's messages end with " at line 3, column 5:" and a code frame; the finding has its own line. */
function firstLine(message: string): string {
  return message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}

function yamlFix(code: string): string {
  switch (code) {
    case 'DUPLICATE_KEY':
      return 'Remove or merge the repeated key: each key may appear once per mapping.';
    case 'TAB_AS_INDENT':
      return 'Indent with spaces, never tabs.';
    case 'BAD_INDENT':
    case 'MISSING_CHAR':
    case 'UNEXPECTED_TOKEN':
      return 'Check the indentation of this line against its parent, and that every `key:` has its colon and a space.';
    case 'MULTILINE_IMPLICIT_KEY':
      return 'A key must fit on one line: check for a missing `:` or a missing `-` on the line above.';
    default:
      return 'Fix the YAML at this line (indentation with spaces, `key: value`, `- ` for list items).';
  }
}
