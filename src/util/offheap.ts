/**
 * Memory for the blocks of big values (hash and sorted-set pages, slot chunks and index
 * segments, sorted-set leaf chunks, list pages), and when V8 hears of it.
 *
 * V8 counts the ArrayBuffer memory allocated since its last full collection and starts one
 * once that passes a limit (64 MB with the server's Node flags), so that buffers which died get
 * freed. A million-field hash is about 60 MB of blocks: its build crossed the limit midway, and
 * the full collection's atomic pause (2-3.5 ms, mostly evacuating young objects that the
 * write barrier had marked during the build) was another client's worst wait, above Redis's.
 *
 * Blocks therefore come from SharedArrayBuffers, which V8 does not count (Node's
 * `arrayBuffers` tally, which used_memory reads, does). This module counts them instead, and
 * once LIMIT bytes were allocated since the last full collection it tells V8 as soon as
 * allocation has paused for QUIET_MS, or at the next check (every QUIET_MS) past 4x LIMIT: dead
 * blocks are found by the same kind of collection as before, after the build rather than in
 * its middle.
 *
 * Telling V8 means allocating memory it counts: a WebAssembly.Memory of LIMIT bytes, dropped
 * at once. V8 starts incremental marking on the spot (external memory pressure); the memory is
 * reserved, never touched (no RSS), and not in Node's `arrayBuffers`, so used_memory does not
 * jump by it. Where wasm memory cannot be had, an ArrayBuffer does the same job.
 */
import { performance } from 'node:perf_hooks';

/** Block bytes V8 would let grow before a full collection (node-flags.ts's old-space size). */
const LIMIT = 64 * 1024 * 1024;
/** How long allocation must pause before V8 is told. */
const QUIET_MS = 200;
/** A WebAssembly page. */
const WASM_PAGE = 64 * 1024;

/** Block bytes allocated since the last full collection this module knows of. */
let counted = 0;
/**
 * Cleared by the next full collection (scavenges keep WeakRef targets): a collection came
 * since it was made when deref() gives undefined.
 */
let epoch = new WeakRef({});
let lastAlloc = 0;
let timer: NodeJS.Timeout | null = null;

/** Blocks smaller than this are ordinary (counted) memory: the bulk is in big ones. */
const SHARED_MIN = 4096;

/** A zeroed block of `bytes` (at least SHARED_MIN) that V8 does not count. */
function shared(bytes: number): SharedArrayBuffer {
  if (epoch.deref() === undefined) newEpoch();
  counted += bytes;
  lastAlloc = performance.now();
  if (counted >= LIMIT && timer === null) timer = setTimeout(check, QUIET_MS).unref();
  return new SharedArrayBuffer(bytes);
}

function newEpoch(): void {
  counted = 0;
  epoch = new WeakRef({});
}

function check(): void {
  timer = null;
  if (epoch.deref() === undefined) {
    // A full collection came meanwhile (the heap's own, or MEMORY PURGE) and saw the blocks.
    newEpoch();
    return;
  }
  // One came, and blocks allocated since restarted the count.
  if (counted < LIMIT) return;
  if (performance.now() - lastAlloc >= QUIET_MS || counted >= 4 * LIMIT) {
    tellV8();
    newEpoch();
    return;
  }
  timer = setTimeout(check, QUIET_MS).unref();
}

interface WasmMemoryCtor {
  new (d: { initial: number }): object;
}

function tellV8(): void {
  const wasm = (globalThis as unknown as { WebAssembly?: { Memory: WasmMemoryCtor } }).WebAssembly;
  try {
    if (wasm) {
      new wasm.Memory({ initial: LIMIT / WASM_PAGE + 1 });
      return;
    }
  } catch {
    // No address space for wasm memory (ulimit -v): fall through.
  }
  new ArrayBuffer(LIMIT + WASM_PAGE);
}

/** A block of n bytes, not zeroed when small. */
export function blockBytes(n: number): Buffer {
  return n < SHARED_MIN ? Buffer.allocUnsafeSlow(n) : Buffer.from(shared(n));
}

export function blockU32(n: number): Uint32Array {
  return n * 4 < SHARED_MIN ? new Uint32Array(n) : new Uint32Array(shared(n * 4));
}

export function blockI32(n: number): Int32Array {
  return n * 4 < SHARED_MIN ? new Int32Array(n) : new Int32Array(shared(n * 4));
}

export function blockF64(n: number): Float64Array {
  return n * 8 < SHARED_MIN ? new Float64Array(n) : new Float64Array(shared(n * 8));
}
