/**
 * HashValue against a plain Map: seeded random sets and deletes through the listpack stage,
 * the conversion and a slot table of several chunks (with holes reused and trailing ones
 * trimmed), checking lookups, entries, a full HSCAN by slot cursor, random picks and clones.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FieldTable } from '../../src/types/field-table.js';
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

/** A latin1 string of n chars drawn from every byte value. */
function bytes(r: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(Math.floor(r() * 256));
  return s;
}

test('fields and values of every byte and length, rewritten in place and moved', () => {
  const r = rng(3);
  const h = new HashValue();
  const m = new Map<string, string>();
  // Lengths from empty to past a page (1 MB), weighted to the short ones.
  const len = (): number => {
    const x = r();
    if (x < 0.6) return Math.floor(r() * 40);
    if (x < 0.95) return Math.floor(r() * 2000);
    if (x < 0.999) return Math.floor(r() * 100000);
    return (1 << 20) + Math.floor(r() * 1000);
  };
  const fields = Array.from({ length: 3000 }, (_, i) => (i % 3 === 0 ? bytes(r, i % 50) : `f${i}`));
  for (let step = 0; step < 40000; step++) {
    const f = fields[Math.floor(r() * fields.length)];
    if (r() < 0.7) {
      const v = bytes(r, len());
      assert.equal(h.set(f, v, LIMITS), !m.has(f));
      m.set(f, v);
    } else {
      assert.equal(h.delete(f), m.delete(f));
    }
    if (step % 8000 === 7999) check(h, m, r, `step ${step}`);
  }
  for (const f of fields) assert.equal(h.get(f), m.get(f));
});

test('rewrites and deletes do not let a big hash hold unbounded memory', () => {
  const r = rng(4);
  // The table itself: the hash's fields and values, outside the V8 heap, are all in its pages.
  const t = new FieldTable();
  const n = 20000;
  for (let round = 0; round < 6; round++) {
    // Every value changes length each round: grown ones move, shrunk ones stay in place.
    for (let i = 0; i < n; i++) t.set(`field:${i}`, 'x'.repeat(200 + Math.floor(r() * 800)));
    for (let i = round; i < n; i += 7) t.delete(`field:${i}`);
  }
  let live = 0;
  for (let i = 0; i < t.length; i++) if (t.has(i)) live += t.field(i).length + t.value(i).length;
  // Holes stay under 3x the live bytes; the newest page may be partly unused (1 MB at most).
  assert.ok(t.pageBytes < live * 4 + (1 << 20), `holds ${t.pageBytes} bytes for ${live} live`);
  // The last round (5) deleted every 7th field from field:5 on.
  assert.equal(t.size, n - Math.ceil((n - 5) / 7));
});

test('a listpack hash keeps Redis order and any length or byte, up to a configured limit', () => {
  const r = rng(5);
  // Values up to 100000 bytes may stay in the listpack when the limit allows it (lengths past
  // 254 take the long length form).
  const limits = { entries: 64, value: 100000 };
  const h = new HashValue();
  const m = new Map<string, string>();
  const fields = Array.from({ length: 60 }, (_, i) => bytes(r, i % 7) + `${i}`);
  for (let step = 0; step < 5000; step++) {
    const f = fields[Math.floor(r() * fields.length)];
    if (r() < 0.7) {
      const v = bytes(r, r() < 0.9 ? Math.floor(r() * 300) : Math.floor(r() * 70000));
      assert.equal(h.set(f, v, limits), !m.has(f));
      m.set(f, v);
    } else {
      assert.equal(h.delete(f), m.delete(f));
    }
    assert.equal(h.encoding(), 'listpack');
    if (step % 500 === 499) {
      // A Map keeps insertion order, updates in place and closes gaps: a listpack's order.
      assert.deepEqual([...h.entries()], [...m], `step ${step}: order`);
      for (const f2 of fields) assert.equal(h.get(f2), m.get(f2));
      assert.equal(h.size, m.size);
      const copy = h.clone();
      assert.deepEqual([...copy.entries()], [...m]);
      if (m.size > 0) {
        const [rf, rv] = h.randomEntry(r);
        assert.equal(m.get(rf), rv);
      }
    }
  }
});
