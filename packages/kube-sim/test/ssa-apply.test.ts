// Server-side apply semantics on real manifests: no-ops, shared ownership, conflicts, force,
// pruning of dropped fields, list types, status, and purity.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ApplyInput, ApplyOutcome } from '../src/ssa/index.ts';
import {
  ApplyError,
  applyConfiguration,
  conflictMessage,
  conflictStatus,
  recordUpdate,
} from '../src/ssa/index.ts';
import type { KubeObject } from '../src/types.ts';
import { copy, deepFreeze, fieldsOf, managersOf, manifest } from './ssa/fixtures.ts';

const T1 = '2024-05-01T10:00:00Z';
const T2 = '2024-05-01T11:00:00Z';
const T3 = '2024-05-01T12:00:00Z';

function apply(
  live: KubeObject | undefined,
  config: KubeObject,
  manager: string,
  opts: Partial<ApplyInput> = {},
) {
  return applyConfiguration({ live, config, manager, force: false, now: T1, ...opts });
}

function ok(outcome: ApplyOutcome): KubeObject {
  assert.ok(outcome.ok, `apply failed: ${JSON.stringify(outcome)}`);
  return outcome.object;
}

function conflictsOf(outcome: ApplyOutcome): string[][] {
  assert.equal(outcome.ok, false, 'expected conflicts');
  return outcome.ok ? [] : outcome.conflicts.map((c) => [c.manager, c.field]);
}

type Container = { name: string; image?: string; ports?: Record<string, unknown>[] };
type PodSpec = { containers: Container[]; tolerations?: unknown[] };
const podSpec = (obj: KubeObject) => (obj.spec as { template: { spec: PodSpec } }).template.spec;
const spec = (obj: KubeObject) => obj.spec as Record<string, unknown>;

const guestbook = () => manifest('guestbook/guestbook-ui-deployment.yaml');
const gbPatch = (spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'guestbook-ui' },
  spec,
});
const gbContainers = (containers: Container[]) => gbPatch({ template: { spec: { containers } } });

describe('applying the guestbook Deployment', () => {
  const created = ok(apply(undefined, guestbook(), 'kubectl'));

  it('creates the object from the configuration with one Apply entry', () => {
    assert.deepEqual(created.spec, guestbook().spec);
    assert.deepEqual(managersOf(created), ['kubectl/Apply']);
    assert.deepEqual(fieldsOf(created, 'kubectl'), {
      'f:spec': {
        'f:replicas': {},
        'f:revisionHistoryLimit': {},
        'f:selector': {},
        'f:template': {
          'f:metadata': { 'f:labels': { 'f:app': {} } },
          'f:spec': {
            'f:containers': {
              'k:{"name":"guestbook-ui"}': {
                '.': {},
                'f:image': {},
                'f:name': {},
                'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
              },
            },
          },
        },
      },
    });
  });

  it('re-applying the identical configuration changes nothing and returns the live object', () => {
    const outcome = apply(created, guestbook(), 'kubectl', { now: T2 });
    assert.ok(outcome.ok);
    assert.equal(outcome.changed, false);
    assert.equal(outcome.object, created);
  });

  it('lets a second manager share a field it sets to the same value', () => {
    const shared = ok(apply(created, gbPatch({ replicas: 1 }), 'ci', { now: T2 }));
    assert.deepEqual(fieldsOf(shared, 'ci'), { 'f:spec': { 'f:replicas': {} } });
    assert.ok(fieldsOf(shared, 'kubectl')?.['f:spec']?.['f:replicas']);
    // Once shared, changing the value conflicts with the co-owner.
    assert.deepEqual(conflictsOf(apply(shared, gbPatch({ replicas: 2 }), 'ci', { now: T3 })), [
      ['kubectl', '.spec.replicas'],
    ]);
  });

  it('reports conflicts with the owner and the field path', () => {
    const outcome = apply(
      created,
      gbPatch({
        replicas: 3,
        template: { spec: { containers: [{ name: 'guestbook-ui', image: 'gb-frontend:v6' }] } },
      }),
      'ci',
    );
    assert.deepEqual(conflictsOf(outcome), [
      ['kubectl', '.spec.replicas'],
      ['kubectl', '.spec.template.spec.containers[name="guestbook-ui"].image'],
    ]);
    assert.ok(!outcome.ok);
    const message =
      'Apply failed with 2 conflicts: conflicts with "kubectl":\n- .spec.replicas\n- .spec.template.spec.containers[name="guestbook-ui"].image';
    assert.equal(conflictMessage(outcome.conflicts), message);
    assert.deepEqual(conflictStatus(outcome.conflicts), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message,
      reason: 'Conflict',
      details: {
        causes: [
          { reason: 'FieldManagerConflict', message: 'conflict with "kubectl"', field: '.spec.replicas' },
          {
            reason: 'FieldManagerConflict',
            message: 'conflict with "kubectl"',
            field: '.spec.template.spec.containers[name="guestbook-ui"].image',
          },
        ],
      },
      code: 409,
    });
  });

  it('with force takes the value and the ownership', () => {
    const forced = ok(
      apply(created, gbContainers([{ name: 'guestbook-ui', image: 'gb-frontend:v6' }]), 'ci', {
        force: true,
        now: T2,
      }),
    );
    assert.equal(podSpec(forced).containers[0]?.image, 'gb-frontend:v6');
    const item = fieldsOf(forced, 'kubectl')?.['f:spec']?.['f:template']?.['f:spec']?.['f:containers']?.[
      'k:{"name":"guestbook-ui"}'
    ];
    assert.ok(item && !('f:image' in item) && 'f:name' in item && 'f:ports' in item);
    assert.deepEqual(fieldsOf(forced, 'ci'), {
      'f:spec': {
        'f:template': {
          'f:spec': {
            'f:containers': { 'k:{"name":"guestbook-ui"}': { '.': {}, 'f:image': {}, 'f:name': {} } },
          },
        },
      },
    });
    // The old owner now conflicts when it re-applies its own value.
    assert.deepEqual(conflictsOf(apply(forced, guestbook(), 'kubectl', { now: T3 })), [
      ['ci', '.spec.template.spec.containers[name="guestbook-ui"].image'],
    ]);
  });
});

