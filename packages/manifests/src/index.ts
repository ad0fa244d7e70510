export {
  GitError,
  type GitErrorCode,
  isGitError,
  isManifestError,
  ManifestError,
  type ManifestErrorCode,
  type ManifestLocation,
} from './errors.ts';
export * from './failure.ts';
export { fsTree } from './fs-tree.ts';
export { redact } from './git/classify.ts';
export { GitMirrorCache, type GitMirrorCacheOptions } from './git/mirror-cache.ts';
export { buildSshCommand, type SshOptions } from './git/ssh.ts';
export { GitTree } from './git/tree.ts';
export { bundleDigest, canonicalJson } from './render/digest.ts';
export { applyRank, orderForApply } from './render/order.ts';
export { type RenderOptions, renderManifests } from './render/render.ts';
export {
  groupOf,
  type KubeMetadata,
  type KubeObject,
  type ManifestSource,
  objectKey,
  type RenderedObject,
  type RenderResult,
} from './render/types.ts';
export { normalizeTreePath, type TreeListing, type TreeReader } from './tree.ts';
