export interface KubeMetadata {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

/** A Kubernetes object as written in Git (plain JSON data). */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: KubeMetadata;
  [key: string]: unknown;
}

/** Where an object came from: repository-relative file, 0-based document, 0-based List item. */
export interface ManifestSource {
  file: string;
  document: number;
  item?: number;
}

export interface RenderedObject {
  manifest: KubeObject;
  source: ManifestSource;
}

export interface RenderResult {
  objects: RenderedObject[];
  /** Things skipped (non-Kubernetes documents, symlinks), each naming its file. */
  warnings: string[];
}

/** `apps/v1` → `apps`; `v1` → '' (the core group). */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** Inventory key: `group/kind/namespace/name` (empty group and namespace stay empty). */
export function objectKey(obj: KubeObject | RenderedObject): string {
  const o =
    'source' in obj && 'manifest' in obj && !('apiVersion' in obj) ? obj.manifest : (obj as KubeObject);
  return `${groupOf(o.apiVersion)}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

export function describeSource(s: ManifestSource): string {
  return `${s.file} [document ${s.document}${s.item === undefined ? '' : `, item ${s.item}`}]`;
}
