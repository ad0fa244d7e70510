import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  clusterOfLane,
  type EnqueueRequest,
  type JobHandlers,
  jobCatalog,
  jobNames,
  laneFor,
  PUSH_LANE,
  validatePayload,
  withPolicies,
} from '../src/index.ts';
import { syncPayload } from './helpers.ts';

describe('lanes', () => {
  it('puts push targets on the shared lane and pull targets on their cluster lane', () => {
    assert.equal(laneFor({ mode: 'push', clusterId: 'clu_a' }), PUSH_LANE);
    assert.equal(laneFor({ mode: 'pull', clusterId: 'clu_a' }), 'target-sync.clu_a');
    assert.equal(clusterOfLane('target-sync.clu_a'), 'clu_a');
    assert.equal(clusterOfLane(PUSH_LANE), undefined);
  });

  it('refuses cluster ids that would break queue names or key patterns', () => {
    for (const bad of ['', 'a:b', 'a*', 'x y']) {
      assert.throws(() => laneFor({ mode: 'pull', clusterId: bad }), /invalid clusterId/);
    }
  });
});

describe('catalog', () => {
  it('declares the same version as the schema literal', () => {
    for (const name of jobNames) {
      const def = jobCatalog[name];
      const props = (def.schema as unknown as { properties: { v: { const: unknown } } }).properties;
      assert.equal(props.v.const, def.version, name);
    }
  });

  it('accepts a valid payload and reports issues for an invalid one', () => {
    const ok = validatePayload(jobCatalog, 'target.sync', syncPayload());
    assert.equal(ok.ok, true);
    const bad = validatePayload(jobCatalog, 'target.sync', { ...syncPayload(), sha: 'nope', extra: 1 });
    assert.equal(bad.ok, false);
    if (!bad.ok) assert.ok(bad.issues.length > 0);
  });

  it('names an unsupported version instead of listing field errors', () => {
    const res = validatePayload(jobCatalog, 'target.sync', { ...syncPayload(), v: 2 });
    assert.equal(res.ok, false);
    if (!res.ok) {
      assert.equal(res.unsupportedVersion, 2);
      assert.match(res.issues[0]?.message ?? '', /unsupported payload version 2/);
    }
  });

  it('overrides policies without touching schemas', () => {
    const c = withPolicies({ 'target.sync': { attempts: 1, timeoutMs: 50 } });
    assert.equal(c['target.sync'].attempts, 1);
    assert.equal(c['target.sync'].timeoutMs, 50);
    assert.equal(c['target.sync'].schema, jobCatalog['target.sync'].schema);
    assert.equal(c['app.reconcile'], jobCatalog['app.reconcile']);
  });

  it('types payloads and handlers by job name', () => {
    const req: EnqueueRequest = { name: 'target.sync', payload: syncPayload(), lane: PUSH_LANE };
    // @ts-expect-error an app.reconcile payload is not a target.sync payload
    const wrong: EnqueueRequest = {
      name: 'target.sync',
      payload: { v: 1, applicationId: 'a', clusterId: 'c' },
      lane: PUSH_LANE,
    };
    const handlers: JobHandlers = {
      'target.sync': async (p) => p.targetId,
      // @ts-expect-error app.reconcile payloads have no targetId
      'app.reconcile': async (p) => p.targetId,
    };
    assert.ok(req && wrong && handlers);
  });
});
