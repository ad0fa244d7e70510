import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffCap, backoffDelay, createBackoff } from '../src/backoff.ts';

const OPTS = { minMs: 100, maxMs: 5_000 };

test('backoff: caps double from minMs up to maxMs', () => {
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 6, 7].map((n) => backoffCap(n, OPTS)),
    [100, 200, 400, 800, 1600, 3200, 5000, 5000],
  );
  assert.equal(backoffCap(10_000, OPTS), 5000, 'no overflow for long outages');
  assert.equal(backoffCap(-1, OPTS), 100);
});

test('backoff: every delay lies in [cap/2, cap], jittered across the range', () => {
  for (let n = 0; n < 12; n++) {
    const cap = backoffCap(n, OPTS);
    assert.equal(backoffDelay(n, { ...OPTS, random: () => 0 }), cap / 2);
    assert.equal(backoffDelay(n, { ...OPTS, random: () => 0.999999 }), cap);
    for (let i = 0; i < 200; i++) {
      const d = backoffDelay(n, OPTS);
      assert.ok(d >= cap / 2 && d <= cap, `${d} within [${cap / 2}, ${cap}]`);
    }
  }
  const seen = new Set(Array.from({ length: 50 }, () => backoffDelay(6, OPTS)));
  assert.ok(seen.size > 10, 'delays differ: agents do not retry in lockstep');
});

test('backoff: failures count up, reset starts over, an abort ends the wait early', async () => {
  const b = createBackoff({ minMs: 1, maxMs: 2 });
  await b.wait();
  await b.wait();
  assert.equal(b.failures, 2);
  b.reset();
  assert.equal(b.failures, 0);
  const long = createBackoff({ minMs: 3_600_000, maxMs: 3_600_000 });
  const ctrl = new AbortController();
  const waiting = long.wait(ctrl.signal);
  ctrl.abort();
  await waiting; // Resolves (no throw) instead of waiting an hour.
});
