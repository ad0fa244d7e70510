// Database records → the API's JSON shapes. Secrets never pass through here.
import type {
  AgentRecord,
  ApplicationRecord,
  AuditEvent,
  ClusterRecord,
  ClusterStatus,
  DeploymentRecord,
} from '@tether/db';

const iso = (d: Date): string => d.toISOString();
const isoOpt = (d: Date | null): string | undefined => (d ? d.toISOString() : undefined);

export function clusterView(c: ClusterRecord) {
  return { id: c.id, name: c.name, mode: c.mode, server: c.server, createdAt: iso(c.createdAt) };
}

/** connected: seen within `windowMs` (an agent in a long poll is seen at least every ~30 s). */
export function agentView(a: AgentRecord, windowMs: number, now = Date.now()) {
  return {
    id: a.id,
    version: a.version,
    connected: a.revokedAt === null && a.lastSeenAt !== null && now - a.lastSeenAt.getTime() < windowMs,
    lastSeenAt: a.lastSeenAt ? iso(a.lastSeenAt) : null,
    createdAt: iso(a.createdAt),
    ...(a.revokedAt ? { revokedAt: iso(a.revokedAt) } : {}),
  };
}

export function applicationView(a: ApplicationRecord) {
  return {
    id: a.id,
    name: a.name,
    repoUrl: a.repoUrl,
    path: a.path,
    targetRevision: a.targetRevision,
    destinations: a.destinations.map((d) => ({ cluster: d.clusterName, namespace: d.namespace })),
    syncPolicy: {
      automated: a.automated,
      prune: a.prune,
      selfHeal: a.selfHeal,
      createNamespace: a.createNamespace,
    },
    createdAt: iso(a.createdAt),
    updatedAt: iso(a.updatedAt),
  };
}

interface StoredObject {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  action: string;
  error?: string;
  message?: string;
}

function objectsOf(json: unknown) {
  if (!Array.isArray(json)) return [];
  return (json as StoredObject[]).map((o) => ({
    apiVersion: o.apiVersion,
    kind: o.kind,
    ...(o.namespace ? { namespace: o.namespace } : {}),
    name: o.name,
    action: o.action,
    ...(o.error || o.message ? { error: o.error ?? o.message } : {}),
  }));
}

export function deploymentView(d: DeploymentRecord) {
  return {
    id: d.id,
    application: d.applicationName,
    revision: { ref: d.revision, sha: d.sha },
    trigger: {
      type: d.trigger,
      actor: d.actorName,
      ...(d.deliveryId ? { deliveryId: d.deliveryId } : {}),
      ...(d.rollbackOfId ? { rollbackOf: d.rollbackOfId } : {}),
    },
    status: d.status,
    createdAt: iso(d.createdAt),
    ...(d.finishedAt ? { finishedAt: iso(d.finishedAt) } : {}),
    targets: d.targets.map((t) => ({
      cluster: t.clusterName,
      mode: t.clusterMode,
      namespace: t.namespace,
      status: t.status,
      attempts: t.attempts,
      ...(t.startedAt ? { startedAt: isoOpt(t.startedAt) } : {}),
      ...(t.finishedAt ? { finishedAt: isoOpt(t.finishedAt) } : {}),
      ...(t.error ? { error: t.error, errorCode: t.errorCode ?? undefined } : {}),
      objects: objectsOf(t.objects),
    })),
  };
}

export function auditView(e: AuditEvent) {
  return {
    id: e.id,
    seq: e.seq.toString(),
    at: iso(e.at),
    type: e.type,
    actor: { type: e.actorType, name: e.actorName },
    requestId: e.requestId,
    deliveryId: e.deliveryId,
    applicationId: e.applicationId,
    clusterId: e.clusterId,
    deploymentId: e.deploymentId,
    targetId: e.targetId,
    sha: e.sha,
    data: e.data,
    prevHash: e.prevHash,
    hash: e.hash,
  };
}

export function clusterStatusView(s: ClusterStatus) {
  return {
    cluster: s.cluster,
    namespace: s.namespace,
    lastApplied: s.lastApplied
      ? {
          sha: s.lastApplied.sha,
          deploymentId: s.lastApplied.deploymentId,
          at: s.lastApplied.at ? iso(s.lastApplied.at) : null,
        }
      : null,
    sync: s.sync,
    health: s.health,
    healthReason: s.healthReason,
    drift: s.drift
      ? { detectedAt: s.drift.detectedAt ? iso(s.drift.detectedAt) : null, objects: s.drift.objects }
      : null,
    checkedAt: s.checkedAt ? iso(s.checkedAt) : null,
    running: s.running,
  };
}
