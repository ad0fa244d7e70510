import assert from 'node:assert/strict';
import { test } from 'node:test';
import { idKindOf, newId } from '../src/index.ts';

test('ids carry their kind and sort by creation time', () => {
  const a = newId('deployment', 1_700_000_000_000);
  const b = newId('deployment', 1_700_000_000_001);
  assert.match(a, /^dep_[0-9a-z]{24}$/);
  assert.ok(a < b);
  assert.equal(idKindOf(b), 'deployment');
  assert.equal(idKindOf('zzz_123'), undefined);
});
