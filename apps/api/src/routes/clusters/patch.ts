import { updateCluster, withTx } from '@tether/db';
import { actorOf } from '../../http/auth.ts';
import { errorResponses, NameParams } from '../../schemas/common.ts';
import { ClusterCreated, ClusterPatch } from '../../schemas/resources.ts';
import { issueBootstrapToken, moveQueuedJobs } from '../../services/pull.ts';
import { clusterView } from '../../views.ts';
import type { RouteModule } from '../types.ts';

/**
 * Changes a cluster in place. A mode switch keeps its applications, deployments and history;
 * its queued targets follow to the new mode's lane, running ones finish where they run. A switch
 * to pull answers a bootstrap token for the agent, once.
 */
export const patchClusterRoute: RouteModule = (app, deps) => {
  app.patch(
    '/clusters/:name',
    {
      schema: {
        tags: ['clusters'],
        summary: 'Update a cluster; switch between push and pull mode',
        params: NameParams,
        body: ClusterPatch,
        response: { 200: ClusterCreated, ...errorResponses },
      },
    },
    async (req) => {
      const ctx = { actor: actorOf(req), requestId: req.id };
      const { update, bootstrap } = await withTx(deps.db, async (tx) => {
        const update = await updateCluster(tx, req.params.name, req.body, ctx);
        const toPull = update.cluster.mode === 'pull' && update.previousMode !== 'pull';
        const bootstrap = toPull ? await issueBootstrapToken(deps, tx, update.cluster.id, ctx) : {};
        return { update, bootstrap };
      });
      if (update.cluster.mode !== update.previousMode && update.queued.length > 0) {
        // After the commit: a claim must see the new mode when it finds the moved job.
        const moved = await moveQueuedJobs(deps, update.queued, update.cluster.mode);
        req.log.info(
          { cluster: update.cluster.name, mode: update.cluster.mode, queued: update.queued.length, moved },
          'queued jobs moved to the new lane',
        );
      }
      return { ...clusterView(update.cluster), ...bootstrap };
    },
  );
};
