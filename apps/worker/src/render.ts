// Step 1 of an attempt: the application's objects at exactly the deployment's commit, through the
// shared mirror cache. Nothing reaches the cluster unless the whole bundle renders and validates.
import type { Logger } from '@tether/core';
import type { TargetWork } from '@tether/db';
import type { GitMirrorCache, RenderedObject } from '@tether/manifests';
import { renderManifests } from '@tether/manifests';

export async function fetchAndRender(
  mirrors: GitMirrorCache,
  work: TargetWork,
  logger: Logger,
  signal: AbortSignal,
): Promise<RenderedObject[]> {
  const { application, sha } = work.deployment;
  const tree = await mirrors.readTree(application.repoUrl, sha);
  signal.throwIfAborted();
  const { objects, warnings } = await renderManifests({ tree, path: application.path, logger });
  logger.debug({ objects: objects.length, warnings: warnings.length }, 'rendered');
  return objects;
}
