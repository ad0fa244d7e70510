// The explicit registration list: every route the API serves is named here.
import { bundleRoute } from '../agent/routes/bundle.ts';
import { claimRoute } from '../agent/routes/claim.ts';
import { desiredRoute } from '../agent/routes/desired.ts';
import { diffAnswerRoute } from '../agent/routes/diffs.ts';
import { heartbeatRoute } from '../agent/routes/heartbeat.ts';
import { observationsRoute } from '../agent/routes/observations.ts';
import { registerRoute } from '../agent/routes/register.ts';
import { resultRoute } from '../agent/routes/result.ts';
import type { AgentRouteModule } from '../agent/routes/types.ts';
import { createApplicationRoute } from './applications/create.ts';
import { deployApplicationRoute } from './applications/deploy.ts';
import { diffApplicationRoute } from './applications/diff.ts';
import { deleteApplicationRoute, getApplicationRoute } from './applications/get.ts';
import { listApplicationsRoute } from './applications/list.ts';
import { patchApplicationRoute } from './applications/patch.ts';
import { rollbackApplicationRoute } from './applications/rollback.ts';
import { listAuditRoute } from './audit/list.ts';
import { agentManifestRoute } from './clusters/agent-manifest.ts';
import { revokeAgentRoute } from './clusters/agents.ts';
import { createBootstrapTokenRoute } from './clusters/bootstrap-tokens.ts';
import { createClusterRoute } from './clusters/create.ts';
import { deleteClusterRoute, getClusterRoute } from './clusters/get.ts';
import { listClustersRoute } from './clusters/list.ts';
import { patchClusterRoute } from './clusters/patch.ts';
import { cancelDeploymentRoute } from './deployments/cancel.ts';
import { getDeploymentRoute, listDeploymentsRoute } from './deployments/list.ts';
import { healthRoutes } from './health.ts';
import { tokenRoutes } from './tokens/tokens.ts';
import type { RouteModule } from './types.ts';
import { githubWebhookRoute } from './webhooks/github.ts';

/** Unauthenticated: probes and signature-verified webhooks. */
export const publicRoutes: RouteModule[] = [healthRoutes, githubWebhookRoute];

/** Under /api/v1, behind a bearer token. */
export const apiRoutes: RouteModule[] = [
  createClusterRoute,
  listClustersRoute,
  getClusterRoute,
  patchClusterRoute,
  deleteClusterRoute,
  createBootstrapTokenRoute,
  agentManifestRoute,
  revokeAgentRoute,
  createApplicationRoute,
  listApplicationsRoute,
  getApplicationRoute,
  patchApplicationRoute,
  deleteApplicationRoute,
  deployApplicationRoute,
  rollbackApplicationRoute,
  diffApplicationRoute,
  listDeploymentsRoute,
  getDeploymentRoute,
  cancelDeploymentRoute,
  listAuditRoute,
  tokenRoutes,
];

/** Under /agent/v1 when the pull path is configured; the bootstrap token is the proof. */
export const agentPublicRoutes: AgentRouteModule[] = [registerRoute];

/** Under /agent/v1, behind an agent credential. */
export const agentRoutes: AgentRouteModule[] = [
  claimRoute,
  heartbeatRoute,
  resultRoute,
  bundleRoute,
  desiredRoute,
  observationsRoute,
  diffAnswerRoute,
];
