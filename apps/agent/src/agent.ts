// The pull agent as an embeddable object: main.ts runs it as `tether-agent`, tests may embed it.
// One loop: establish the identity, then long-poll for a job of this cluster, run it, repeat;
// back off (jittered, exponential) while the control plane is unreachable. Beside it: diff
// requests (claimed by the same long poll, answered in the background, and by a diff-only poll
// while a job runs) and the periodic drift check (resync.ts).
import type { Logger } from '@tether/core';
import { connectCluster, type KubeClient } from '@tether/kube';
import { type BackoffOptions, createBackoff } from './backoff.ts';
import { type AgentClient, type Claimed, createAgentClient, type DiffRequest, isApiError } from './client.ts';
import type { AgentConfig } from './config.ts';
import { type CredentialStore, fileStore, secretStore, serviceAccountNamespace } from './credentials.ts';
import { answerDiff } from './diff.ts';
import { type HealthServer, type HealthStatus, startHealthServer } from './health.ts';
import { EXIT_UNAUTHORIZED, establishIdentity, FatalError, type Identity } from './identity.ts';
import { errText } from './lease.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { createResync, type Resync } from './resync.ts';
import { type JobEnd, runJob } from './run-job.ts';

/** Diffs answered at once; a further one waits for a free slot before the next claim. */
const MAX_DIFFS = 4;

export interface AgentDeps {
  config: AgentConfig;
  logger: Logger;
  /** Overrides the cluster connection (default: KUBECONFIG, else in-cluster). */
  connectKube?: () => KubeClient;
  /** Overrides the credential store (default from TETHER_AGENT_CREDENTIAL_STORE). */
  store?: CredentialStore;
}

export interface AgentExit {
  /** 0: stopped; 2: misconfigured; 3: credential or bootstrap token refused; 1: other. */
  code: number;
  reason: string;
}

export interface StopOptions {
  /** How long a running job may still finish before it is released (default from config). */
  graceMs?: number;
}

export interface Agent {
  /** Starts the health listener (if configured) and the loop; resolves once both are under way. */
  start(): Promise<void>;
  /** Stops claiming; finishes or releases the running job; closes everything. */
  stop(opts?: StopOptions): Promise<void>;
  /** Settles when the agent has ended, by stop() or by a fatal error. */
  readonly done: Promise<AgentExit>;
  status(): HealthStatus;
  readonly metrics: Metrics;
  /** The health listener's port, once started (undefined when disabled). */
  healthPort(): number | undefined;
}

