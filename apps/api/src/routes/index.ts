// The explicit registration list: every route the API serves is named here.
import { createApplicationRoute } from './applications/create.ts';
import { deployApplicationRoute } from './applications/deploy.ts';
import { deleteApplicationRoute, getApplicationRoute } from './applications/get.ts';
import { listApplicationsRoute } from './applications/list.ts';
import { patchApplicationRoute } from './applications/patch.ts';
import { rollbackApplicationRoute } from './applications/rollback.ts';
import { listAuditRoute } from './audit/list.ts';
import { createClusterRoute } from './clusters/create.ts';
import { deleteClusterRoute, getClusterRoute } from './clusters/get.ts';
import { listClustersRoute } from './clusters/list.ts';
import { getDeploymentRoute, listDeploymentsRoute } from './deployments/list.ts';
import { healthRoutes } from './health.ts';
import type { RouteModule } from './types.ts';
import { githubWebhookRoute } from './webhooks/github.ts';

/** Unauthenticated: probes and signature-verified webhooks. */
export const publicRoutes: RouteModule[] = [healthRoutes, githubWebhookRoute];

/** Under /api/v1, behind a bearer token. */
export const apiRoutes: RouteModule[] = [
  createClusterRoute,
  listClustersRoute,
  getClusterRoute,
  deleteClusterRoute,
  createApplicationRoute,
  listApplicationsRoute,
  getApplicationRoute,
  patchApplicationRoute,
  deleteApplicationRoute,
  deployApplicationRoute,
  rollbackApplicationRoute,
  listDeploymentsRoute,
  getDeploymentRoute,
  listAuditRoute,
];
