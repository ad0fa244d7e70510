// Field ownership for non-apply writes (create, update, patches), and how it interacts with
// appliers: updates never conflict, they take the fields they change.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyConfiguration, recordUpdate } from '../src/ssa/index.ts';
import type { KubeObject } from '../src/types.ts';
import { entries, fieldsOf, managersOf, manifest } from './ssa/fixtures.ts';

const T1 = '2024-06-01T08:00:00Z';
const T2 = '2024-06-01T09:00:00Z';
const T3 = '2024-06-01T10:00:00Z';

const guestbook = () => manifest('guestbook/guestbook-ui-deployment.yaml');
const withSpec = (obj: KubeObject, patch: Record<string, unknown>): KubeObject => ({
  ...obj,
  spec: { ...(obj.spec as Record<string, unknown>), ...patch },
});

describe('recordUpdate on create (kubectl create of the guestbook)', () => {
  const created = recordUpdate({ before: undefined, after: guestbook(), manager: 'kubectl-create', now: T1 });

  it('owns every field it set, marking new maps and lists with "."', () => {
    assert.deepEqual(entries(created), [
      {
        manager: 'kubectl-create',
        operation: 'Update',
        apiVersion: 'apps/v1',
        time: T1,
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:spec': {
            'f:replicas': {},
            'f:revisionHistoryLimit': {},
            'f:selector': {},
            'f:template': {
              'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
              'f:spec': {
                'f:containers': {
                  'k:{"name":"guestbook-ui"}': {
                    '.': {},
                    'f:image': {},
                    'f:name': {},
                    'f:ports': {
                      '.': {},
                      'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} },
                    },
                  },
                },
              },
            },
          },
        },
      },
    ]);
    assert.deepEqual(created.spec, guestbook().spec);
  });

  it('records labels and data of a ConfigMap as new maps', () => {
    const cm = recordUpdate({
      before: undefined,
      after: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'c', labels: { a: '1' } },
        data: { k: 'v' },
      },
      manager: 'kubectl-create',
      now: T1,
    });
    assert.deepEqual(fieldsOf(cm, 'kubectl-create', 'Update'), {
      'f:data': { '.': {}, 'f:k': {} },
      'f:metadata': { 'f:labels': { '.': {}, 'f:a': {} } },
    });
  });
});

describe('recordUpdate after an apply', () => {
  const applied = applyConfiguration({
    live: undefined,
    config: guestbook(),
    manager: 'kubectl',
    force: false,
    now: T1,
  });
  assert.ok(applied.ok);
  const live = applied.object;

  it('takes a changed field from the applier (kubectl scale), and the applier then conflicts', () => {
    const scaled = recordUpdate({
      before: live,
      after: withSpec(live, { replicas: 4 }),
      manager: 'kubectl',
      now: T2,
    });
    assert.deepEqual(managersOf(scaled), ['kubectl/Apply', 'kubectl/Update']);
    assert.deepEqual(fieldsOf(scaled, 'kubectl', 'Update'), { 'f:spec': { 'f:replicas': {} } });
    assert.equal(fieldsOf(scaled, 'kubectl', 'Apply')?.['f:spec']?.['f:replicas'], undefined);

    const reapply = applyConfiguration({
      live: scaled,
      config: guestbook(),
      manager: 'kubectl',
      force: false,
      now: T3,
    });
    assert.equal(reapply.ok, false);
    if (reapply.ok) return;
    assert.deepEqual(reapply.conflicts, [
      { manager: 'kubectl', field: '.spec.replicas', operation: 'Update', apiVersion: 'apps/v1', time: T2 },
    ]);
  });

  it('removes deleted fields from every owner', () => {
    const { revisionHistoryLimit: _, ...rest } = live.spec as Record<string, unknown>;
    const edited = recordUpdate({
      before: live,
      after: { ...live, spec: rest },
      manager: 'kubectl-edit',
      now: T2,
    });
    assert.equal(fieldsOf(edited, 'kubectl')?.['f:spec']?.['f:revisionHistoryLimit'], undefined);
    // A write that only removes gives its manager nothing to own.
    assert.deepEqual(managersOf(edited), ['kubectl/Apply']);
  });

  it('leaves managedFields untouched when nothing changed', () => {
    const same = recordUpdate({ before: live, after: live, manager: 'kubectl-replace', now: T3 });
    assert.deepEqual(entries(same), entries(live));
  });

  it('resets managedFields when the write sends [{}]', () => {
    const reset = recordUpdate({
      before: live,
      after: {
        ...withSpec(live, { replicas: 2 }),
        metadata: { ...live.metadata, managedFields: [{}] as never },
      },
      manager: 'fixer',
      now: T2,
    });
    assert.deepEqual(managersOf(reset), ['fixer/Update']);
    assert.deepEqual(fieldsOf(reset, 'fixer', 'Update'), { 'f:spec': { 'f:replicas': {} } });
    const cleared = recordUpdate({
      before: live,
      after: { ...live, metadata: { ...live.metadata, managedFields: [{}] as never } },
      manager: 'fixer',
      now: T2,
    });
    assert.equal(cleared.metadata.managedFields, undefined);
  });

  it('keeps managedFields a write sends explicitly', () => {
    const explicit = [
      {
        manager: 'someone',
        operation: 'Update' as const,
        apiVersion: 'apps/v1',
        time: T1,
        fieldsType: 'FieldsV1' as const,
        fieldsV1: { 'f:spec': { 'f:paused': {} } },
      },
    ];
    const out = recordUpdate({
      before: live,
      after: { ...live, metadata: { ...live.metadata, managedFields: explicit } },
      manager: 'x',
      now: T2,
    });
    assert.deepEqual(entries(out), explicit);
  });

  it('records status writes under the status subresource only', () => {
    const withStatus = recordUpdate({
      before: live,
      after: { ...live, status: { replicas: 1, readyReplicas: 1 } },
      manager: 'kube-controller-manager',
      now: T2,
      subresource: 'status',
    });
    const entry = entries(withStatus).find((e) => e.manager === 'kube-controller-manager');
    assert.deepEqual(entry, {
      manager: 'kube-controller-manager',
      operation: 'Update',
      apiVersion: 'apps/v1',
      time: T2,
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:status': { 'f:readyReplicas': {}, 'f:replicas': {} } },
      subresource: 'status',
    });
    // A status write that also carried a spec change does not own the spec.
    const sneaky = recordUpdate({
      before: live,
      after: { ...withSpec(live, { replicas: 9 }), status: { replicas: 1 } },
      manager: 'kcm',
      now: T2,
      subresource: 'status',
    });
    assert.deepEqual(fieldsOf(sneaky, 'kcm', 'Update'), { 'f:status': { 'f:replicas': {} } });
  });

  it('ignores status on writes to the main resource', () => {
    const out = recordUpdate({
      before: live,
      after: { ...live, status: { replicas: 3 } },
      manager: 'x',
      now: T2,
    });
    assert.deepEqual(managersOf(out), ['kubectl/Apply']);
  });
});