export function createAgent(deps: AgentDeps): Agent {
  const { config } = deps;
  const logger = deps.logger.child({ component: 'agent' });
  const metrics = createMetrics();
  const backoff: BackoffOptions = {
    minMs: config.TETHER_AGENT_BACKOFF_MIN_MS,
    maxMs: config.TETHER_AGENT_BACKOFF_MAX_MS,
  };
  const client: AgentClient = createAgentClient({
    url: config.TETHER_URL,
    timeoutMs: config.TETHER_AGENT_REQUEST_TIMEOUT_MS,
    httpsProxy: config.HTTPS_PROXY,
    httpProxy: config.HTTP_PROXY,
    noProxy: config.NO_PROXY,
  });
  const connectKube =
    deps.connectKube ??
    (() => {
      const opts = { timeoutMs: config.TETHER_KUBE_TIMEOUT_MS, logger };
      const path = config.KUBECONFIG?.split(':')[0];
      return path
        ? connectCluster({ kubeconfigPath: path }, opts)
        : connectCluster({ inCluster: true }, opts);
    });

  const stopping = new AbortController(); // Stops claiming (and any wait).
  const release = new AbortController(); // Releases the running job.
  let state: HealthStatus['state'] = 'starting';
  let identity: Identity | undefined;
  let health: HealthServer | undefined;
  let current: Promise<JobEnd> | undefined;
  let resync: Resync | undefined;
  const diffs = new Set<Promise<void>>();
  let loop: Promise<AgentExit> | undefined;
  let stopped: Promise<void> | undefined;
  let resolveDone: (exit: AgentExit) => void = () => {};
  const done = new Promise<AgentExit>((resolve) => {
    resolveDone = resolve;
  });

  async function chooseStore(): Promise<CredentialStore> {
    if (deps.store) return deps.store;
    const mode = config.TETHER_AGENT_CREDENTIAL_STORE;
    const inCluster = !config.KUBECONFIG && Boolean(config.KUBERNETES_SERVICE_HOST);
    if (mode === 'file' || (mode === 'auto' && !inCluster)) return fileStore(config.TETHER_AGENT_STATE_DIR);
    const namespace = config.TETHER_AGENT_NAMESPACE ?? (await serviceAccountNamespace());
    if (!namespace) {
      throw new FatalError('the credential Secret needs a namespace: set TETHER_AGENT_NAMESPACE', 2);
    }
    return secretStore(connectKube, namespace);
  }

  async function run(): Promise<AgentExit> {
    state = 'registering';
    identity = await establishIdentity({
      client,
      store: await chooseStore(),
      url: config.TETHER_URL,
      bootstrapToken: config.TETHER_BOOTSTRAP_TOKEN,
      configuredKey: config.TETHER_SIGNING_PUBLIC_KEY,
      backoff,
      logger,
      metrics,
      signal: stopping.signal,
    });
    client.setCredential(identity.state.credential);
    state = 'running';
    const signingKey = identity.signingKey;
    const shared = { client, connectKube, signingKey, logger, metrics, backoff };
    resync = createResync({ ...shared, intervalMs: config.TETHER_RESYNC_INTERVAL * 1000 });
    resync.start();
    const wait = config.TETHER_AGENT_CLAIM_WAIT_SECONDS;
    const retry = createBackoff(backoff);
    logger.info({ agentId: identity.state.agentId, cluster: identity.state.cluster }, 'agent running');
    // Cleared when the control plane is older than diff requests (it refuses the claim's fields).
    let diffCapable = true;
    while (!stopping.signal.aborted) {
      let claimed: Claimed | undefined;
      try {
        await diffSlot();
        claimed = await client.claim(
          wait,
          stopping.signal,
          diffCapable ? { diffs: true, jobs: true } : undefined,
        );
        if (!metrics.connected()) logger.info('connected to the control plane');
        metrics.setConnected(true);
        retry.reset();
      } catch (err) {
        if (stopping.signal.aborted) break;
        if (isApiError(err, 'unauthorized')) {
          metrics.error('unauthorized');
          throw new FatalError('the control plane refused our credential (revoked?)', EXIT_UNAUTHORIZED);
        }
        if (diffCapable && isApiError(err, 'invalid_request')) {
          diffCapable = false;
          logger.warn({ err: errText(err) }, 'the control plane does not take diff requests (older version)');
          continue;
        }
        metrics.error('unreachable');
        // The first failure of a streak is a warning; the rest only debug, so an outage is not a flood.
        const level = retry.failures === 0 ? 'warn' : 'debug';
        logger[level]({ err: errText(err), failures: retry.failures + 1 }, 'claim failed; backing off');
        metrics.setConnected(false);
        await retry.wait(stopping.signal);
        continue;
      }
      if (!claimed) {
        logger.debug({ waitSeconds: wait }, 'no job within the wait');
        continue;
      }
      if ('diff' in claimed) {
        startDiff(claimed.diff);
        continue;
      }
      const job = claimed.job;
      metrics.claim();
      const jobDone = new AbortController();
      current = runJob(
        {
          ...shared,
          healthTimeoutMs: config.TETHER_HEALTH_TIMEOUT_MS,
          release: release.signal,
        },
        job,
      );
      // Diff requests keep being answered while the job runs.
      const sideline = diffCapable ? diffsOnly(wait, jobDone.signal) : Promise.resolve();
      const end = await current.finally(() => jobDone.abort());
      await sideline;
      current = undefined;
      logger.info({ targetId: job.targetId, end }, 'job ended');
      if (end === 'unauthorized') {
        throw new FatalError('the control plane refused our credential (revoked?)', EXIT_UNAUTHORIZED);
      }
    }
    return { code: 0, reason: 'stopped' };
  }

  function startDiff(req: DiffRequest): void {
    if (!identity) return;
    const deps = { client, connectKube, logger, metrics, backoff, signingKey: identity.signingKey };
    const p: Promise<void> = answerDiff(deps, req, stopping.signal)
      .catch((err: unknown) => logger.warn({ err: errText(err), requestId: req.requestId }, 'diff failed'))
      .finally(() => diffs.delete(p));
    diffs.add(p);
  }

  async function diffSlot(): Promise<void> {
    while (diffs.size >= MAX_DIFFS) await Promise.race(diffs);
  }

  /** A claim for diff requests only, until the running job is done. */
  async function diffsOnly(wait: number, done: AbortSignal): Promise<void> {
    const signal = AbortSignal.any([done, stopping.signal]);
    const retry = createBackoff(backoff);
    while (!signal.aborted) {
      try {
        await diffSlot();
        const claimed = await client.claim(wait, signal, { diffs: true, jobs: false });
        retry.reset();
        if (claimed && 'diff' in claimed) startDiff(claimed.diff);
      } catch (err) {
        if (signal.aborted) return;
        // The main loop sees (and handles) a refused credential or an outage after the job.
        logger.debug({ err: errText(err) }, 'diff claim failed during a job; backing off');
        await retry.wait(signal);
      }
    }
  }

  async function finish(exit: AgentExit): Promise<void> {
    state = exit.code === 0 ? 'stopped' : 'failed';
    stopping.abort();
    await resync?.close();
    await Promise.allSettled([...diffs]);
    await client.close().catch(() => undefined);
    await health?.close();
    resolveDone(exit);
  }

  const status = (): HealthStatus => ({
    state,
    agentId: identity?.state.agentId,
    cluster: identity?.state.cluster,
    connected: metrics.connected(),
  });

  return {
    metrics,
    done,
    healthPort: () => health?.port,
    status,

    async start() {
      if (loop) throw new Error('agent already started');
      if (config.TETHER_AGENT_HEALTH_PORT >= 0) {
        health = await startHealthServer({
          host: config.TETHER_AGENT_HEALTH_HOST,
          port: config.TETHER_AGENT_HEALTH_PORT,
          metrics,
          status,
        });
        logger.info({ host: config.TETHER_AGENT_HEALTH_HOST, port: health.port }, 'health listener up');
      }
      loop = run().catch((err: unknown) => {
        if (err instanceof FatalError) return { code: err.exitCode, reason: err.message };
        logger.error({ err }, 'agent loop failed');
        return { code: 1, reason: errText(err) };
      });
      void loop.then(async (exit) => {
        if (exit.code !== 0) logger.fatal({ code: exit.code }, exit.reason);
        // A fatal end finishes at once; a stop() finishes when its drain is over.
        if (!stopped) await finish(exit);
      });
    },

    stop(opts = {}) {
      stopped ??= (async () => {
        const graceMs = opts.graceMs ?? config.TETHER_AGENT_SHUTDOWN_GRACE_MS;
        state = 'stopping';
        logger.info({ running: current !== undefined, graceMs }, 'stopping');
        stopping.abort();
        const running = current;
        if (running) {
          let timer: NodeJS.Timeout | undefined;
          const finished = await Promise.race([
            running.then(() => true),
            new Promise<false>((resolve) => {
              timer = setTimeout(() => resolve(false), graceMs);
            }),
          ]);
          clearTimeout(timer);
          if (!finished) {
            logger.warn('the job did not finish within the grace period; releasing it');
            release.abort();
          }
          const end = await running;
          logger.info({ end }, 'job done at shutdown');
        }
        const exit = loop ? await loop : { code: 0, reason: 'stopped' };
        await finish(exit);
      })();
      return stopped;
    },
  };
}
