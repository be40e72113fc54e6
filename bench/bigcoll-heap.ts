/**
 * The live heap of keyshard's collection types, measured in the bench process itself: builds
 * the same three structures as bench/bigcoll.ts directly (no server) and compares V8's heap
 * after full collections. A keyshard server's used_memory also counts garbage the collector
 * has not reclaimed yet (an idle Node process does not collect), which this figure leaves out.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ListValue } from '../src/types/list.js';
import { HashValue } from '../src/types/hash.js';
import { ZSetValue } from '../src/types/zset.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function liveHeap(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** Bytes each structure of `n` elements keeps alive, keyed like ServerRun.memory. */
export function structureHeap(n: number): Record<string, number> {
  const out: Record<string, number> = {};
  const keep: unknown[] = [];
  const builds: [string, () => unknown][] = [
    [
      'zset',
      () => {
        const limits = { maxEntries: 128, maxValue: 64 };
        const z = ZSetValue.forFirst(limits);
        for (let i = 0; i < n; i++) z.add(`member:${i}`, (i * 7919) % n, limits);
        return z;
      },
    ],
    [
      'list',
      () => {
        const l = new ListValue();
        for (let i = 0; i < n; i++) l.pushBack(`element:${i}`);
        return l;
      },
    ],
    [
      'hash',
      () => {
        const h = new HashValue();
        const limits = { entries: 128, value: 64 };
        for (let i = 0; i < n; i++) h.set(`field:${i}`, `value:${i}`, limits);
        return h;
      },
    ],
  ];
  for (const [name, build] of builds) {
    const before = liveHeap();
    keep.push(build());
    out[name] = liveHeap() - before;
  }
  return out;
}
