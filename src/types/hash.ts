/**
 * The hash value. Small hashes behave like Redis's listpack encoding: a Map keeps insertion
 * order, updates in place and deletions without reordering, exactly as a listpack would, so
 * HGETALL/HKEYS/HSCAN answer in Redis's order. Once a hash passes hash-max-listpack-entries or
 * gets a field or value longer than hash-max-listpack-value it becomes a `hashtable` for good
 * (as in Redis) and moves to a slot table: fields never move once placed, so an HSCAN cursor
 * (a slot index) returns every field present for the whole scan, and random picks are O(1).
 * The field -> slot index is a SegDict, which never rehashes a big table in one go.
 */
import type { DataValue } from '../keyspace/db.js';
import { SegDict } from './hash-dict.js';

/** The listpack limits in force when a write happens (from the config). */
export interface HashLimits {
  entries: number;
  value: number;
}

/** Slots per chunk (a power of two): the table grows by a chunk, never by copying it all. */
const CHUNK_BITS = 12;
const CHUNK = 1 << CHUNK_BITS;
/** Slots the first chunk starts with (a power of two below CHUNK). */
const FIRST_SLOTS = 256;

/**
 * Fields in stable slots with holes reused; only trailing holes are trimmed. The slots live in
 * chunks of CHUNK (field, value) pairs rather than in two arrays that V8 would copy whole each
 * time they grow (about 15 ms of stall at a million fields).
 */
class SlotTable {
  index = new SegDict<number>();
  /** Slot i's field at chunks[i >> CHUNK_BITS][2 * (i % CHUNK)], its value in the next entry. */
  private chunks: (string | undefined)[][] = [];
  /** One past the last slot in use. */
  length = 0;
  private free: number[] = [];

  field(i: number): string | undefined {
    return this.chunks[i >>> CHUNK_BITS][(i & (CHUNK - 1)) * 2];
  }

  value(i: number): string | undefined {
    return this.chunks[i >>> CHUNK_BITS][(i & (CHUNK - 1)) * 2 + 1];
  }

  private put(i: number, f: string | undefined, v: string | undefined): void {
    const ci = i >>> CHUNK_BITS;
    const j = (i & (CHUNK - 1)) * 2;
    let c = this.chunks[ci];
    if (c === undefined) {
      // The first chunk starts small and doubles: most hashtable hashes have a few hundred
      // fields, and a full chunk is 64 KB.
      c = new Array<string | undefined>(ci === 0 ? 2 * FIRST_SLOTS : 2 * CHUNK).fill(undefined);
      this.chunks.push(c);
    } else if (j >= c.length) {
      let n = c.length;
      while (n <= j) n *= 2;
      c = c.concat(new Array<string | undefined>(n - c.length).fill(undefined));
      this.chunks[ci] = c;
    }
    c[j] = f;
    c[j + 1] = v;
  }

  get(f: string): string | undefined {
    const i = this.index.get(f);
    return i === undefined ? undefined : this.value(i);
  }

  set(f: string, v: string): boolean {
    const i = this.index.get(f);
    if (i !== undefined) {
      this.put(i, f, v);
      return false;
    }
    let slot = this.free.pop();
    while (slot !== undefined && slot >= this.length) slot = this.free.pop();
    if (slot === undefined) slot = this.length++;
    this.put(slot, f, v);
    this.index.set(f, slot);
    return true;
  }

  delete(f: string): boolean {
    const i = this.index.get(f);
    if (i === undefined) return false;
    this.index.delete(f);
    this.put(i, undefined, undefined);
    if (i === this.length - 1) {
      while (this.length > 0 && this.field(this.length - 1) === undefined) this.length--;
      // Keep one spare chunk past the end, so a table hovering at a chunk edge does not
      // allocate and drop the same chunk over and over.
      while (this.chunks.length > (this.length >>> CHUNK_BITS) + 2) this.chunks.pop();
      // Free slots past the new end are stale (set() skips them); drop them only once they
      // dominate, so the filtering stays amortized O(1) per delete.
      if (this.free.length > 2 * this.length + 64) {
        this.free = this.free.filter((s) => s < this.length);
      }
    } else {
      this.free.push(i);
    }
    return true;
  }