describe('fields dropped from an applied configuration', () => {
  const created = ok(apply(undefined, guestbook(), 'kubectl'));
  const withoutHistory = () => {
    const config = guestbook();
    delete spec(config).revisionHistoryLimit;
    return config;
  };

  it('are removed when nobody else owns them', () => {
    const after = ok(apply(created, withoutHistory(), 'kubectl', { now: T2 }));
    assert.equal(spec(after).revisionHistoryLimit, undefined);
    assert.equal(fieldsOf(after, 'kubectl')?.['f:spec']?.['f:revisionHistoryLimit'], undefined);
  });

  it('stay when another manager co-owns them', () => {
    const shared = ok(apply(created, gbPatch({ revisionHistoryLimit: 3 }), 'ops', { now: T2 }));
    const after = ok(apply(shared, withoutHistory(), 'kubectl', { now: T3 }));
    assert.equal(spec(after).revisionHistoryLimit, 3);
    assert.deepEqual(fieldsOf(after, 'ops'), { 'f:spec': { 'f:revisionHistoryLimit': {} } });
    assert.equal(fieldsOf(after, 'kubectl')?.['f:spec']?.['f:revisionHistoryLimit'], undefined);
  });

  it('stay when an updater owns them', () => {
    const updated = recordUpdate({
      before: created,
      after: { ...created, spec: { ...spec(created), revisionHistoryLimit: 5 } },
      manager: 'kubectl-edit',
      now: T2,
    });
    const after = ok(apply(updated, withoutHistory(), 'kubectl', { now: T3 }));
    assert.equal(spec(after).revisionHistoryLimit, 5);
  });

  it('remove only the dropped key of a map (labels of sock-shop carts)', () => {
    const carts = manifest('sock-shop/base/carts-dep.yaml');
    const v1 = copy(carts);
    v1.metadata.labels = { ...v1.metadata.labels, tier: 'backend' };
    const live = ok(apply(undefined, v1, 'kubectl'));
    const after = ok(apply(live, carts, 'kubectl', { now: T2 }));
    assert.deepEqual(after.metadata.labels, { name: 'carts' });
    // Other data under the container survives untouched.
    assert.deepEqual(podSpec(after).containers, podSpec(carts).containers);
  });
});

