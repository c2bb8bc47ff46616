// One Kubernetes object as read from an attendee's YAML, with what every check needs to point at the
// right line: the parsed document keeps the source ranges, `data` is the plain value the schemas see.
import { type Document, isAlias, isMap, isScalar, isSeq, type LineCounter, type Node } from 'yaml';
import type { Finding } from '../findings.ts';

export type PathSegment = string | number;
export type Json = Record<string, unknown>;

export interface ManifestObject {
  apiVersion: string;
  kind: string;
  /** `metadata.name` ('' when missing: the schema check reports it). */
  name: string;
  /** `metadata.namespace`, else the namespace `kubectl apply` would use (`default`). Ignored for cluster-scoped kinds. */
  namespace: string;
  file: string;
  /** 1-based line where the document's content starts. */
  line: number;
  data: Json;
  /** Line of the field at `path` (its key for a map entry), else of the deepest parent that exists. */
  lineOf(path: PathSegment[]): number;
}

/** `Deployment/app`, the object name every finding carries. */
export const ref = (o: { kind: string; name: string }) => `${o.kind}/${o.name || '(no name)'}`;

/** Same namespace in the sense of the API server: cluster-scoped kinds have none. */
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'Node',
  'PersistentVolume',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'IngressClass',
  'StorageClass',
  'PriorityClass',
  'RuntimeClass',
  'APIService',
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
]);
export const isClusterScoped = (kind: string) => CLUSTER_SCOPED.has(kind);

export function lineLocator(doc: Document, lineCounter: LineCounter) {
  const lineOfNode = (node: Node | null | undefined): number | undefined =>
    node?.range ? lineCounter.linePos(node.range[0]).line : undefined;
  const resolve = (node: unknown): unknown => (isAlias(node) ? node.resolve(doc) : node);
  return (path: PathSegment[]): number => {
    let node = resolve(doc.contents);
    let line = lineOfNode(node as Node) ?? 1;
    for (const segment of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
        if (!pair) break;
        line = lineOfNode(pair.key as Node) ?? line;
        node = resolve(pair.value);
      } else if (isSeq(node)) {
        const item = node.items[Number(segment)];
        if (item === undefined) break;
        line = lineOfNode(item as Node) ?? line;
        node = resolve(item);
      } else break;
    }
    return line;
  };
}

// Small readers for untyped YAML values: the checks run on objects that may be half-written.
export const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
export const asRecord = (v: unknown): Json => (isRecord(v) ? v : {});
export const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const asString = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Reads a nested value by path, `undefined` as soon as a step is missing. */
export function get(value: unknown, path: PathSegment[]): unknown {
  let current = value;
  for (const segment of path) {
    if (Array.isArray(current) && typeof segment === 'number') current = current[segment];
    else if (isRecord(current)) current = current[String(segment)];
    else return undefined;
  }
  return current;
}

/** `spec.template.spec.containers[0]`, how people read paths in kubectl's messages. */
export function formatPath(path: PathSegment[]): string {
  return path.reduce<string>(
    (out, s) => (typeof s === 'number' ? `${out}[${s}]` : out ? `${out}.${s}` : String(s)),
    '',
  );
}

/** Builds findings for one object, filling in file, object and line from a path. */
export function reporter(o: ManifestObject) {
  return (
    code: string,
    path: PathSegment[],
    message: string,
    fix: string,
    severity: Finding['severity'] = 'error',
  ): Finding => ({ code, severity, file: o.file, line: o.lineOf(path), object: ref(o), message, fix });
}
