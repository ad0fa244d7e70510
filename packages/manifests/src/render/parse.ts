// One manifest file → validated objects. YAML is read as YAML 1.1, the dialect kubectl's
// parser speaks (`0644` is octal, `yes` is true), minus timestamps and sexagesimal numbers,
// which kubectl keeps as strings.
import { type Document, LineCounter, parseAllDocuments, type Tags } from 'yaml';
import { ManifestError } from '../errors.ts';
import type { ManifestSource, RenderedObject } from './types.ts';
import { describeSource } from './types.ts';
import { FieldProblem, isPlainObject, validateObject } from './validate.ts';

const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'];

export function isManifestFile(path: string): boolean {
  const lower = path.toLowerCase();
  return MANIFEST_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

function kubectlTags(tags: Tags): Tags {
  return tags.filter((t) => {
    const tag = t as { tag?: string; format?: string };
    return tag.tag !== 'tag:yaml.org,2002:timestamp' && tag.format !== 'TIME';
  });
}

/** Parses a file's documents; skipped documents add a warning naming the file. */
export function parseManifestFile(file: string, text: string, warnings: string[]): RenderedObject[] {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, {
    lineCounter,
    version: '1.1',
    customTags: kubectlTags,
    uniqueKeys: true,
  });
  const list = Array.isArray(docs) ? docs : [];
  const out: RenderedObject[] = [];
  list.forEach((doc, document) => {
    const error = doc.errors[0];
    if (error) {
      const line = error.linePos?.[0]?.line;
      const what = (error.message.split('\n')[0] ?? 'syntax error').replace(/:$/, '');
      throw new ManifestError('invalid_manifest', `${file}: YAML error in document ${document}: ${what}`, {
        file,
        document,
        line,
      });
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      const msg = `${file}: document ${document} cannot be read: ${(err as Error).message}`;
      throw new ManifestError('invalid_manifest', msg, { file, document }, { cause: err });
    }
    if (value === null || value === undefined) return;
    collect(value, { file, document }, warnings, out, (path) => lineOf(doc, lineCounter, path));
  });
  return out;
}

function collect(
  value: unknown,
  source: ManifestSource,
  warnings: string[],
  out: RenderedObject[],
  lineAt: (path: (string | number)[]) => number | undefined,
  itemPath: (string | number)[] = [],
): void {
  const where = describeSource(source);
  if (!isPlainObject(value) || value.apiVersion === undefined || value.kind === undefined) {
    if (source.item !== undefined) {
      throw new ManifestError('invalid_manifest', `${where}: List item is not a Kubernetes object`, {
        ...source,
      });
    }
    warnings.push(`${where}: not a Kubernetes object (no apiVersion/kind), skipped`);
    return;
  }
  if (typeof value.apiVersion === 'string' && value.apiVersion.startsWith('kustomize.config.k8s.io/')) {
    warnings.push(`${where}: kustomize configuration (${String(value.kind)}), skipped`);
    return;
  }
  if (typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items)) {
    value.items.forEach((item, i) => {
      collect(item, { ...source, item: source.item ?? i }, warnings, out, lineAt, [...itemPath, 'items', i]);
    });
    return;
  }
  try {
    out.push({ manifest: validateObject(value), source });
  } catch (err) {
    if (!(err instanceof FieldProblem)) throw err;
    const field = err.path.join('.');
    const line = lineAt([...itemPath, ...err.path]);
    const at = line === undefined ? '' : ` (line ${line})`;
    throw new ManifestError('invalid_manifest', `${where}${at}: ${err.message}`, { ...source, field, line });
  }
}

/** Line of the deepest node that exists along `path`, for error messages. */
function lineOf(doc: Document, lc: LineCounter, path: (string | number)[]): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    if (range) return lc.linePos(range[0]).line;
  }
  return undefined;
}