describe('associative lists', () => {
  const created = ok(apply(undefined, guestbook(), 'kubectl'));

  it('merge containers by name: another manager adds a sidecar without touching ours', () => {
    const injected = ok(
      apply(created, gbContainers([{ name: 'proxy', image: 'envoy:1.30' }]), 'injector', { now: T2 }),
    );
    assert.deepEqual(
      podSpec(injected).containers.map((c) => c.name),
      ['guestbook-ui', 'proxy'],
    );
    assert.deepEqual(podSpec(injected).containers[0], podSpec(guestbook()).containers[0]);
    // kubectl re-applying its configuration leaves the injector's container alone.
    const reapplied = apply(injected, guestbook(), 'kubectl', { now: T3 });
    assert.ok(reapplied.ok && !reapplied.changed);
  });

  it('remove an item the applier dropped', () => {
    const two = guestbook();
    podSpec(two).containers.push({ name: 'metrics', image: 'exporter:1' });
    const live = ok(apply(undefined, two, 'kubectl'));
    assert.equal(podSpec(live).containers.length, 2);
    const after = ok(apply(live, guestbook(), 'kubectl', { now: T2 }));
    assert.deepEqual(
      podSpec(after).containers.map((c) => c.name),
      ['guestbook-ui'],
    );
  });

  it('key container ports by containerPort and protocol (TCP by default)', () => {
    const udp = guestbook();
    const container = podSpec(udp).containers[0];
    assert.ok(container);
    container.ports = [{ containerPort: 80 }, { containerPort: 80, protocol: 'UDP' }];
    const live = ok(apply(created, udp, 'kubectl', { now: T2 }));
    assert.equal(podSpec(live).containers[0]?.ports?.length, 2);
    const ports = fieldsOf(live, 'kubectl')?.['f:spec']?.['f:template']?.['f:spec']?.['f:containers']?.[
      'k:{"name":"guestbook-ui"}'
    ]?.['f:ports'];
    assert.deepEqual(Object.keys(ports ?? {}), [
      'k:{"containerPort":80,"protocol":"TCP"}',
      'k:{"containerPort":80,"protocol":"UDP"}',
    ]);
    // Another manager adds a port; then kubectl drops UDP: only the UDP entry goes.
    const metrics = ok(
      apply(
        live,
        gbContainers([{ name: 'guestbook-ui', ports: [{ containerPort: 9090, name: 'metrics' }] }]),
        'prom',
        {
          now: T3,
        },
      ),
    );
    const after = ok(apply(metrics, guestbook(), 'kubectl', { now: T3 }));
    assert.deepEqual(podSpec(after).containers[0]?.ports, [
      { containerPort: 80 },
      { containerPort: 9090, name: 'metrics' },
    ]);
  });

  it('reject a list item without its key, as the apiserver does', () => {
    assert.throws(
      () => apply(created, gbContainers([{ name: 'guestbook-ui', ports: [{ name: 'http' }] }]), 'x'),
      (err: unknown) =>
        err instanceof ApplyError &&
        err.message ===
          'failed to create typed patch object (apps/v1, Kind=Deployment): .spec.template.spec.containers[name="guestbook-ui"].ports: element 0: associative list with keys has an element that omits key field "containerPort" (and doesn\'t have default value)',
    );
  });
});

