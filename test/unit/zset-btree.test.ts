/**
 * The sorted-set B+tree against a plain sorted-array model: seeded random inserts, deletes,
 * score updates, rank-range deletes (one by one and in runs), rank / byRank lookups, range seeks and cursor walks both
 * ways, with ties on scores, -0, infinities and binary members. Grows past three levels (inner
 * splits) and shrinks back (merges, borrows, root collapse), checking every invariant as it goes.
 * Members live in a FieldTable, as in a big sorted set; freed slots are reused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FieldTable } from '../../src/types/field-table.js';
import { ZTree } from '../../src/types/zset-btree.js';
import { rng } from '../helpers/diff.js';

type Entry = [number, string];

function lt(a: Entry, b: Entry): boolean {
  return a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
}

/** Index of the first model entry not before `e`. */
function lowerBound(model: Entry[], e: Entry): number {
  let lo = 0;
  let hi = model.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (lt(model[mid], e)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function check(t: ZTree, model: Entry[], r: () => number, what: string): void {
  t.verify();
  assert.equal(t.length, model.length, `${what}: length`);
  for (let k = 0; k < 30 && model.length > 0; k++) {
    const i = Math.floor(r() * model.length);
    const c = t.at(i)!;
    assert.deepEqual([c.score, c.member], model[i], `${what}: at(${i})`);
    const id = t.keys.slotOf(model[i][1]);
    assert.equal(t.rank(model[i][0], model[i][1], id), i, `${what}: rank`);
    // A walk of a few steps each way from there.
    const fwd = t.at(i)!;
    for (let j = i + 1; j < Math.min(model.length, i + 300); j++) {
      assert.ok(fwd.next());
      assert.equal(fwd.member, model[j][1], `${what}: next`);
    }
    const back = t.at(i)!;
    for (let j = i - 1; j >= Math.max(0, i - 300); j--) {
      assert.ok(back.prev());
      assert.equal(back.member, model[j][1], `${what}: prev`);
    }
    // A seek by score: how many entries have a score below x.
    const x = model[Math.floor(r() * model.length)][0] + (r() < 0.5 ? 0 : 0.5);
    const below = model.filter((e) => e[0] < x).length;
    assert.equal(
      t.countBefore((s) => s < x),
      below,
      `${what}: countBefore(${x})`,
    );
    assert.equal(
      t.countScoresBefore((s) => s < x),
      below,
      `${what}: countScoresBefore(${x})`,
    );
  }
  assert.equal(t.at(model.length), null);
  assert.equal(t.at(-1), null);
  if (model.length > 0) {
    assert.equal(t.first()!.member, model[0][1]);
    assert.equal(t.last()!.member, model[model.length - 1][1]);
    const all: string[] = [];
    const c = t.first()!;
    do all.push(c.member);
    while (c.next());
    assert.deepEqual(
      all,
      model.map((e) => e[1]),
      `${what}: full walk`,
    );
    // Rank by rank, as DEBUG DIGEST walks (at() steps from the rank it gave last).
    for (let i = 0; i < model.length; i++) {
      if (t.at(i)!.member !== model[i][1]) assert.fail(`${what}: sequential at(${i})`);
    }
  } else {
    assert.equal(t.first(), null);
  }
}

for (const seed of [1, 2, 3]) {
  test(`random operations match a sorted-array model (seed ${seed})`, () => {
    const r = rng(seed);
    const t = new ZTree(new FieldTable());
    const keys = t.keys;
    let model: Entry[] = [];
    const members = new Map<string, number>();
    const score = () => {
      const x = r();
      if (x < 0.02) return x < 0.01 ? -Infinity : Infinity;
      if (x < 0.04) return -0;
      if (x < 0.3) return Math.floor(r() * 5);
      return Math.floor(r() * 100000) / 7;
    };
    let next = 0;
    const member = () => (r() < 0.05 ? `\0\xff${next++}` : `m${next++}`);
    const insert = () => {
      const e: Entry = [score(), member()];
      t.insert(e[0], e[1], keys.add(e[1], ''));
      model.splice(lowerBound(model, e), 0, e);
      members.set(e[1], e[0]);
    };
    const randomEntry = (): Entry => model[Math.floor(r() * model.length)];
    const remove = (e: Entry) => {
      model.splice(lowerBound(model, e), 1);
      members.delete(e[1]);
      keys.removeSlot(keys.slotOf(e[1]));
    };

    // Grow to three levels (leaves of 64, inner nodes of 64).
    for (let i = 0; i < 12000; i++) {
      if (r() < 0.5 && i > 6000) {
        // Ascending and descending runs, as ordered loads make.
        const s = i % 2 === 0 ? 1e9 + i : -1e9 - i;
        const e: Entry = [s, member()];
        t.insert(e[0], e[1], keys.add(e[1], ''));
        model.splice(lowerBound(model, e), 0, e);
        members.set(e[1], e[0]);
      } else insert();
      if (i % 3000 === 2999) check(t, model, r, `grow ${i}`);
    }
    // A mix of every write.
    for (let i = 0; i < 6000; i++) {
      const x = r();
      if (x < 0.3 || model.length === 0) insert();
      else if (x < 0.55) {
        const e = randomEntry();
        assert.equal(t.delete(e[0], e[1], keys.slotOf(e[1])), true);
        remove(e);
      } else if (x < 0.6) {
        assert.equal(t.delete(1.5, 'absent', -1), false);
        const e = randomEntry();
        const id = keys.slotOf(e[1]);
        assert.equal(t.delete(e[0] + 1, e[1], id), e[0] + 1 === e[0] ? true : false);
        if (e[0] + 1 === e[0]) remove(e);
      } else if (x < 0.85) {
        const e = randomEntry();
        const s = r() < 0.5 ? e[0] + (r() - 0.5) * 1e-9 : score();
        if (s === e[0]) continue;
        t.updateScore(e[0], e[1], keys.slotOf(e[1]), s);
        model.splice(lowerBound(model, e), 1);
        const ne: Entry = [s, e[1]];
        model.splice(lowerBound(model, ne), 0, ne);
        members.set(e[1], s);
      } else {
        const i0 = Math.floor(r() * model.length);
        const k = Math.min(model.length - i0, 1 + Math.floor(r() * 200));
        if (r() < 0.5) {
          for (let j = 0; j < k; j++) {
            const id = t.deleteAt(i0);
            assert.equal(keys.field(id), model[i0 + j][1]);
            keys.removeSlot(id);
          }
        } else {
          const gone: string[] = [];
          t.deleteRange(i0, k, (id) => {
            gone.push(keys.field(id));
            keys.removeSlot(id);
          });
          assert.deepEqual(
            gone,
            model.slice(i0, i0 + k).map((e) => e[1]),
          );
        }
        for (const e of model.splice(i0, k)) members.delete(e[1]);
      }
      if (i % 1500 === 1499) check(t, model, r, `mix ${i}`);
    }
    const copy = t.clone(keys.clone());
    const copyModel = model.slice();
    // Shrink to nothing through rank deletes from random places.
    while (model.length > 0) {
      const i0 = Math.floor(r() * model.length);
      const k = Math.min(model.length - i0, 1 + Math.floor(r() * 500));
      if (r() < 0.5) for (let j = 0; j < k; j++) keys.removeSlot(t.deleteAt(i0));
      else t.deleteRange(i0, k, (id) => keys.removeSlot(id));
      model.splice(i0, k);
      if (r() < 0.05) check(t, model, r, `shrink ${model.length}`);
    }
    check(t, model, r, 'empty');
    // The clone was untouched by all of that.
    check(copy, copyModel, r, 'clone');
    model = copyModel;
    for (const e of model.slice(0, 100)) {
      assert.equal(copy.delete(e[0], e[1], copy.keys.slotOf(e[1])), true);
    }
    check(copy, model.slice(100), r, 'clone after deletes');
  });
}

test('mapScores turns -0 into 0 without reordering', () => {
  const t = new ZTree(new FieldTable());
  for (let i = 0; i < 500; i++) t.insert(i % 3 === 0 ? -0 : i, `m${i}`, t.keys.add(`m${i}`, ''));
  t.mapScores((s) => (s === 0 ? 0 : s));
  t.verify();
  const c = t.first()!;
  do assert.ok(!Object.is(c.score, -0));
  while (c.next());
});
