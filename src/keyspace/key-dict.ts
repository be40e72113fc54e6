/**
 * The keyspace's dictionary (a database's keys, and its expiry times): a JS Map split by key
 * hash into PARTS Maps.
 *
 * One Map per database had two limits an operator would meet. V8 refuses a Map's 2^24th entry
 * (16,777,216 keys: every later write failed), and a Map doubles its table in one go when it
 * fills up, which blocked every client for ~30 ms at 2^19 keys and ~130 ms at 2^20. Split 256
 * ways, a database holds 2^32 keys, and a part doubles at a 256th of the size: the same
 * ~130 ms block would come only at 268M keys, beyond what a Node heap holds. The price is our
 * own hash of each key on every lookup (strHash: a few ns for a short key).
 *
 * Parts are created on first use and never merged or moved, so every key stays in one part
 * for the dictionary's life. Iteration visits the parts in index order, each in insertion
 * order: a live iteration survives any change, and SCAN (scan.ts) bounds each part by its
 * size when the walk enters it.
 */
import { strHash } from '../util/strhash.js';

const PART_BITS = 8;
export const PARTS = 1 << PART_BITS;

/** Bytes hashed at most per key: longer keys are sampled (strHash), so lookups stay cheap. */
const HASH_SAMPLE = 64;

/** The part of the keyspace key k belongs to. */
function partFor(k: string): number {
  return strHash(k, HASH_SAMPLE) & (PARTS - 1);
}

let lastKey = '';
let lastPart = partFor('');

export class KeyDict<V> {
  private readonly parts: (Map<string, V> | undefined)[] = new Array<Map<string, V> | undefined>(
    PARTS,
  ).fill(undefined);
  private count = 0;

  get size(): number {
    return this.count;
  }

  private partOf(k: string): number {
    // A command usually asks the keys and then the expiry times about the same key string:
    // one remembered hash, shared by every KeyDict, saves the second pass over its bytes.
    if (k !== lastKey) {
      lastPart = partFor(k);
      lastKey = k;
    }
    return lastPart;
  }

  get(k: string): V | undefined {
    const m = this.parts[this.partOf(k)];
    return m === undefined ? undefined : m.get(k);
  }

  has(k: string): boolean {
    const m = this.parts[this.partOf(k)];
    return m !== undefined && m.has(k);
  }

  /** Sets `k`; true when it was new. */
  add(k: string, v: V): boolean {
    const i = this.partOf(k);
    let m = this.parts[i];
    if (m === undefined) this.parts[i] = m = new Map();
    const before = m.size;
    m.set(k, v);
    if (m.size === before) return false;
    this.count++;
    return true;
  }

  set(k: string, v: V): this {
    this.add(k, v);
    return this;
  }

  delete(k: string): boolean {
    const m = this.parts[this.partOf(k)];
    if (m === undefined || !m.delete(k)) return false;
    this.count--;
    return true;
  }

  /** The part Map at `index` (empty when never used); for cursors that walk part by part. */
  part(index: number): ReadonlyMap<string, V> {
    return this.parts[index] ?? EMPTY;
  }

  *entries(): IterableIterator<[string, V]> {
    for (let i = 0; i < PARTS; i++) {
      const m = this.parts[i];
      if (m !== undefined) yield* m;
    }
  }

  *keys(): IterableIterator<string> {
    for (let i = 0; i < PARTS; i++) {
      const m = this.parts[i];
      if (m !== undefined) yield* m.keys();
    }
  }

  [Symbol.iterator](): IterableIterator<[string, V]> {
    return this.entries();
  }
}

const EMPTY: ReadonlyMap<string, never> = new Map<string, never>();
