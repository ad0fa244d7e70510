// Field ownership checked against what real apiservers produced. The managedFields below
// are transcribed from `kubectl get --show-managed-fields` output published in a public
// write-up (a controller applying a Deployment, kubectl forcing .spec.replicas) and from the
// Kubernetes server-side apply documentation (ConfigMap test-cm).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ApplyOutcome } from '../src/ssa/index.ts';
import { applyConfiguration, conflictMessage, recordUpdate } from '../src/ssa/index.ts';
import type { KubeObject } from '../src/types.ts';
import { entries, fieldsOf, managersOf } from './ssa/fixtures.ts';

function applied(outcome: ApplyOutcome): KubeObject {
  assert.ok(outcome.ok, `apply failed: ${JSON.stringify(outcome)}`);
  return outcome.object;
}

const UID = '6c9e435e-5edf-4a13-868d-d0b85aa09d1a';
const ownerReferences = [
  {
    apiVersion: 'test.example.com/v1alpha1',
    kind: 'Reconciler',
    name: 'reconciler-sample',
    uid: UID,
    controller: true,
    blockOwnerDeletion: true,
  },
];
const containerSecurity = {
  capabilities: { drop: ['ALL'] },
  runAsUser: 1001,
  runAsNonRoot: false,
  allowPrivilegeEscalation: false,
};
const podSecurity = { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } };

/** What the controller's first create stored: its Deployment after apiserver defaulting. */
function created(): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'reconciler', namespace: 'reconciler', ownerReferences },
    spec: {
      replicas: 1,
      progressDeadlineSeconds: 600,
      revisionHistoryLimit: 10,
      selector: { matchLabels: { app: 'reconciler-deployment' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: {
        metadata: { creationTimestamp: null, labels: { app: 'reconciler-deployment' } },
        spec: {
          containers: [
            {
              name: 'netshoot',
              image: 'nicolaka/netshoot',
              command: ['sleep', 'infinity'],
              resources: {},
              imagePullPolicy: 'IfNotPresent',
              securityContext: containerSecurity,
              terminationMessagePath: '/dev/termination-log',
              terminationMessagePolicy: 'File',
            },
          ],
          dnsPolicy: 'ClusterFirst',
          restartPolicy: 'Always',
          schedulerName: 'default-scheduler',
          securityContext: podSecurity,
          terminationGracePeriodSeconds: 30,
        },
      },
    },
    status: {},
  };
}

const NULL_TIMESTAMP: Record<string, unknown> = { creationTimestamp: null };

/** The controller's applied configuration: a typed Go Deployment marshalled to JSON. */
function reconcilerConfig(replicas: number): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    // Go marshals a zero metav1.Time as null.
    metadata: { name: 'reconciler', namespace: 'reconciler', ownerReferences, ...NULL_TIMESTAMP },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'reconciler-deployment' } },
      template: {
        metadata: { creationTimestamp: null, labels: { app: 'reconciler-deployment' } },
        spec: {
          containers: [
            {
              name: 'netshoot',
              image: 'nicolaka/netshoot',
              command: ['sleep', 'infinity'],
              resources: {},
              imagePullPolicy: 'IfNotPresent',
              securityContext: containerSecurity,
            },
          ],
          securityContext: podSecurity,
        },
      },
      strategy: {},
    },
    status: {},
  };
}

// Real output, manager reconciler-controller, operation Apply.
const RECONCILER_FIELDS = {
  'f:metadata': { 'f:ownerReferences': { [`k:{"uid":"${UID}"}`]: {} } },
  'f:spec': {
    'f:replicas': {},
    'f:selector': {},
    'f:strategy': {},
    'f:template': {
      'f:metadata': { 'f:creationTimestamp': {}, 'f:labels': { 'f:app': {} } },
      'f:spec': {
        'f:containers': {
          'k:{"name":"netshoot"}': {
            '.': {},
            'f:command': {},
            'f:image': {},
            'f:imagePullPolicy': {},
            'f:name': {},
            'f:resources': {},
            'f:securityContext': {
              'f:allowPrivilegeEscalation': {},
              'f:capabilities': { 'f:drop': {} },
              'f:runAsNonRoot': {},
              'f:runAsUser': {},
            },
          },
        },
        'f:securityContext': { 'f:runAsNonRoot': {}, 'f:seccompProfile': { 'f:type': {} } },
      },
    },
  },
};

