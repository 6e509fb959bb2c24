// The exposure queue (pkg/src/queue.js): first in, first out, batches put
// back in front, across its compaction; checked against a plain array.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Queue } from '../../../pkg/src/queue.js';

test('the queue answers as an array would, over 20 000 random operations', () => {
  let seed = 7;
  // The high bits of the generator: its low bit alternates, and with two
  // draws per step every operation drawn was even (no `first` or `at` checked).
  const random = (n) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 16) % n;
  const seen = new Set();
  const q = new Queue(), model = [];
  let next = 0;
  for (let step = 0; step < 20000; step++) {
    const op = random(11);
    seen.add(op);
    if (op < 5) {
      const items = Array.from({ length: random(50) }, () => next++);
      q.push(items);
      model.push(...items);
    } else if (op < 8) {
      const n = random(80);
      assert.deepEqual(q.take(n), model.splice(0, n), `take ${n} at step ${step}`);
    } else if (op < 9) {
      // A batch taken, then put back in front (a POST that failed).
      const n = random(60);
      const batch = q.take(n);
      model.splice(0, n);
      q.unshift(batch);
      model.unshift(...batch);
    } else if (op < 10) {
      // A batch taken, the oldest of what waits dropped meanwhile (the
      // queue full), then the batch put back: more than was taken since.
      const n = random(60), m = random(5);
      const batch = q.take(n);
      model.splice(0, n);
      assert.deepEqual(q.take(m), model.splice(0, m), `drop ${m} at step ${step}`);
      q.unshift(batch);
      model.unshift(...batch);
    } else {
      const n = random(30);
      assert.deepEqual(q.first(n), model.slice(0, n));
      if (model.length) {
        const k = random(model.length);
        assert.equal(q.at(k), model[k]);
      }
    }
    assert.equal(q.length, model.length);
  }
  assert.deepEqual(q.take(Infinity), model);
  assert.equal(q.length, 0);
  assert.equal(seen.size, 11, 'every operation was drawn');
});

test('a batch put back in front of items pushed meanwhile keeps the order: the batch first', () => {
  const q = new Queue();
  q.push([1, 2, 3, 4]);
  const batch = q.take(3);
  q.push([5, 6]);
  q.unshift(batch);
  assert.deepEqual(q.first(10), [1, 2, 3, 4, 5, 6]);
  // Larger than what was taken: the array is rebuilt.
  q.unshift([-2, -1, 0, 0.5, 0.7, 0.9, 0.95]);
  assert.deepEqual(q.take(100), [-2, -1, 0, 0.5, 0.7, 0.9, 0.95, 1, 2, 3, 4, 5, 6]);
  // Compacted after more than 1 024 taken: the order holds.
  q.push(Array.from({ length: 3000 }, (_, i) => i));
  assert.deepEqual(q.take(2000).at(-1), 1999);
  q.unshift(['x']);
  assert.deepEqual(q.first(3), ['x', 2000, 2001]);
  assert.equal(q.length, 1001);
});
