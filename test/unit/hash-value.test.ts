/**
 * HashValue against a plain Map: seeded random sets and deletes through the listpack stage,
 * the conversion and a slot table of several chunks (with holes reused and trailing ones
 * trimmed), checking lookups, entries, a full HSCAN by slot cursor, random picks and clones.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HashValue } from '../../src/types/hash.js';
import { rng } from '../helpers/diff.js';

const LIMITS = { entries: 128, value: 64 };

function check(h: HashValue, m: Map<string, string>, r: () => number, what: string): void {
  assert.equal(h.size, m.size, `${what}: size`);
  assert.deepEqual(new Map(h.entries()), m, `${what}: entries`);
  for (const [f, v] of [...m].slice(0, 50)) assert.equal(h.get(f), v, `${what}: get ${f}`);
  if (!h.scansWhole) {
    const seen = new Map<string, string>();
    let cursor = 0;
    let steps = 0;
    do {
      cursor = h.scanStep(cursor, 1 + Math.floor(r() * 300), (f, v) => {
        assert.ok(!seen.has(f), `${what}: ${f} scanned twice`);
        seen.set(f, v);
      });
      assert.ok(++steps < 100000, `${what}: scan does not end`);
    } while (cursor !== 0);
    assert.deepEqual(seen, m, `${what}: scan`);
  }
  if (m.size > 0) {
    for (let k = 0; k < 20; k++) {
      const [f, v] = h.randomEntry(r);
      assert.equal(m.get(f), v, `${what}: random pick ${f}`);
    }
  }
}

for (const seed of [1, 2]) {
  test(`random writes match a Map (seed ${seed})`, () => {
    const r = rng(seed);
    const h = new HashValue();
    const m = new Map<string, string>();
    let span = 100;
    for (let step = 0; step < 60000; step++) {
      // The key space widens, then narrows again: growth past several chunks, then shrinking.
      if (step === 5000) span = 30000;
      if (step === 45000) span = 2000;
      const f = `f${Math.floor(r() * span)}`;
      if (r() < 0.65) {
        const v = `v${step}`;
        assert.equal(h.set(f, v, LIMITS), !m.has(f), `set ${f}`);
        m.set(f, v);
      } else {
        assert.equal(h.delete(f), m.delete(f), `delete ${f}`);
      }
      if (step % 10000 === 9999) check(h, m, r, `step ${step}`);
    }
    // Deleting the highest slots trims the table; the rest stays intact.
    for (const f of [...m.keys()].slice(-500)) {
      h.delete(f);
      m.delete(f);
    }
    check(h, m, r, 'after trailing deletes');
    const copy = h.clone();
    const cm = new Map(m);
    for (const f of [...m.keys()].slice(0, 300)) {
      h.delete(f);
      m.delete(f);
    }
    check(h, m, r, 'after deletes');
    check(copy, cm, r, 'clone untouched');
  });
}
