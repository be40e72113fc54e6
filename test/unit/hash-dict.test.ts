/**
 * SegDict against a plain Map: seeded random sets, overwrites, deletes and lookups through the
 * single-Map stage and many segment splits, clones, and a walk that runs while the dictionary
 * grows and shrinks (it must reach every key present throughout).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SegDict } from '../../src/types/hash-dict.js';
import { rng } from '../helpers/diff.js';

function same(d: SegDict<number>, m: Map<string, number>, what: string): void {
  assert.equal(d.size, m.size, `${what}: size`);
  const seen = new Map<string, number>();
  for (const [k, v] of d) {
    assert.ok(!seen.has(k), `${what}: ${k} twice`);
    seen.set(k, v);
  }
  assert.deepEqual(seen, m, `${what}: entries`);
  assert.equal([...d.keys()].length, m.size, `${what}: keys`);
}

for (const seed of [1, 2]) {
  test(`random operations match a Map (seed ${seed})`, () => {
    const r = rng(seed);
    const d = new SegDict<number>();
    const m = new Map<string, number>();
    const key = () => {
      const i = Math.floor(r() * 60000);
      return r() < 0.1 ? `\0\xff${i}` : `k${i}`;
    };
    for (let step = 0; step < 120000; step++) {
      const k = key();
      const x = r();
      if (x < 0.7) {
        assert.equal(d.set(k, step), !m.has(k), `set ${k}`);
        m.set(k, step);
      } else if (x < 0.85) {
        assert.equal(d.delete(k), m.delete(k), `delete ${k}`);
      } else {
        assert.equal(d.get(k), m.get(k), `get ${k}`);
        assert.equal(d.has(k), m.has(k), `has ${k}`);
      }
      if (step % 30000 === 29999) same(d, m, `step ${step}`);
    }
    const c = d.clone();
    const cm = new Map(m);
    for (const k of [...m.keys()].slice(0, 5000)) {
      d.delete(k);
      m.delete(k);
    }
    same(d, m, 'after deletes');
    same(c, cm, 'clone untouched');
  });
}

test('a walk during growth reaches every key present throughout', () => {
  const d = new SegDict<number>();
  for (let i = 0; i < 3000; i++) d.set(`stable${i}`, i);
  const seen = new Map<string, number>();
  let added = 0;
  for (const [k] of d) {
    seen.set(k, (seen.get(k) ?? 0) + 1);
    // Grows from one Map through many splits while the walk is under way.
    if (added < 80000) {
      for (let j = 0; j < 40; j++) d.set(`new${added++}`, 0);
      d.delete(`new${added - 20}`);
    }
  }
  assert.equal(added, 80000);
  // An entry moved by a split the walk had passed comes again (as SCAN may repeat).
  for (let i = 0; i < 3000; i++) assert.ok(seen.has(`stable${i}`), `stable${i} missed`);
});

test('long keys differing anywhere and keys that all hash alike still work', () => {
  const d = new SegDict<number>();
  const m = new Map<string, number>();
  const pad = 'x'.repeat(300);
  // Long keys: only sampled bytes are hashed; these differ at varied places.
  for (let i = 0; i < 12000; i++) {
    const k = i % 2 ? `${pad}${i}${pad}` : `${i}${pad}`;
    d.set(k, i);
    m.set(k, i);
  }
  same(d, m, 'long keys');
  // Keys equal in every sampled byte (same length, differing at positions 1-3 only, which a
  // 1000-byte key does not sample): one segment takes them all, past its split size.
  const d2 = new SegDict<number>();
  const m2 = new Map<string, number>();
  const tail = 'x'.repeat(996);
  const letter = (i: number) => String.fromCharCode(97 + (i % 26));
  for (let i = 0; i < 12000; i++) {
    const k = `x${letter(i)}${letter(Math.floor(i / 26))}${letter(Math.floor(i / 676))}${tail}`;
    d2.set(k, i);
    m2.set(k, i);
  }
  same(d2, m2, 'colliding keys');
  for (const k of [...m2.keys()].slice(0, 5000)) {
    assert.equal(d2.delete(k), true);
    m2.delete(k);
  }
  same(d2, m2, 'colliding keys after deletes');
});
