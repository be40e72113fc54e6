/**
 * The block-packed ListValue against a plain array model: seeded random pushes and pops at both
 * ends, inserts and sets in the middle (which unpack, split and repack blocks), trims, clones,
 * with empty, binary and longer-than-packable elements, checked element by element.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BulkWriter } from '../../src/types/bulk-writer.js';
import { Reply } from '../../src/resp/reply.js';
import { ListValue } from '../../src/types/list.js';
import { rng } from '../helpers/diff.js';

function check(list: ListValue, model: string[], what: string): void {
  assert.equal(list.length, model.length, `${what}: length`);
  assert.deepEqual([...list.values()], model, `${what}: values`);
  if (model.length > 0) {
    for (let k = 0; k < 20; k++) {
      const i = (k * 7919) % model.length;
      assert.equal(list.at(i), model[i], `${what}: at(${i})`);
    }
    const a = Math.floor(model.length / 3);
    const b = model.length - 1 - Math.floor(model.length / 4);
    if (a <= b) assert.deepEqual(list.slice(a, b), model.slice(a, b + 1), `${what}: slice`);
  }
}

for (const seed of [1, 2, 3, 4, 5, 6]) {
  // Seeds 5 and 6 push and pop a few elements at a time: the list keeps emptying and moving
  // between its packed small form and blocks.
  const small = seed >= 5;
  const most = small ? 4 : 300;
  test(`random operations match an array model (seed ${seed}${small ? ', small' : ''})`, () => {
    const r = rng(seed);
    const list = new ListValue();
    let model: string[] = [];
    let copy: { list: ListValue; model: string[] } | null = null;
    const value = (i: number) => {
      const x = r();
      if (x < 0.05) return '';
      if (x < 0.1) return 'L'.repeat(60 + Math.floor(r() * 20)) + i;
      if (x < 0.15) return `\0\r\n\xff${i}`;
      return `e${i}`;
    };
    for (let step = 0; step < 6000; step++) {
      const x = r();
      const v = value(step);
      if (x < 0.3) {
        const n = 1 + Math.floor(r() * most);
        for (let k = 0; k < n; k++) {
          list.pushBack(v + k);
          model.push(v + k);
        }
      } else if (x < 0.5) {
        const n = 1 + Math.floor(r() * most);
        for (let k = 0; k < n; k++) {
          list.pushFront(v + k);
          model.unshift(v + k);
        }
      } else if (x < 0.6) {
        const n = Math.floor((r() * most * 2) / 3);
        for (let k = 0; k < n; k++) assert.equal(list.popFront(), model.shift());
      } else if (x < 0.7) {
        const n = Math.floor((r() * most * 2) / 3);
        for (let k = 0; k < n; k++) assert.equal(list.popBack(), model.pop());
      } else if (x < 0.82) {
        const i = Math.floor(r() * (model.length + 1));
        list.insertAt(i, v);
        model.splice(i, 0, v);
      } else if (x < 0.92) {
        if (model.length === 0) continue;
        const i = Math.floor(r() * model.length);
        list.setAt(i, v);
        model[i] = v;
      } else if (x < 0.94) {
        if (model.length === 0) continue;
        const a = Math.floor(r() * model.length);
        const b = a + Math.floor(r() * (model.length - a));
        list.trim(a, b);
        model = model.slice(a, b + 1);
      } else if (x < 0.96) {
        const keep = model.filter(() => r() < 0.7);
        list.replaceAll(keep);
        model = keep;
      } else if (x < 0.98) {
        copy = { list: list.clone(), model: [...model] };
      }
      if (x >= 0.98 || (small && step % 10 === 0)) {
        check(list, model, `step ${step}`);
        if (copy) {
          // A clone is independent of later changes to its source.
          check(copy.list, copy.model, `clone at step ${step}`);
          copy.list.pushFront('c');
          copy.model.unshift('c');
          if (copy.model.length > 1) {
            copy.list.setAt(1, 'd');
            copy.model[1] = 'd';
          }
        }
      }
      if (model.length > 20000) {
        list.trim(0, 999);
        model = model.slice(0, 1000);
      }
    }
    check(list, model, 'end');
    assert.equal(list.popFront(), model.shift());
    while (model.length > 0) assert.equal(list.popBack(), model.pop());
    assert.equal(list.length, 0);
    assert.equal(list.popFront(), undefined);
    assert.equal(list.popBack(), undefined);
  });
}

/** LRANGE's path: runs of packed blocks copied from their pages, loose elements one by one. */
function checkRange(list: ListValue, model: string[], start: number, end: number, what: string) {
  const w = new BulkWriter(2);
  list.writeRange(start, end, w);
  const reply = new Reply({ countError: () => undefined });
  w.end(reply);
  const want = model.slice(start, end + 1).map((v) => `$${v.length}\r\n${v}\r\n`);
  assert.equal(reply.take(), want.join(''), `${what}: writeRange(${start}, ${end})`);
}