describe('update managers', () => {
  it('are capped at 10, the oldest merged into ancient-changes', () => {
    let obj = recordUpdate({
      before: undefined,
      after: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { k0: 'v' } },
      manager: 'm0',
      now: '2024-01-01T00:00:00Z',
    });
    for (let i = 1; i <= 11; i++) {
      const hour = String(i).padStart(2, '0');
      obj = recordUpdate({
        before: obj,
        after: { ...obj, data: { ...(obj.data as object), [`k${i}`]: 'v' } },
        manager: `m${i}`,
        now: `2024-01-01T${hour}:00:00Z`,
      });
    }
    const names = managersOf(obj);
    assert.equal(names.length, 10);
    assert.ok(names.includes('ancient-changes/Update'));
    // The three oldest (m0 created the map) went into the bucket; m3..m11 remain.
    assert.deepEqual(
      names.slice(1),
      ['m3', 'm4', 'm5', 'm6', 'm7', 'm8', 'm9', 'm10', 'm11'].map((m) => `${m}/Update`),
    );
    assert.deepEqual(fieldsOf(obj, 'ancient-changes', 'Update'), {
      'f:data': { '.': {}, 'f:k0': {}, 'f:k1': {}, 'f:k2': {} },
    });
  });
});

describe('kubectl moving from client-side to server-side apply', () => {
  const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
  const config = guestbook();
  const csa = recordUpdate({
    before: undefined,
    after: {
      ...config,
      metadata: { ...config.metadata, annotations: { [LAST_APPLIED]: JSON.stringify(config) } },
    },
    manager: 'kubectl-client-side-apply',
    now: T1,
  });
  const bumped = { ...config, spec: { ...(config.spec as object), replicas: 2 } };

  it('does not conflict on fields the last-applied annotation still matches', () => {
    const outcome = applyConfiguration({
      live: csa,
      config: bumped,
      manager: 'kubectl',
      force: false,
      now: T2,
    });
    assert.ok(outcome.ok, JSON.stringify(outcome));
    assert.equal((outcome.object.spec as { replicas: number }).replicas, 2);
    // kubectl keeps the annotation in step with what it applied.
    const annotation = outcome.object.metadata.annotations?.[LAST_APPLIED];
    assert.equal(JSON.parse(annotation ?? '{}').spec.replicas, 2);
  });

  it('conflicts for any other field manager', () => {
    const outcome = applyConfiguration({ live: csa, config: bumped, manager: 'argo', force: false, now: T2 });
    assert.equal(outcome.ok, false);
  });
});
