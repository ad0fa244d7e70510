import { getClusterByName } from '@tether/db';
import { Type } from 'typebox';
import { agentManifestYaml } from '../../agent/manifest.ts';
import { actorOf } from '../../http/auth.ts';
import { errorResponses, NameParams } from '../../schemas/common.ts';
import { issueBootstrapToken, requirePull } from '../../services/pull.ts';
import type { RouteModule } from '../types.ts';

/**
 * YAML to `kubectl apply --server-side -f -` in the cluster. Each call issues a fresh one-time
 * bootstrap token into the manifest's Secret (audited as agent.bootstrap_created).
 */
export const agentManifestRoute: RouteModule = (app, deps) => {
  app.get(
    '/clusters/:name/agent-manifest',
    {
      schema: {
        tags: ['clusters'],
        summary: "The agent's install manifest (Namespace, RBAC, Secret, Deployment) as YAML",
        params: NameParams,
        produces: ['application/yaml'],
        response: { 200: Type.String({ description: 'multi-document YAML' }), ...errorResponses },
      },
    },
    async (req, reply) => {
      const pull = requirePull(deps);
      const cluster = await getClusterByName(deps.db, req.params.name);
      const issued = await issueBootstrapToken(deps, deps.db, cluster.id, {
        actor: actorOf(req),
        requestId: req.id,
      });
      const yaml = agentManifestYaml({
        cluster: cluster.name,
        url: pull.settings.publicUrl ?? `${req.protocol}://${req.host}`,
        bootstrapToken: issued.bootstrapToken,
        signingPublicKey: pull.signer.publicKeyPem,
        image: pull.settings.agentImage,
        namespace: pull.settings.agentNamespace,
      });
      return reply
        .header('content-type', 'application/yaml; charset=utf-8')
        .header('cache-control', 'no-store')
        .header('x-tether-bootstrap-token-expires-at', issued.bootstrapTokenExpiresAt)
        .send(yaml);
    },
  );
};