test('sets all over a big list empty pages and move their last blocks; a copy keeps its bytes', () => {
  const r = rng(7);
  const list = new ListValue();
  const model: string[] = [];
  for (let i = 0; i < 30000; i++) {
    list.pushBack(`element:${i}`);
    model.push(`element:${i}`);
  }
  const copy = list.clone();
  const copyModel = [...model];
  for (let step = 0; step < 6000; step++) {
    // Mostly the first half, so its pages empty while the second half's stay full.
    const i = Math.floor(r() * r() * model.length);
    const v = step % 3 ? `set:${step}` : `${'x'.repeat(step % 64)}\r\n\0`;
    list.setAt(i, v);
    model[i] = v;
    if (step % 4 === 0) {
      const j = Math.floor(r() * copyModel.length);
      copy.setAt(j, `copy:${step}`);
      copyModel[j] = `copy:${step}`;
    }
    if (step % 1000 === 999) {
      check(list, model, `step ${step}`);
      check(copy, copyModel, `copy at step ${step}`);
      checkRange(list, model, 0, model.length - 1, `step ${step}`);
      checkRange(copy, copyModel, 1000, 1700, `copy at step ${step}`);
    }
  }
  for (let i = 0; i < 20000; i++) assert.equal(list.popFront(), model.shift());
  check(list, model, 'after pops');
  checkRange(list, model, 0, model.length - 1, 'after pops');
  check(copy, copyModel, 'copy at the end');
});

test('inserts at one spot split the block they land in', () => {
  const list = new ListValue();
  const model: string[] = [];
  for (let i = 0; i < 1000; i++) {
    list.pushBack(`x${i}`);
    model.push(`x${i}`);
  }
  for (let i = 0; i < 1500; i++) {
    const at = 500 + (i % 7);
    list.insertAt(at, `i${i}`);
    model.splice(at, 0, `i${i}`);
    if (i % 100 === 0) {
      list.setAt(at + 1, `s${i}`);
      model[at + 1] = `s${i}`;
    }
  }
  check(list, model, 'after inserts');
  for (let i = 0; i < model.length; i++) assert.equal(list.at(i), model[i]);
});

test('an empty small list takes an element too long to pack at either end and gives it back', () => {
  const long = 'L'.repeat(100);
  for (const push of ['pushFront', 'pushBack'] as const) {
    for (const pop of ['popFront', 'popBack'] as const) {
      const list = new ListValue();
      list.pushBack('a');
      list.popFront();
      list[push](long);
      assert.equal(list.length, 1);
      assert.equal(list[pop](), long, `${push} then ${pop}`);
      assert.equal(list[pop](), undefined, `${push} then ${pop} twice`);
      list[push]('b');
      check(list, ['b'], `${push}, ${pop}, ${push} again`);
    }
  }
});
