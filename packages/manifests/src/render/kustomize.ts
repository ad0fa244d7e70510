// The part of Kustomize that is a file list: `resources` (and the older `bases`) naming local
// files or directories with their own kustomization, plus namePrefix/nameSuffix. Everything
// else (patches, generators, remote bases, ...) fails with unsupported_kustomization rather than
// rendering something Kustomize would not.
import { posix } from 'node:path';
import { parse } from 'yaml';
import { ManifestError } from '../errors.ts';
import { normalizeTreePath } from '../tree.ts';
import { applyNameAffixes } from './name-refs.ts';
import type { RenderedObject } from './types.ts';
import { isPlainObject } from './validate.ts';

export const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];
const SUPPORTED_FIELDS = new Set([
  'apiVersion',
  'kind',
  'metadata',
  'resources',
  'bases',
  'namePrefix',
  'nameSuffix',
]);
const REMOTE = /^[a-z][a-z0-9+.-]*:\/\/|^git@|^github\.com\/|\?ref=|\/\//i;

export interface KustomizeContext {
  stat(path: string): Promise<'file' | 'dir' | undefined>;
  readText(path: string): Promise<string>;
  renderFile(path: string): Promise<RenderedObject[]>;
}

/** The kustomization file in `dir`, if any. */
export async function findKustomization(ctx: KustomizeContext, dir: string): Promise<string | undefined> {
  const found: string[] = [];
  for (const name of KUSTOMIZATION_FILES) {
    const path = dir === '' ? name : `${dir}/${name}`;
    if ((await ctx.stat(path)) === 'file') found.push(path);
  }
  if (found.length > 1) throw unsupported(found[0] ?? dir, `several kustomization files in ${dir || '/'}`);
  return found[0];
}

export async function renderKustomization(
  ctx: KustomizeContext,
  dir: string,
  stack: readonly string[] = [],
): Promise<RenderedObject[]> {
  const kfile = await findKustomization(ctx, dir);
  if (!kfile) throw unsupported(dir, `directory ${dir || '/'} has no kustomization file`);
  if (stack.includes(dir)) throw unsupported(kfile, `cycle: ${[...stack, dir].join(' → ')}`);
  const k = readKustomization(kfile, await ctx.readText(kfile));
  const objects: RenderedObject[] = [];
  for (const [field, entries] of [
    ['resources', k.resources],
    ['bases', k.bases],
  ] as const) {
    for (const [i, entry] of entries.entries()) {
      const where = `${field}[${i}]`;
      if (REMOTE.test(entry)) throw unsupported(kfile, `${where} "${entry}" is remote`, where);
      let target: string;
      try {
        target = normalizeTreePath(posix.join(dir, entry));
      } catch {
        throw unsupported(kfile, `${where} "${entry}" leaves the repository`, where);
      }
      const kind = await ctx.stat(target);
      if (kind === undefined) {
        throw new ManifestError('path_not_found', `${kfile}: ${where} "${entry}" does not exist`, {
          file: kfile,
          field: where,
        });
      }
      objects.push(
        ...(kind === 'file'
          ? await ctx.renderFile(target)
          : await renderKustomization(ctx, target, [...stack, dir])),
      );
    }
  }
  applyNameAffixes(objects, k.namePrefix, k.nameSuffix, kfile);
  return objects;
}

interface Kustomization {
  resources: string[];
  bases: string[];
  namePrefix: string;
  nameSuffix: string;
}

function readKustomization(file: string, text: string): Kustomization {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new ManifestError(
      'invalid_manifest',
      `${file}: ${(err as Error).message.split('\n')[0]}`,
      { file },
      { cause: err },
    );
  }
  if (doc === null || doc === undefined) doc = {};
  if (!isPlainObject(doc)) throw new ManifestError('invalid_manifest', `${file}: not a map`, { file });
  for (const field of Object.keys(doc)) {
    if (!SUPPORTED_FIELDS.has(field)) throw unsupported(file, `field "${field}" is not supported`, field);
  }
  if (doc.kind !== undefined && doc.kind !== 'Kustomization') {
    throw unsupported(file, `kind "${String(doc.kind)}" is not supported`, 'kind');
  }
  return {
    resources: stringList(file, doc, 'resources'),
    bases: stringList(file, doc, 'bases'),
    namePrefix: optionalString(file, doc, 'namePrefix'),
    nameSuffix: optionalString(file, doc, 'nameSuffix'),
  };
}

function stringList(file: string, doc: Record<string, unknown>, field: string): string[] {
  const v = doc[field];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((e) => typeof e !== 'string')) {
    throw new ManifestError('invalid_manifest', `${file}: ${field} must be a list of paths`, { file, field });
  }
  return v as string[];
}

function optionalString(file: string, doc: Record<string, unknown>, field: string): string {
  const v = doc[field];
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string')
    throw new ManifestError('invalid_manifest', `${file}: ${field} must be a string`, { file, field });
  return v;
}

function unsupported(file: string, why: string, field?: string): ManifestError {
  return new ManifestError('unsupported_kustomization', `${file}: ${why}`, { file, field });
}
