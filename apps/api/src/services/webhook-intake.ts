// What a verified GitHub delivery does. Every outcome is recorded against X-GitHub-Delivery in
// the same transaction as its effects, so a redelivery gets the first answer and creates nothing.
import { type Actor, normalizeRepoUrl, TetherError } from '@tether/core';
import {
  AlreadyExistsError,
  type AuditContext,
  findApplicationsForPush,
  getDelivery,
  type PushTarget,
  recordDelivery,
  setDeliveryResponse,
} from '@tether/db';
import type { AppDeps } from '../deps.ts';
import { createAndEnqueue } from './deploy.ts';
import { changedFiles, touches } from './fanout.ts';
import { type PushEvent, parsePush, verifySignature } from './github-payload.ts';

export interface DeliveryAnswer {
  status: 200 | 202;
  body: { deliveryId: string; deployments: Array<{ id: string; application: string }>; ignored?: string };
}

export interface Delivery {
  id: string;
  event: string;
  raw: string;
  payload: unknown;
  signature: string | undefined;
  requestId: string;
}

function branchOrTag(ref: string): { name: string; kind: 'branch' | 'tag' } | undefined {
  if (ref.startsWith('refs/heads/')) return { name: ref.slice('refs/heads/'.length), kind: 'branch' };
  if (ref.startsWith('refs/tags/')) return { name: ref.slice('refs/tags/'.length), kind: 'tag' };
  return undefined;
}

/** Applications a push concerns, each authenticated by its own secret or else the global one. */
async function candidates(deps: AppDeps, push: PushEvent): Promise<PushTarget[]> {
  const ref = branchOrTag(push.ref);
  if (!ref) return [];
  const seen = new Map<string, PushTarget>();
  // The payload names the repository several ways (clone, ssh, html); query each form once.
  const forms = new Map<string, string>();
  for (const url of push.repoUrls) {
    try {
      forms.set(normalizeRepoUrl(url), url);
    } catch {
      // An unparseable URL names no application.
    }
  }
  for (const url of forms.values()) {
    let apps: PushTarget[];
    try {
      apps = await findApplicationsForPush(deps.db, url, ref.name);
    } catch (err) {
      if (err instanceof TetherError && err.code === 'invalid_request') continue; // an unparseable URL
      throw err;
    }
    for (const a of apps) {
      // A tag push deploys only applications that name the tag, never a same-named branch.
      if (ref.kind === 'tag' && a.targetRevision.startsWith('refs/heads/')) continue;
      seen.set(a.id, a);
    }
  }
  return [...seen.values()];
}

export async function authenticApplications(
  deps: AppDeps,
  d: Delivery,
  apps: PushTarget[],
): Promise<{ authentic: boolean; apps: PushTarget[] }> {
  const globalOk = await verifySignature(d.raw, d.signature, deps.webhookSecret);
  const allowed: PushTarget[] = [];
  for (const a of apps) {
    if (a.webhookSecret ? await verifySignature(d.raw, d.signature, a.webhookSecret) : globalOk)
      allowed.push(a);
  }
  return { authentic: globalOk || allowed.length > 0, apps: allowed };
}

async function replay(deps: AppDeps, deliveryId: string): Promise<DeliveryAnswer | undefined> {
  const stored = await getDelivery(deps.db, deliveryId);
  return stored ? (stored.response as unknown as DeliveryAnswer) : undefined;
}

/** Records a delivery that changes nothing; a concurrent duplicate gets the stored answer. */
async function answerWithoutDeploying(
  deps: AppDeps,
  d: Delivery,
  ctx: AuditContext,
  status: 'accepted' | 'ignored',
  answer: DeliveryAnswer,
  repository: string | null,
): Promise<DeliveryAnswer> {
  try {
    await recordDelivery(
      deps.db,
      {
        deliveryId: d.id,
        event: d.event,
        status,
        reason: answer.body.ignored ?? null,
        repository,
        response: answer,
      },
      ctx,
    );
    return answer;
  } catch (err) {
    if (err instanceof AlreadyExistsError) return (await replay(deps, d.id)) ?? answer;
    throw err;
  }
}

function repositoryName(payload: unknown): string | null {
  const repo = (payload as { repository?: { full_name?: unknown } } | null)?.repository;
  return typeof repo?.full_name === 'string' ? repo.full_name : null;
}

function senderOf(payload: unknown): Actor {
  const login = (payload as { sender?: { login?: unknown } } | null)?.sender?.login;
  return { type: 'webhook', name: typeof login === 'string' ? login : 'github' };
}

export async function handleDelivery(deps: AppDeps, d: Delivery): Promise<DeliveryAnswer | 'unauthorized'> {
  const push = d.event === 'push' ? parsePush(d.payload) : undefined;
  const apps = push ? await candidates(deps, push) : [];
  const auth = await authenticApplications(deps, d, apps);
  if (!auth.authentic) return 'unauthorized';

  const previous = await replay(deps, d.id);
  if (previous) return previous;

  const ctx: AuditContext = { actor: senderOf(d.payload), requestId: d.requestId, deliveryId: d.id };
  const repository = repositoryName(d.payload);
  const ignore = (reason: string) =>
    answerWithoutDeploying(
      deps,
      d,
      ctx,
      'ignored',
      { status: 202, body: { deliveryId: d.id, deployments: [], ignored: reason } },
      repository,
    );

  if (d.event === 'ping') {
    return answerWithoutDeploying(
      deps,
      d,
      ctx,
      'accepted',
      { status: 200, body: { deliveryId: d.id, deployments: [] } },
      repository,
    );
  }
  if (!push) return ignore(`unsupported_event: ${d.event}`);
  if (push.deleted) return ignore('ref_deleted');
  if (!branchOrTag(push.ref)) return ignore(`unsupported_ref: ${push.ref}`);
  if (auth.apps.length === 0) return ignore('no_matching_application');

  const changed = await changedFiles(deps.mirrors, deps.logger, push);
  const touched = changed ? auth.apps.filter((a) => touches(a.path, changed)) : auth.apps;
  if (touched.length === 0) return ignore('no_application_path_changed');

  const ref = branchOrTag(push.ref)?.name ?? push.ref;
  try {
    let answer: DeliveryAnswer | undefined;
    await createAndEnqueue(
      deps,
      touched.map((a) => ({
        applicationId: a.id,
        revision: ref,
        sha: push.after,
        trigger: 'webhook' as const,
        supersede: true,
      })),
      ctx,
      {
        before: async (tx) => {
          await recordDelivery(
            tx,
            { deliveryId: d.id, event: d.event, status: 'accepted', repository, response: null },
            ctx,
            { applicationIds: touched.map((a) => a.id) },
          );
        },
        after: async (tx, created) => {
          answer = {
            status: 202,
            body: {
              deliveryId: d.id,
              deployments: created.map((c) => ({ id: c.id, application: c.applicationName })),
            },
          };
          await setDeliveryResponse(tx, d.id, answer);
        },
      },
    );
    if (!answer) throw new Error('delivery answer was not built');
    return answer;
  } catch (err) {
    if (err instanceof AlreadyExistsError) {
      const stored = await replay(deps, d.id);
      if (stored) return stored;
    }
    throw err;
  }
}
