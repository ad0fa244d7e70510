// Reading pod templates: which images a workload runs and whether the simulation fails them.
import type { KubeObject } from '../types.ts';
import { getPath, isRecord, stableSuffix } from '../util.ts';

/** The tag of an image reference ("nginx:fail" -> "fail"), ignoring registry ports and digests. */
export function imageTag(image: string): string | undefined {
  const noDigest = image.split('@')[0] ?? '';
  const lastSlash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > lastSlash ? noDigest.slice(colon + 1) : undefined;
}

export function podSpecImages(podSpec: unknown): string[] {
  if (!isRecord(podSpec)) return [];
  const out: string[] = [];
  for (const key of ['initContainers', 'containers']) {
    const list = podSpec[key];
    if (!Array.isArray(list)) continue;
    for (const c of list) if (isRecord(c) && typeof c.image === 'string') out.push(c.image);
  }
  return out;
}

/** True when any container image of the pod template is tagged `fail`: it never becomes ready. */
export function templateFails(obj: KubeObject, templatePath = 'spec.template.spec'): boolean {
  return podSpecImages(getPath(obj, templatePath)).some((i) => imageTag(i) === 'fail');
}

/** A pod-template-hash style suffix derived from the template, stable across identical templates. */
export function templateHash(obj: KubeObject): string {
  return stableSuffix(JSON.stringify(getPath(obj, 'spec.template') ?? {}), 10);
}