// Real output, manager main (the controller binary creating the object), operation Update,
// after reconciler-controller forced .spec.replicas away from it.
const MAIN_FIELDS = {
  'f:metadata': { 'f:ownerReferences': { '.': {}, [`k:{"uid":"${UID}"}`]: {} } },
  'f:spec': {
    'f:progressDeadlineSeconds': {},
    'f:revisionHistoryLimit': {},
    'f:selector': {},
    'f:strategy': {
      'f:rollingUpdate': { '.': {}, 'f:maxSurge': {}, 'f:maxUnavailable': {} },
      'f:type': {},
    },
    'f:template': {
      'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
      'f:spec': {
        'f:containers': {
          'k:{"name":"netshoot"}': {
            '.': {},
            'f:command': {},
            'f:image': {},
            'f:imagePullPolicy': {},
            'f:name': {},
            'f:resources': {},
            'f:securityContext': {
              '.': {},
              'f:allowPrivilegeEscalation': {},
              'f:capabilities': { '.': {}, 'f:drop': {} },
              'f:runAsNonRoot': {},
              'f:runAsUser': {},
            },
            'f:terminationMessagePath': {},
            'f:terminationMessagePolicy': {},
          },
        },
        'f:dnsPolicy': {},
        'f:restartPolicy': {},
        'f:schedulerName': {},
        'f:securityContext': {
          '.': {},
          'f:runAsNonRoot': {},
          'f:seccompProfile': { '.': {}, 'f:type': {} },
        },
        'f:terminationGracePeriodSeconds': {},
      },
    },
  },
};

const T_CREATE = '2025-09-03T10:19:29Z';
const T_RECONCILE = '2025-09-03T10:24:31Z';
const T_KUBECTL = '2025-09-03T10:33:02Z';
const T_RECONCILE_AGAIN = '2025-09-03T10:35:04Z';

const kubectlReplicas: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'reconciler', namespace: 'reconciler' },
  spec: { replicas: 8 },
};

