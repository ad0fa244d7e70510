// Watch over raw HTTP: from a resourceVersion, with selectors, initial events, bookmarks,
// and 410 Expired once the history no longer reaches back.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, collectWatch, eventually, startTestSim, type TestSim } from './sim-support.ts';

const CMS = '/api/v1/namespaces/default/configmaps';
const cm = (name: string, labels: Record<string, string>, data: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, labels },
  data,
});

describe('watch', () => {
  let t: TestSim;
  before(async () => {
    t = await startTestSim({ historySize: 50, bookmarkIntervalMs: 50 });
  });
  after(async () => {
    await t.close();
  });

  it('replays changes after a resourceVersion, filtered by label selector', async () => {
    const start = (await api(t.sim, CMS)).json().metadata.resourceVersion;
    await api(t.sim, CMS, { method: 'POST', body: cm('a', { team: 'x' }) });
    await api(t.sim, CMS, { method: 'POST', body: cm('b', { team: 'y' }) });
    await api(t.sim, `${CMS}/a`, {
      method: 'PATCH',
      body: { data: { k: 'v' } },
      contentType: 'application/merge-patch+json',
    });
    // Leaving the selector is a DELETED for this watch, entering it an ADDED.
    await api(t.sim, `${CMS}/a`, {
      method: 'PATCH',
      body: { metadata: { labels: { team: 'z' } } },
      contentType: 'application/merge-patch+json',
    });
    await api(t.sim, `${CMS}/b`, {
      method: 'PATCH',
      body: { metadata: { labels: { team: 'x' } } },
      contentType: 'application/merge-patch+json',
    });
    await api(t.sim, `${CMS}/b`, { method: 'DELETE' });
    const events = await collectWatch(
      t.sim,
      `${CMS}?watch=true&resourceVersion=${start}&labelSelector=team%3Dx`,
      (e) => e.length >= 5,
    );
    assert.deepEqual(
      events.map((e) => `${e.type} ${e.object.metadata.name}`),
      ['ADDED a', 'MODIFIED a', 'DELETED a', 'ADDED b', 'DELETED b'],
    );
    assert.equal(events[0]?.object.kind, 'ConfigMap');
    assert.equal(events[0]?.object.apiVersion, 'v1');
    const rvs = events.map((e) => Number(e.object.metadata.resourceVersion));
    assert.deepEqual(
      [...rvs].sort((x, y) => x - y),
      rvs,
    );
  });

  it('starts with the current state when no resourceVersion is given, then streams', async () => {
    const done = collectWatch(
      t.sim,
      `${CMS}?watch=1&fieldSelector=metadata.name%3Dlive`,
      (e) => e.length >= 2,
    );
    await api(t.sim, CMS, { method: 'POST', body: cm('live', {}) });
    await api(t.sim, `${CMS}/live`, {
      method: 'PATCH',
      body: { data: { n: '1' } },
      contentType: 'application/merge-patch+json',
    });
    const events = await done;
    assert.deepEqual(
      events.map((e) => e.type),
      ['ADDED', 'MODIFIED'],
    );
    const existing = await collectWatch(
      t.sim,
      `${CMS}?watch=true&fieldSelector=metadata.name%3Dlive`,
      (e) => e.length >= 1,
    );
    assert.equal(existing[0]?.type, 'ADDED');
    assert.equal(existing[0]?.object.data.n, '1');
  });

  it('sends initial events and bookmarks when asked', async () => {
    const events = await collectWatch(
      t.sim,
      `${CMS}?watch=true&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan&fieldSelector=metadata.name%3Dlive`,
      (e) => e.filter((x) => x.type === 'BOOKMARK').length >= 2,
    );
    assert.equal(events[0]?.type, 'ADDED');
    assert.equal(events[1]?.type, 'BOOKMARK');
    assert.equal(events[1]?.object.metadata.annotations['k8s.io/initial-events-end'], 'true');
    assert.match(events[2]?.object.metadata.resourceVersion ?? '', /^\d+$/);
  });

  it('answers 410 Expired for a resourceVersion older than the history', async () => {
    for (let i = 0; i < 60; i++) await api(t.sim, CMS, { method: 'POST', body: cm(`bulk-${i}`, {}) });
    const events = await collectWatch(t.sim, `${CMS}?watch=true&resourceVersion=2`, (e) => e.length >= 1);
    assert.equal(events[0]?.type, 'ERROR');
    assert.equal(events[0]?.object.code, 410);
    assert.equal(events[0]?.object.reason, 'Expired');
  });

  it('sees no event for a re-apply that changes nothing', async () => {
    const body = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'steady' },
      spec: {
        selector: { matchLabels: { app: 'steady' } },
        template: {
          metadata: { labels: { app: 'steady' } },
          spec: { containers: [{ name: 'c', image: 'nginx' }] },
        },
      },
    };
    const path = '/apis/apps/v1/namespaces/default/deployments';
    const opts = { method: 'PATCH', body, contentType: 'application/apply-patch+yaml' };
    assert.equal((await api(t.sim, `${path}/steady?fieldManager=gitops`, opts)).status, 201);
    const rv = (await api(t.sim, path)).json().metadata.resourceVersion;
    const again = await api(t.sim, `${path}/steady?fieldManager=gitops`, opts);
    assert.equal(again.status, 200);
    assert.equal(
      again.json().metadata.resourceVersion,
      (await api(t.sim, `${path}/steady`)).json().metadata.resourceVersion,
    );
    const events = await collectWatch(
      t.sim,
      `${path}?watch=true&resourceVersion=${rv}&timeoutSeconds=1`,
      () => false,
    );
    assert.deepEqual(events, []);
  });

  it('releases a watch when its client goes away', async () => {
    await collectWatch(t.sim, `${CMS}?watch=true`, (e) => e.length >= 1);
    await eventually('the server to drop the watch', () => t.sim.state.closers.size === 0);
  });

  it('ends a watch after timeoutSeconds', async () => {
    const events = await collectWatch(
      t.sim,
      `${CMS}?watch=true&timeoutSeconds=1&fieldSelector=metadata.name%3Dnothing`,
      () => false,
    );
    assert.deepEqual(events, []);
  });
});
