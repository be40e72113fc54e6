/**
 * ZSetValue against a sorted-array model, mostly in its packed (listpack) form: seeded random
 * adds, score changes, removes, rank-range removes, rank and score lookups, cursor walks both
 * ways from every rank, prefix counts by score and by member, clones, and the conversions to
 * the skiplist form and back (shrinkIfSmall). Members are binary (every byte value, CR, LF,
 * NUL), some longer than 254 bytes (the long length form); scores include ties, -0, infinities
 * and values whose bytes are 0xFF.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ZSetValue } from '../../src/types/zset.js';
import { rng } from '../helpers/diff.js';

type Entry = [number, string];

const before = (a: Entry, b: Entry) => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);

function sorted(model: Map<string, number>): Entry[] {
  return [...model].map(([m, s]): Entry => [s, m]).sort((a, b) => (before(a, b) ? -1 : 1));
}

function check(z: ZSetValue, model: Map<string, number>, r: () => number, what: string): void {
  const order = sorted(model);
  assert.equal(z.size, order.length, `${what}: size`);
  const walked: Entry[] = [];
  const c = z.first();
  if (c !== null) {
    do walked.push([c.score, c.member]);
    while (c.next());
  }
  assert.deepEqual(walked, order, `${what}: forward walk`);
  const back: Entry[] = [];
  const l = z.last();
  if (l !== null) {
    do back.push([l.score, l.member]);
    while (l.prev());
  }
  assert.deepEqual(back.reverse(), order, `${what}: backward walk`);
  for (let i = 0; i < order.length; i++) {
    const [s, m] = order[i];
    assert.equal(z.rank(m), i, `${what}: rank of ${JSON.stringify(m)}`);
    assert.equal(z.score(m), s, `${what}: score`);
    const at = z.at(i);
    assert.deepEqual([at.score, at.member], order[i], `${what}: at(${i})`);
    // Steps back, forth past the start point, and back again.
    if (i > 0 && i + 1 < order.length) {
      assert.ok(at.prev());
      assert.equal(at.member, order[i - 1][1], `${what}: prev from ${i}`);
      assert.ok(at.next() && at.next());
      assert.equal(at.member, order[i + 1][1], `${what}: next twice after prev at ${i}`);
      assert.ok(at.prev());
      assert.equal(at.member, m, `${what}: prev back to ${i}`);
      assert.ok(at.prev());
      assert.equal(at.member, order[i - 1][1], `${what}: prev twice at ${i}`);
    }
  }
  const probe = order.length > 0 ? order[Math.floor(r() * order.length)] : ([0, ''] as Entry);
  assert.equal(
    z.countScoresBefore((s) => s < probe[0]),
    order.filter((e) => e[0] < probe[0]).length,
    `${what}: countScoresBefore`,
  );
  assert.equal(
    z.countBefore((s, m) => before([s, m], probe)),
    order.filter((e) => before(e, probe)).length,
    `${what}: countBefore`,
  );
  assert.equal(z.score('absent member'), undefined, `${what}: absent`);
}

function member(r: () => number): string {
  // Lengths around 255, where the one-char length form gives way to the long one.
  const len = r() < 0.1 ? 245 + Math.floor(r() * 20) : Math.floor(r() * 12);
  let m = '';
  for (let i = 0; i < len; i++) {
    m += String.fromCharCode(r() < 0.5 ? 97 + Math.floor(r() * 3) : Math.floor(r() * 256));
  }
  return m;
}

// Integers on both sides of the one-char score form (0..254) too.
const SCORES = [0, -0, 1, -1, 2.5, 254, 255, 253.5, Infinity, -Infinity, NaN, 1e300, -5e-324];

function score(r: () => number): number {
  const s = SCORES[Math.floor(r() * SCORES.length)];
  // NaN stands for "a random score" (its bytes vary, some are 0xFF).
  return Number.isNaN(s) ? (r() - 0.5) * 10 ** Math.floor(r() * 20 - 10) : s;
}

for (const seed of [1, 2, 3]) {
  test(`packed sorted set matches a sorted-array model (seed ${seed})`, () => {
    const r = rng(seed);
    // Limits high enough that the long members stay packed; seed 3 converts at 24 members.
    const limits =
      seed === 3 ? { maxEntries: 24, maxValue: 64 } : { maxEntries: 128, maxValue: 1000 };
    let z = ZSetValue.forFirst(limits);
    let model = new Map<string, number>();
    const pool: string[] = [];
    for (let i = 0; i < 40; i++) pool.push(member(r));
    for (let step = 0; step < 1500; step++) {
      const m = pool[Math.floor(r() * pool.length)];
      const op = r();
      if (op < 0.5) {
        let s = score(r);
        const wasNew = !model.has(m);
        assert.equal(z.set(m, s, limits), wasNew, `step ${step}: set reports new`);
        // A listpack keeps -0 as 0, as Redis prints it from the listpack; -0 and 0 are the
        // same score, so moving between them changes nothing.
        if (s === 0 && z.listpack) s = 0;
        if (model.get(m) !== s) model.set(m, s);
      } else if (op < 0.75) {
        assert.equal(z.remove(m), model.delete(m), `step ${step}: remove`);
      } else if (op < 0.8 && model.size > 0) {
        const a = Math.floor(r() * model.size);
        const b = Math.min(model.size - 1, a + Math.floor(r() * 4));
        const gone = sorted(model).slice(a, b + 1);
        assert.equal(z.removeRanks(a, b), b - a + 1);
        for (const [, g] of gone) model.delete(g);
      } else if (op < 0.85) {
        const c = z.clone();
        // The copy is independent: writing it leaves the original alone.
        c.set('only in the copy', 1, limits);
        assert.equal(z.score('only in the copy'), undefined);
        c.remove('only in the copy');
        z = c;
      } else if (op < 0.87 && !z.listpack) {
        z.shrinkIfSmall(limits);
        if (z.listpack) model = new Map([...model].map(([k, s]) => [k, s === 0 ? 0 : s]));
      }
      if (step % 25 === 0) check(z, model, r, `seed ${seed} step ${step} (${z.encoding()})`);
    }
    check(z, model, r, `seed ${seed} end (${z.encoding()})`);
  });
}
