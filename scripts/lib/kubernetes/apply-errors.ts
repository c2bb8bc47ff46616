// What `kubectl apply --server-side` printed when the API server refused something, turned into findings
// that point at the attendee's file and line. The words stay the API server's own; this module only finds
// the object and the field they are about. kubectl prints four shapes, one error per block:
//   Error from server: failed to create typed patch object (NS/NAME; GROUP/VERSION, Kind=KIND): errors:
//     .spec.replicas: expected numeric (int or float), got string
//   The IngressRoute "app" is invalid:            (or: Error from server (Invalid): Deployment.apps "app" is invalid: PATH: MESSAGE)
//   * spec.routes[0].kind: Unsupported value: "Rules": supported values: "Rule"
//   resource mapping not found for name: "app" namespace: "wsk" from "FILE": no matches for kind "IngressRoute" in version "traefik.io/v1alpha1"
//   Error from server (NotFound): namespaces "wskk" not found
import { relative } from 'node:path';
import type { Finding } from '../findings.ts';
import { asArray, get, isRecord, type ManifestObject, type PathSegment, ref } from './manifest.ts';

const TYPED_PATCH =
  /failed to create typed patch object \((?:([^/;]*)\/)?([^;]*); [^,]*, Kind=(\w+)\): errors:/;
const INVALID = /(?:^The |Error from server \(Invalid\): )(\w+)(?:\.[\w.]+)? "([^"]+)" is invalid:\s*(.*)$/;
const NO_MAPPING =
  /resource mapping not found for name: "([^"]*)" namespace: "([^"]*)" from "([^"]+)": no matches for kind "(\w+)" in version "([^"]+)"/;
const NO_NAMESPACE = /namespaces "([^"]+)" not found/;

/** Findings for each error in kubectl's output; `base` is the folder file names are shown relative to. */
export function applyErrors(stderr: string, objects: ManifestObject[], base = process.cwd()): Finding[] {
  const show = (file: string) => (relative(base, file).startsWith('..') ? file : relative(base, file));
  const findings: Finding[] = [];
  const add = (finding: Finding) => {
    if (!findings.some((f) => f.file === finding.file && f.message === finding.message))
      findings.push(finding);
  };
  const about = (o: ManifestObject | undefined, path: PathSegment[], message: string, fix: string) =>
    add({
      code: 'apiserver-rejected',
      severity: 'error',
      file: o ? show(o.file) : 'k8s/',
      line: o?.lineOf(path),
      object: o && ref(o),
      message,
      fix,
    });
  const find = (kind: string, name: string, namespace?: string) =>
    objects.find((o) => o.kind === kind && o.name === name && (!namespace || o.namespace === namespace));

  const blocks = stderr.split(/\n(?=\S)(?!\* )/).filter((b) => b.trim() && !/^ensure CRDs/.test(b));
  for (const block of blocks) {
    const [first, ...rest] = block.split('\n');
    const fields = rest.map((l) => /^\s*(?:\* )?\.?([^:\s]+): (.*)$/.exec(l)).filter((m) => m !== null);
    let m = TYPED_PATCH.exec(first);
    if (m) {
      const o = find(m[3], m[2], m[1] || undefined);
      for (const [, path, message] of fields)
        about(
          o,
          fieldPath(o, path),
          `${path}: ${message}`,
          'correct the field at this line (the schema names the type it expects)',
        );
      continue;
    }
    m = INVALID.exec(first);
    if (m) {
      const o = find(m[1], m[2]);
      const inline = /^\.?([^:\s]+): (.*)$/.exec(m[3]);
      for (const [, path, message] of inline ? [inline, ...fields] : fields)
        about(o, fieldPath(o, path), `${path}: ${message}`, fixFor(message));
      continue;
    }
    m = NO_MAPPING.exec(first);
    if (m) {
      const [, name, namespace, , kind, apiVersion] = m;
      const o = find(kind, name, namespace);
      about(
        o,
        ['apiVersion'],
        `no ${kind} in ${apiVersion} on this API server (kubectl: "no matches for kind ${kind} in version ${apiVersion}")`,
        apiVersion.startsWith('traefik.')
          ? "apply Traefik's CRDs before your manifests: kubectl apply --server-side -f kubernetes-crd-definition-v1.yml (the step does it for you)"
          : `use the apiVersion Kubernetes serves ${kind} under (kubectl api-resources | grep ${kind})`,
      );
      continue;
    }
    m = NO_NAMESPACE.exec(first);
    if (m) {
      const namespace = m[1];
      const o = objects.find((x) => get(x.data, ['metadata', 'namespace']) === namespace);
      about(
        o,
        ['metadata', 'namespace'],
        `namespace "${namespace}" does not exist`,
        `create it first (a Namespace object in a file that sorts before the others, like 00-namespace.yaml), or use the namespace your manifests create`,
      );
      continue;
    }
    about(
      undefined,
      [],
      first.replace(/^error: /, ''),
      'kubectl apply --server-side -f k8s/ shows the same; fix what it names',
    );
  }
  // The API server lists a refused object's errors in no fixed order: by file and line, as they are read.
  return findings.sort((a, b) => a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0));
}

function fixFor(message: string): string {
  if (/^Unsupported value/.test(message)) return 'use one of the supported values it lists';
  if (/^Required value/.test(message)) return 'add the field';
  return 'correct the field at this line';
}

/**
 * `spec.routes[0].kind` or `.spec.template.spec.containers[name="app"].image` as a path into the object:
 * list items may be named by their key (`[name="app"]`), found here by value.
 */
export function fieldPath(o: ManifestObject | undefined, path: string): PathSegment[] {
  const out: PathSegment[] = [];
  for (const [, key, index, keyName, keyValue] of path.matchAll(
    /([^.[\]]+)|\[(\d+)\]|\[(\w+)="([^"]*)"\]/g,
  )) {
    if (key !== undefined) out.push(key);
    else if (index !== undefined) out.push(Number(index));
    else {
      const items = asArray(o && get(o.data, out));
      const at = items.findIndex((item) => isRecord(item) && String(item[keyName]) === keyValue);
      if (at < 0) break;
      out.push(at);
    }
  }
  return out;
}