describe('atomic and set lists', () => {
  const tolerations = (list: unknown[]) => gbPatch({ template: { spec: { tolerations: list } } });
  const a = { key: 'a', operator: 'Exists' };
  const b = { key: 'b', operator: 'Exists' };
  const c = { key: 'c', operator: 'Exists' };

  it('replace atomic lists as a whole and own them as one field', () => {
    const live = ok(
      apply(ok(apply(undefined, guestbook(), 'kubectl')), tolerations([a, b]), 'sched', { now: T2 }),
    );
    assert.deepEqual(fieldsOf(live, 'sched'), {
      'f:spec': { 'f:template': { 'f:spec': { 'f:tolerations': {} } } },
    });
    assert.deepEqual(conflictsOf(apply(live, tolerations([c]), 'other', { now: T3 })), [
      ['sched', '.spec.template.spec.tolerations'],
    ]);
    const forced = ok(apply(live, tolerations([c]), 'other', { now: T3, force: true }));
    assert.deepEqual(podSpec(forced).tolerations, [c]);
    assert.deepEqual(managersOf(forced), ['kubectl/Apply', 'other/Apply']);
  });

  it('merge finalizers as a set, one owner per value', () => {
    const cm = (finalizers: string[]): KubeObject => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cm', finalizers },
    });
    const one = ok(apply(undefined, cm(['example.com/a']), 'a'));
    const two = ok(apply(one, cm(['example.com/b']), 'b', { now: T2 }));
    assert.deepEqual(two.metadata.finalizers, ['example.com/a', 'example.com/b']);
    assert.deepEqual(fieldsOf(two, 'b'), { 'f:metadata': { 'f:finalizers': { 'v:"example.com/b"': {} } } });
    const dropped = ok(apply(two, cm([]), 'a', { now: T3 }));
    assert.deepEqual(dropped.metadata.finalizers, ['example.com/b']);
  });
});

describe('status and server-set metadata', () => {
  const live: KubeObject = {
    ...ok(apply(undefined, guestbook(), 'kubectl')),
    status: { replicas: 1, readyReplicas: 1, observedGeneration: 1 },
  };
  live.metadata = {
    ...live.metadata,
    uid: 'u-1',
    resourceVersion: '42',
    generation: 1,
    creationTimestamp: T1,
  };

  it('apply to the main resource ignores status in the config and keeps the live status', () => {
    const config = { ...guestbook(), status: { replicas: 99 } };
    const outcome = apply(live, config, 'kubectl', { now: T2 });
    assert.ok(outcome.ok);
    assert.equal(outcome.changed, false);
    assert.deepEqual(outcome.object.status, live.status);
  });

  it('never takes uid, resourceVersion or generation from the config', () => {
    const config = copy(guestbook());
    config.metadata = {
      ...config.metadata,
      uid: 'evil',
      resourceVersion: '1',
      generation: 7,
      labels: { a: 'b' },
    };
    const after = ok(apply(live, config, 'kubectl', { now: T2 }));
    assert.equal(after.metadata.uid, 'u-1');
    assert.equal(after.metadata.resourceVersion, '42');
    assert.equal(after.metadata.generation, 1);
    assert.deepEqual(fieldsOf(after, 'kubectl')?.['f:metadata'], { 'f:labels': { 'f:a': {} } });
  });
});

describe('apply to the status subresource', () => {
  it('merges and owns only status, leaving the spec alone', () => {
    const live = ok(apply(undefined, guestbook(), 'kubectl'));
    const config = { ...gbPatch({ replicas: 7 }), status: { replicas: 1, availableReplicas: 1 } };
    const after = ok(apply(live, config, 'controller', { subresource: 'status', now: T2 }));
    assert.equal(spec(after).replicas, 1);
    assert.deepEqual(after.status, { replicas: 1, availableReplicas: 1 });
    const entry = after.metadata.managedFields?.find((e) => e.manager === 'controller');
    assert.equal(entry?.subresource, 'status');
    assert.deepEqual(entry?.fieldsV1, { 'f:status': { 'f:availableReplicas': {}, 'f:replicas': {} } });
  });
});

describe('malformed configurations', () => {
  it('reject duplicate keys in an associative list', () => {
    const config = gbContainers([
      { name: 'a', image: 'x' },
      { name: 'a', image: 'y' },
    ]);
    assert.throws(
      () => apply(undefined, config, 'kubectl'),
      (err: unknown) =>
        err instanceof ApplyError &&
        err.message.endsWith('.spec.template.spec.containers: duplicate entries for key [name="a"]'),
    );
  });
});

describe('purity', () => {
  it('never mutates live or config', () => {
    const live = deepFreeze(ok(apply(undefined, guestbook(), 'kubectl')));
    const config = deepFreeze(gbContainers([{ name: 'guestbook-ui', image: 'v9' }]));
    const before = JSON.stringify([live, config]);
    const outcome = apply(live, config, 'ci', { force: true, now: T2 });
    assert.ok(outcome.ok && outcome.changed);
    recordUpdate({ before: live, after: outcome.object, manager: 'x', now: T3 });
    assert.equal(JSON.stringify([live, config]), before);
  });
});
