// Renders the Kubernetes objects of one application: the path's plain manifests (recursively,
// in path order), or the resource list of its kustomization. Helm charts are refused.
import { posix } from 'node:path';
import type { Logger } from '@tether/core';
import { ManifestError } from '../errors.ts';
import { fsTree } from '../fs-tree.ts';
import { isUnder, normalizeTreePath, type TreeReader } from '../tree.ts';
import { findKustomization, type KustomizeContext, renderKustomization } from './kustomize.ts';
import { isManifestFile, parseManifestFile } from './parse.ts';
import { describeSource, objectKey, type RenderedObject, type RenderResult } from './types.ts';

export interface RenderOptions {
  /** Where to read from: a tree (e.g. GitMirrorCache.readTree) or a local directory `root`. */
  tree?: TreeReader;
  root?: string;
  /** The application's path inside the repository ('' or '.' for the root). */
  path: string;
  logger: Logger;
}

const CHART_FILES = new Set(['Chart.yaml', 'Chart.yml']);

export async function renderManifests(opts: RenderOptions): Promise<RenderResult> {
  const tree = opts.tree ?? (opts.root !== undefined ? fsTree(opts.root) : undefined);
  if (!tree) throw new TypeError('renderManifests needs a tree or a root');
  const path = normalizeTreePath(opts.path);
  const kind = await tree.stat(path);
  if (kind === undefined) {
    throw new ManifestError('path_not_found', `path "${opts.path}" not found in ${tree.description}`, {
      file: path,
    });
  }
  const warnings: string[] = [];
  const listing = kind === 'file' ? { files: [path], ignored: [] } : await tree.listFiles(path);
  const chart = listing.files.find((f) => CHART_FILES.has(posix.basename(f)));
  if (chart) {
    throw new ManifestError('unsupported_source', `${chart}: Helm charts are not supported yet`, {
      file: chart,
    });
  }
  for (const f of listing.ignored) warnings.push(`${f}: not a regular file (symlink or submodule), skipped`);
  // One batch read for everything under the path; kustomize resources elsewhere load on demand.
  const cache = await tree.readFiles(listing.files.filter(isManifestFile));
  const readText = async (file: string): Promise<string> => {
    let data = cache.get(file);
    if (!data) {
      data = (await tree.readFiles([file])).get(file);
      if (data) cache.set(file, data);
    }
    return data?.toString('utf8') ?? '';
  };
  const ctx: KustomizeContext = {
    stat: (p) => (isUnder(path, p) && kind === 'dir' ? statFromListing(listing.files, p) : tree.stat(p)),
    readText,
    renderFile: async (file) => parseManifestFile(file, await readText(file), warnings),
  };
  let objects: RenderedObject[];
  if (kind === 'dir' && (await findKustomization(ctx, path))) {
    objects = await renderKustomization(ctx, path);
  } else {
    objects = [];
    for (const file of listing.files.filter(isManifestFile)) objects.push(...(await ctx.renderFile(file)));
  }
  checkDuplicates(objects);
  if (warnings.length > 0)
    opts.logger.warn({ path, source: tree.description, warnings }, 'manifests skipped');
  return { objects, warnings };
}

async function statFromListing(files: string[], p: string): Promise<'file' | 'dir' | undefined> {
  if (files.includes(p)) return 'file';
  return files.some((f) => f.startsWith(`${p}/`)) ? 'dir' : undefined;
}

function checkDuplicates(objects: RenderedObject[]): void {
  const seen = new Map<string, RenderedObject>();
  for (const o of objects) {
    const key = objectKey(o);
    const first = seen.get(key);
    if (first) {
      throw new ManifestError(
        'invalid_manifest',
        `duplicate object ${key}: ${describeSource(o.source)} repeats ${describeSource(first.source)}`,
        { ...o.source, field: 'metadata.name' },
      );
    }
    seen.set(key, o);
  }
}
