/**
 * KeyDict (the keyspace's dictionary) against a plain Map: seeded random adds, overwrites,
 * deletes and lookups; keys spread over the parts (so no part nears V8's per-Map limit or
 * rehashes the whole keyspace at once); a live walk that runs while keys come and go reaches
 * every key present throughout.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyDict, PARTS } from '../../src/keyspace/key-dict.js';
import { rng } from '../helpers/diff.js';

test('random operations match a Map', () => {
  const r = rng(11);
  const d = new KeyDict<number>();
  const m = new Map<string, number>();
  for (let step = 0; step < 100000; step++) {
    const i = Math.floor(r() * 30000);
    const k = r() < 0.1 ? `\0\xff\r\n${i}` : `key:${i}`;
    const x = r();
    if (x < 0.6) {
      assert.equal(d.add(k, step), !m.has(k), `add ${k}`);
      m.set(k, step);
    } else if (x < 0.8) {
      assert.equal(d.delete(k), m.delete(k), `delete ${k}`);
    } else {
      assert.equal(d.get(k), m.get(k), `get ${k}`);
      assert.equal(d.has(k), m.has(k), `has ${k}`);
    }
  }
  assert.equal(d.size, m.size);
  assert.deepEqual(new Map(d.entries()), m);
  assert.equal([...d.keys()].length, m.size);
  let partsTotal = 0;
  for (let i = 0; i < PARTS; i++) partsTotal += d.part(i).size;
  assert.equal(partsTotal, m.size);
});

test('sequential and same-prefix keys spread evenly over the parts', () => {
  for (const make of [(i: number) => `key:${i}`, (i: number) => `user:${i}:session:profile`]) {
    const d = new KeyDict<null>();
    const n = 200000;
    for (let i = 0; i < n; i++) d.add(make(i), null);
    let max = 0;
    for (let i = 0; i < PARTS; i++) max = Math.max(max, d.part(i).size);
    // A uniform spread puts n / PARTS (781) in each part.
    assert.ok(max < (1.3 * n) / PARTS, `largest part ${max} of ${n} keys (${make(0)})`);
  }
});

test('a live walk reaches every key present throughout', () => {
  const r = rng(5);
  const d = new KeyDict<number>();
  for (let i = 0; i < 20000; i++) d.add(`stable:${i}`, i);
  for (let i = 0; i < 5000; i++) d.add(`churn:${i}`, i);
  const seen = new Set<string>();
  let added = 0;
  for (const k of d.keys()) {
    seen.add(k);
    d.add(`new:${added++}`, 0);
    const c = `churn:${Math.floor(r() * 5000)}`;
    if (r() < 0.5) d.delete(c);
    else d.add(c, 1);
    if (added > 200000) break;
  }
  for (let i = 0; i < 20000; i++) assert.ok(seen.has(`stable:${i}`), `stable:${i} missed`);
});
