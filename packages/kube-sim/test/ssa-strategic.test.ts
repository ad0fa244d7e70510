// Strategic merge patch: vectors from k8s.io/apimachinery's strategicpatch tests (the MergeItem
// test type rebuilt with the schema table), then the patches kubectl sends for built-in kinds.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { PatchError, strategicMergePatch } from '../src/ssa/index.ts';
import { compileSchema, listMap, MAP, SET } from '../src/ssa/schema.ts';
import { strategicMergePatchWithSchema } from '../src/ssa/strategic.ts';
import type { KubeObject } from '../src/types.ts';
import { copy, deepFreeze, manifest } from './ssa/fixtures.ts';

// MergeItem: mergingList (merge by name), mergingIntList (merge), nonMerging* (replace),
// simpleMap, retainKeysMergingList (merge by name).
const MERGE_ITEM = compileSchema({
  mergingList: listMap(['name']),
  'mergingList[].mergingList': listMap(['name']),
  'mergingList[].mergingIntList': SET,
  mergingIntList: SET,
  simpleMap: MAP,
  retainKeysMergingList: listMap(['name']),
  'retainKeysMap.mergingList': listMap(['name']),
  'retainKeysMap.mergingIntList': SET,
});

function smp(original: string, patch: string): unknown {
  return strategicMergePatchWithSchema(deepFreeze(parse(original)), deepFreeze(parse(patch)), MERGE_ITEM);
}