describe('a controller-owned Deployment (real managedFields)', () => {
  const afterCreate = recordUpdate({ before: undefined, after: created(), manager: 'main', now: T_CREATE });
  const reconciled = applied(
    applyConfiguration({
      live: afterCreate,
      config: reconcilerConfig(3),
      manager: 'reconciler-controller',
      force: true,
      now: T_RECONCILE,
    }),
  );

  it('encodes the applier and the creator exactly as the apiserver did', () => {
    assert.deepEqual(fieldsOf(reconciled, 'reconciler-controller'), RECONCILER_FIELDS);
    assert.deepEqual(fieldsOf(reconciled, 'main', 'Update'), MAIN_FIELDS);
    assert.deepEqual(
      entries(reconciled).map(({ fieldsV1: _, ...rest }) => rest),
      [
        {
          manager: 'reconciler-controller',
          operation: 'Apply',
          apiVersion: 'apps/v1',
          time: T_RECONCILE,
          fieldsType: 'FieldsV1',
        },
        {
          manager: 'main',
          operation: 'Update',
          apiVersion: 'apps/v1',
          time: T_CREATE,
          fieldsType: 'FieldsV1',
        },
      ],
    );
    assert.equal((reconciled.spec as { replicas: number }).replicas, 3);
  });

  it('writes "." first in FieldsV1 like the apiserver serializer', () => {
    const main = fieldsOf(reconciled, 'main', 'Update');
    const owners = main?.['f:metadata']?.['f:ownerReferences'];
    assert.deepEqual(Object.keys(owners ?? {}), ['.', `k:{"uid":"${UID}"}`]);
  });

  it('rejects kubectl changing .spec.replicas with the apiserver message', () => {
    const outcome = applyConfiguration({
      live: reconciled,
      config: kubectlReplicas,
      manager: 'kubectl',
      force: false,
      now: T_KUBECTL,
    });
    assert.equal(outcome.ok, false);
    if (outcome.ok) return;
    assert.deepEqual(
      outcome.conflicts.map((c) => [c.manager, c.field]),
      [['reconciler-controller', '.spec.replicas']],
    );
    assert.equal(
      conflictMessage(outcome.conflicts),
      'Apply failed with 1 conflict: conflict with "reconciler-controller": .spec.replicas',
    );
  });

  it('moves .spec.replicas to kubectl when forced, and back when the controller forces', () => {
    const forced = applied(
      applyConfiguration({
        live: reconciled,
        config: kubectlReplicas,
        manager: 'kubectl',
        force: true,
        now: T_KUBECTL,
      }),
    );
    const { 'f:replicas': _, ...reconcilerSpecWithoutReplicas } = RECONCILER_FIELDS['f:spec'];
    assert.deepEqual(fieldsOf(forced, 'reconciler-controller'), {
      ...RECONCILER_FIELDS,
      'f:spec': reconcilerSpecWithoutReplicas,
    });
    assert.deepEqual(fieldsOf(forced, 'kubectl'), { 'f:spec': { 'f:replicas': {} } });
    assert.deepEqual(managersOf(forced), ['reconciler-controller/Apply', 'kubectl/Apply', 'main/Update']);
    assert.equal((forced.spec as { replicas: number }).replicas, 8);

    const back = applied(
      applyConfiguration({
        live: forced,
        config: reconcilerConfig(3),
        manager: 'reconciler-controller',
        force: true,
        now: T_RECONCILE_AGAIN,
      }),
    );
    // kubectl owned nothing else, so its entry disappears.
    assert.deepEqual(managersOf(back), ['reconciler-controller/Apply', 'main/Update']);
    assert.deepEqual(fieldsOf(back, 'reconciler-controller'), RECONCILER_FIELDS);
    assert.equal(entries(back)[0]?.time, T_RECONCILE_AGAIN);
  });
});

describe('the server-side apply documentation ConfigMap', () => {
  const config: KubeObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'test-cm', namespace: 'default', labels: { 'test-label': 'test' } },
    data: { key: 'some value' },
  };
  const APPLY_TIME = '2019-03-30T15:00:00Z';
  const UPDATE_TIME = '2019-03-30T16:00:00Z';
  const cm = applied(
    applyConfiguration({ live: undefined, config, manager: 'kubectl', force: false, now: APPLY_TIME }),
  );

  it('records the applied fields', () => {
    assert.deepEqual(entries(cm), [
      {
        manager: 'kubectl',
        operation: 'Apply',
        apiVersion: 'v1',
        time: APPLY_TIME,
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:metadata': { 'f:labels': { 'f:test-label': {} } }, 'f:data': { 'f:key': {} } },
      },
    ]);
  });

  const updated = recordUpdate({
    before: cm,
    after: { ...cm, data: { key: 'new value' } },
    manager: 'kube-controller-manager',
    now: UPDATE_TIME,
  });

  it('gives data.key to the manager whose update changed it', () => {
    assert.deepEqual(entries(updated), [
      {
        manager: 'kubectl',
        operation: 'Apply',
        apiVersion: 'v1',
        time: APPLY_TIME,
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:metadata': { 'f:labels': { 'f:test-label': {} } } },
      },
      {
        manager: 'kube-controller-manager',
        operation: 'Update',
        apiVersion: 'v1',
        time: UPDATE_TIME,
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:data': { 'f:key': {} } },
      },
    ]);
  });

  it('makes the applier conflict when it re-applies its old value', () => {
    const outcome = applyConfiguration({
      live: updated,
      config,
      manager: 'kubectl',
      force: false,
      now: UPDATE_TIME,
    });
    assert.equal(outcome.ok, false);
    if (outcome.ok) return;
    assert.equal(
      conflictMessage(outcome.conflicts),
      `Apply failed with 1 conflict: conflict with "kube-controller-manager" using v1 at ${UPDATE_TIME}: .data.key`,
    );
  });
});
