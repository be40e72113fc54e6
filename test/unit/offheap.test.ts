/**
 * Big values' blocks (src/util/offheap.ts): V8 does not count them, Node's arrayBuffers tally
 * (used_memory) does, and once enough were allocated V8 is told after allocation pauses, so
 * dead blocks are freed without anyone asking for a collection.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { fullCollection } from '../../src/server/collect.js';
import { blockBytes, blockF64, blockI32, blockU32 } from '../../src/util/offheap.js';

const MB = 1024 * 1024;

test('big blocks are outside V8 external memory and inside Node arrayBuffers; small ones are plain', () => {
  const before = process.memoryUsage();
  const u32 = blockU32(2 * MB);
  const big = [blockBytes(8 * MB), u32, blockI32(2 * MB), blockF64(MB)];
  const after = process.memoryUsage();
  for (const b of big) assert.ok(b.buffer instanceof SharedArrayBuffer);
  assert.ok(after.arrayBuffers - before.arrayBuffers >= 32 * MB, 'arrayBuffers grew by the blocks');
  assert.ok(
    after.external - before.external < MB,
    `external grew ${after.external - before.external}`,
  );
  for (const b of [blockBytes(100), blockU32(16), blockI32(1000), blockF64(500)]) {
    assert.ok(!(b.buffer instanceof SharedArrayBuffer));
  }
  // Zeroed, as typed arrays are.
  assert.equal(
    u32.findIndex((x) => x !== 0),
    -1,
  );
});

/**
 * Allocates short-lived garbage: scavenges free what died young (earlier tests' blocks) and
 * promote what lives on, as a structure's pages are promoted in a server.
 */
function churn(): void {
  let sink: number[] = [];
  for (let i = 0; i < 3_000_000; i++) sink = [i, i, i, i, i, i, i, i];
  assert.equal(sink.length, 8);
}

test('dead blocks are freed after allocation pauses, without an explicit collection', async () => {
  churn();
  const base = process.memoryUsage().arrayBuffers;
  // 80 MB of 1 MB pages, more than V8 lets grow before a full collection, old, then dropped:
  // V8 counts none of it, so only this module's word makes it collect.
  let pages: Buffer[] | null = [];
  for (let i = 0; i < 80; i++) pages.push(blockBytes(MB).fill(i));
  churn();
  assert.ok(process.memoryUsage().arrayBuffers - base >= 80 * MB);
  pages = null;
  let held = Infinity;
  for (let i = 0; i < 100 && held >= 10 * MB; i++) {
    await new Promise((r) => setTimeout(r, 50));
    held = process.memoryUsage().arrayBuffers - base;
  }
  assert.ok(held < 10 * MB, `still ${held} bytes after 5 s`);
});

test('a full collection restarts the count: V8 is not told of blocks it has already seen', async () => {
  churn();
  let pages: Buffer[] | null = [];
  // Past the limit: the module starts waiting for allocation to pause.
  for (let i = 0; i < 80; i++) pages.push(blockBytes(MB));
  await new Promise((r) => setImmediate(r));
  fullCollection();
  pages.push(blockBytes(MB));
  let majors = 0;
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const detail = (e as unknown as { detail?: { kind?: number } }).detail;
      if (detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majors++;
    }
  });
  obs.observe({ entryTypes: ['gc'] });
  await new Promise((r) => setTimeout(r, 1000));
  obs.disconnect();
  assert.equal(majors, 0, 'a full collection came after the one that saw the blocks');
  assert.equal(pages.length, 81);
  pages = null;
});