// [description, original, patch, result] — exact results, list order included.
const VECTORS: Array<[string, string, string, string]> = [
  [
    'unique scalars when merging lists',
    'mergingIntList: [1, 2]',
    'mergingIntList: [2, 3]',
    'mergingIntList: [1, 2, 3]',
  ],
  [
    'delete map from nested map',
    'simpleMap: {key1: 1, key2: 1}',
    'simpleMap: {$patch: delete}',
    'simpleMap: {}',
  ],
  [
    'delete all items from merging list',
    'mergingList: [{name: 1}, {name: 2}]',
    'mergingList: [{$patch: replace}]',
    'mergingList: []',
  ],
  ['merge empty merging lists', 'mergingList: []', 'mergingList: []', 'mergingList: []'],
  ['delete all keys from map', '{name: 1, value: 1}', '$patch: replace', '{}'],
  [
    'add key and delete all keys from map',
    '{name: 1, value: 1}',
    '{other: a, $patch: replace}',
    '{other: a}',
  ],
  [
    'preserve the order from the patch in a merging list',
    'mergingList: [{name: 1}, {name: 2, value: b}, {name: 3}]',
    'mergingList: [{name: 3, value: c}, {name: 1, value: a}, {name: 2, other: x}]',
    'mergingList: [{name: 3, value: c}, {name: 1, value: a}, {name: 2, value: b, other: x}]',
  ],
  [
    'preserve the order from the patch in a merging list 2',
    'mergingList: [{name: 1}, {name: 2, value: b}, {name: 3}]',
    'mergingList: [{name: 3, value: c}, {name: 1, value: a}]',
    'mergingList: [{name: 2, value: b}, {name: 3, value: c}, {name: 1, value: a}]',
  ],
  [
    'preserve the order from the patch in a merging int list',
    'mergingIntList: [1, 2, 3]',
    'mergingIntList: [3, 1]',
    'mergingIntList: [2, 3, 1]',
  ],
  [
    '$setElementOrder contains item that is not present in the list to be merged',
    'mergingList: [{name: 1}, {name: 3}]',
    '{$setElementOrder/mergingList: [{name: 3}, {name: 2}, {name: 1}], mergingList: [{name: 3, value: 3}, {name: 1, value: 1}]}',
    'mergingList: [{name: 3, value: 3}, {name: 1, value: 1}]',
  ],
  [
    '$setElementOrder contains item that is not present in the int list to be merged',
    'mergingIntList: [1, 3]',
    '$setElementOrder/mergingIntList: [3, 2, 1]',
    'mergingIntList: [3, 1]',
  ],
  ['nil original', '{}', '{name: 1, value: 1}', '{name: 1, value: 1}'],
  [
    'add field and delete field from map',
    '{name: 1, other: a}',
    '{name: null, value: 1}',
    '{value: 1, other: a}',
  ],
  [
    'delete field from nested map',
    'simpleMap: {key1: 1, key2: 1, other: a}',
    'simpleMap: {key2: null}',
    'simpleMap: {key1: 1, other: a}',
  ],
  [
    'replace list of scalars',
    'nonMergingIntList: [1, 4]',
    'nonMergingIntList: [2, 3]',
    'nonMergingIntList: [2, 3]',
  ],
  [
    'delete all maps from merging list',
    'mergingList: [{name: 1, other: a}, {name: 2, other: b}]',
    'mergingList: [{name: 1, $patch: delete}, {name: 2, $patch: delete}]',
    'mergingList: []',
  ],
  [
    'delete items in lists of scalars',
    'mergingIntList: [1, 2, 3, 4]',
    '{$setElementOrder/mergingIntList: [1, 2], $deleteFromPrimitiveList/mergingIntList: [3]}',
    'mergingIntList: [1, 2, 4]',
  ],
  [
    'delete all duplicate items in lists of scalars',
    'mergingIntList: [1, 2, 3, 3, 4]',
    '{$setElementOrder/mergingIntList: [1, 2], $deleteFromPrimitiveList/mergingIntList: [3]}',
    'mergingIntList: [1, 2, 4]',
  ],
  [
    'merge lists of maps',
    'mergingList: [{name: 1, other: a}, {name: 2, value: 2, other: b}]',
    '{$setElementOrder/mergingList: [{name: 4}, {name: 1}, {name: 2}, {name: 3}], mergingList: [{name: 4, value: 4}, {name: 3, value: 3}]}',
    'mergingList: [{name: 4, value: 4}, {name: 1, other: a}, {name: 2, value: 2, other: b}, {name: 3, value: 3}]',
  ],
  [
    'merge lists of maps with conflict',
    'mergingList: [{name: 1, other: a}, {name: 2, value: 3, other: b}]',
    '{$setElementOrder/mergingList: [{name: 1}, {name: 2}, {name: 3}], mergingList: [{name: 2, value: 2}, {name: 3, value: 3}]}',
    'mergingList: [{name: 1, other: a}, {name: 2, value: 2, other: b}, {name: 3, value: 3}]',
  ],
  [
    'delete map from merging list',
    'mergingList: [{name: 1}, {name: 2, other: b}]',
    '{$setElementOrder/mergingList: [{name: 2}], mergingList: [{name: 1, $patch: delete}]}',
    'mergingList: [{name: 2, other: b}]',
  ],
  [
    'delete missing map from merging list with conflict',
    'mergingList: [{name: 3, other: a}]',
    '{$setElementOrder/mergingList: [{name: 2}], mergingList: [{name: 2}, {name: 1, $patch: delete}]}',
    'mergingList: [{name: 2}, {name: 3, other: a}]',
  ],
  [
    'add map and delete map from merging list',
    'mergingList: [{name: 1}, {name: 2, other: b}, {name: 4, other: c}]',
    '{$setElementOrder/mergingList: [{name: 2}, {name: 3}], mergingList: [{name: 3}, {name: 1, $patch: delete}]}',
    'mergingList: [{name: 2, other: b}, {name: 4, other: c}, {name: 3}]',
  ],
  [
    'add map and delete map from merging list with conflict',
    'mergingList: [{name: 1, other: a}, {name: 4, other: c}]',
    '{$setElementOrder/mergingList: [{name: 2}, {name: 3}], mergingList: [{name: 2}, {name: 3}, {name: 1, $patch: delete}]}',
    'mergingList: [{name: 4, other: c}, {name: 2}, {name: 3}]',
  ],
  [
    'delete field from map in merging list',
    'mergingList: [{name: 1, value: 1, other: a}, {name: 2, value: 2, other: b}]',
    '{$setElementOrder/mergingList: [{name: 1}, {name: 2}], mergingList: [{name: 1, value: null}]}',
    'mergingList: [{name: 1, other: a}, {name: 2, value: 2, other: b}]',
  ],
  [
    'replace non merging list nested in merging list',
    'mergingList: [{name: 1, other: a, nonMergingList: [{name: 1}, {name: 2, value: 2}]}, {name: 2, other: b}]',
    '{$setElementOrder/mergingList: [{name: 1}, {name: 2}], mergingList: [{name: 1, nonMergingList: [{name: 1, value: 1}]}]}',
    'mergingList: [{name: 1, other: a, nonMergingList: [{name: 1, value: 1}]}, {name: 2, other: b}]',
  ],
];

describe('strategicMergePatch: apimachinery vectors', () => {
  for (const [description, original, patch, result] of VECTORS) {
    it(description, () => {
      assert.deepEqual(smp(original, patch), parse(result));
    });
  }

  const errors: Array<[string, string, string, RegExp]> = [
    [
      'order in the patch list must match $setElementOrder',
      'mergingList: [{name: 1}, {name: 3}, {name: 2}]',
      '{$setElementOrder/mergingList: [{name: 1}, {name: 2}, {name: 3}], mergingList: [{name: 3, value: 3}, {name: 1, value: 1}]}',
      /doesn't match/,
    ],
    [
      'missing merge key',
      'mergingList: [{name: 1, value: a}]',
      'mergingList: [{value: b}]',
      /does not contain declared merge key/,
    ],
    ['unknown directive', '{name: 1}', '$patch: frobnicate', /unknown patch type/],
  ];
  for (const [description, original, patch, message] of errors) {
    it(`rejects: ${description}`, () => {
      assert.throws(
        () => smp(original, patch),
        (err: unknown) => err instanceof PatchError && message.test(err.message),
      );
    });
  }
});