  clone(): SlotTable {
    const t = new SlotTable();
    t.index = this.index.clone();
    t.chunks = this.chunks.map((c) => c.slice());
    t.length = this.length;
    t.free = this.free.slice();
    return t;
  }

  /** A uniformly chosen live slot when the table is dense enough, else a nearby one. */
  randomSlot(rand: () => number): number {
    const n = this.length;
    for (let t = 0; t < 32; t++) {
      const i = Math.floor(rand() * n);
      if (this.field(i) !== undefined) return i;
    }
    let i = Math.floor(rand() * n);
    while (this.field(i) === undefined) i = (i + 1) % n;
    return i;
  }
}

export class HashValue implements DataValue {
  readonly kind = 'hash';
  private small: Map<string, string> | null = new Map();
  private big: SlotTable | null = null;

  encoding(): string {
    return this.small ? 'listpack' : 'hashtable';
  }

  get size(): number {
    return this.small ? this.small.size : this.big!.index.size;
  }

  get(f: string): string | undefined {
    return this.small ? this.small.get(f) : this.big!.get(f);
  }

  has(f: string): boolean {
    return this.small ? this.small.has(f) : this.big!.index.has(f);
  }

  /**
   * Converts to a hashtable before a write when any of `strings` (the fields and values about
   * to be written) is longer than the listpack value limit, as Redis checks up front.
   */
  checkLengths(strings: readonly string[], limits: HashLimits, from = 0): void {
    if (!this.small) return;
    for (let i = from; i < strings.length; i++) {
      if (strings[i].length > limits.value) {
        this.convert();
        return;
      }
    }
  }

  /** Sets a field; true when it is new. Converts once the entry count passes the limit. */
  set(f: string, v: string, limits: HashLimits): boolean {
    if (this.small) {
      if (f.length > limits.value || v.length > limits.value) this.convert();
      else {
        // One hash lookup instead of has() + set(): only a new field grows the map.
        const before = this.small.size;
        this.small.set(f, v);
        const isNew = this.small.size !== before;
        if (this.small.size > limits.entries) this.convert();
        return isNew;
      }
    }
    return this.big!.set(f, v);
  }

  delete(f: string): boolean {
    return this.small ? this.small.delete(f) : this.big!.delete(f);
  }

  /** An independent copy (COPY) keeping the encoding, as Redis's dup does. */
  clone(): HashValue {
    const c = new HashValue();
    c.small = this.small ? new Map(this.small) : null;
    c.big = this.big ? this.big.clone() : null;
    return c;
  }

  /** Every field and value, in listpack order for small hashes. */
  *entries(): IterableIterator<[string, string]> {
    if (this.small) {
      yield* this.small;
      return;
    }
    const t = this.big!;
    for (let i = 0; i < t.length; i++) {
      const f = t.field(i);
      if (f !== undefined) yield [f, t.value(i)!];
    }
  }

  /** Whether HSCAN returns everything in one call with cursor 0 (listpack encoding). */
  get scansWhole(): boolean {
    return this.small !== null;
  }

  /**
   * One HSCAN step over a hashtable: visits slots from `cursor` until `count` fields were
   * seen (or 10x as many empty slots), calls `emit` for each, returns the next cursor (0 at
   * the end).
   */
  scanStep(cursor: number, count: number, emit: (f: string, v: string) => void): number {
    const t = this.big!;
    let seen = 0;
    let i = cursor;
    const maxSlots = count * 10;
    for (let visited = 0; i < t.length && seen < count && visited < maxSlots; i++) {
      visited++;
      const f = t.field(i);
      if (f === undefined) continue;
      seen++;
      emit(f, t.value(i)!);
    }
    return i >= t.length ? 0 : i;
  }

  /** A random field and value (the hash is not empty). */
  randomEntry(rand: () => number): [string, string] {
    if (this.small) {
      let k = Math.floor(rand() * this.small.size);
      for (const e of this.small) if (k-- === 0) return e;
    }
    const t = this.big!;
    const i = t.randomSlot(rand);
    return [t.field(i)!, t.value(i)!];
  }

  private convert(): void {
    const t = new SlotTable();
    for (const [f, v] of this.small!) t.set(f, v);
    this.small = null;
    this.big = t;
  }
}