type Container = { name: string; image?: string; env?: unknown[]; ports?: unknown[] };
const containers = (obj: KubeObject) =>
  (obj.spec as { template: { spec: { containers: Container[] } } }).template.spec.containers;
const podPatch = (spec: Record<string, unknown>) => ({ spec: { template: { spec } } });

describe('strategicMergePatch on built-in kinds', () => {
  const guestbook = deepFreeze(manifest('guestbook/guestbook-ui-deployment.yaml'));
  const frontEnd = deepFreeze(manifest('sock-shop/base/front-end-dep.yaml'));

  it('merges a container by name (kubectl set image)', () => {
    const out = strategicMergePatch(
      guestbook,
      podPatch({ containers: [{ name: 'guestbook-ui', image: 'gb-frontend:v6' }] }),
    );
    assert.deepEqual(containers(out), [
      { image: 'gb-frontend:v6', name: 'guestbook-ui', ports: [{ containerPort: 80 }] },
    ]);
    assert.equal(containers(guestbook)[0]?.image, 'gcr.io/google-samples/gb-frontend:v5');
  });

  it('puts a new container before the existing ones, as the apiserver does', () => {
    const out = strategicMergePatch(guestbook, podPatch({ containers: [{ name: 'proxy', image: 'envoy' }] }));
    assert.deepEqual(
      containers(out).map((c) => c.name),
      ['proxy', 'guestbook-ui'],
    );
  });

  it('deletes a list item with $patch: delete', () => {
    const withSidecar = strategicMergePatch(
      guestbook,
      podPatch({ containers: [{ name: 'proxy', image: 'envoy' }] }),
    );
    const out = strategicMergePatch(
      withSidecar,
      podPatch({ containers: [{ name: 'proxy', $patch: 'delete' }] }),
    );
    assert.deepEqual(containers(out), containers(guestbook));
    const noEnv = strategicMergePatch(
      frontEnd,
      podPatch({ containers: [{ name: 'front-end', env: [{ name: 'SESSION_REDIS', $patch: 'delete' }] }] }),
    );
    assert.deepEqual(containers(noEnv)[0]?.env, []);
  });

  it('merges container ports by containerPort', () => {
    const out = strategicMergePatch(
      guestbook,
      podPatch({ containers: [{ name: 'guestbook-ui', ports: [{ containerPort: 80, name: 'http' }] }] }),
    );
    assert.deepEqual(containers(out)[0]?.ports, [{ containerPort: 80, name: 'http' }]);
  });

  it('replaces lists without a patch strategy (tolerations)', () => {
    const a = strategicMergePatch(guestbook, podPatch({ tolerations: [{ key: 'a', operator: 'Exists' }] }));
    const b = strategicMergePatch(a, podPatch({ tolerations: [{ key: 'b', operator: 'Exists' }] }));
    assert.deepEqual((b.spec as { template: { spec: { tolerations: unknown } } }).template.spec.tolerations, [
      { key: 'b', operator: 'Exists' },
    ]);
  });

  it('adds and removes labels (kubectl label)', () => {
    const labelled = strategicMergePatch(guestbook, { metadata: { labels: { tier: 'web' } } });
    assert.deepEqual(labelled.metadata.labels, { tier: 'web' });
    const carts = manifest('sock-shop/base/carts-dep.yaml');
    const both = strategicMergePatch(carts, { metadata: { labels: { tier: 'web' } } });
    assert.deepEqual(both.metadata.labels, { name: 'carts', tier: 'web' });
    const removed = strategicMergePatch(both, { metadata: { labels: { name: null } } });
    assert.deepEqual(removed.metadata.labels, { tier: 'web' });
  });

  it('honours $retainKeys (kubectl apply switching the Deployment strategy)', () => {
    const live = copy(guestbook);
    (live.spec as Record<string, unknown>).strategy = {
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' },
    };
    const out = strategicMergePatch(live, {
      spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } },
    });
    assert.deepEqual((out.spec as Record<string, unknown>).strategy, { type: 'Recreate' });
  });

  it('removes finalizers with $deleteFromPrimitiveList and merges new ones', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', finalizers: ['a', 'b'] } };
    assert.deepEqual(
      strategicMergePatch(cm, { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } }).metadata
        .finalizers,
      ['b'],
    );
    // Like containers, values the server did not have go first (mergeSortedSlice).
    assert.deepEqual(strategicMergePatch(cm, { metadata: { finalizers: ['c'] } }).metadata.finalizers, [
      'c',
      'a',
      'b',
    ]);
    assert.deepEqual(strategicMergePatch(cm, { metadata: { finalizers: ['b', 'c'] } }).metadata.finalizers, [
      'a',
      'b',
      'c',
    ]);
  });

  it('falls back to merge-patch semantics for unknown types', () => {
    const cr = {
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w' },
      spec: { items: [1, 2], opts: { a: 1 } },
    };
    const out = strategicMergePatch(cr, { spec: { items: [3], opts: { b: 2 } } });
    assert.deepEqual(out.spec, { items: [3], opts: { a: 1, b: 2 } });
  });
});
