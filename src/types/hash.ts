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

/** Fields in stable slots with holes reused; only trailing holes are trimmed. */
class SlotTable {
  index = new SegDict<number>();
  fields: (string | undefined)[] = [];
  vals: (string | undefined)[] = [];
  private free: number[] = [];

  get(f: string): string | undefined {
    const i = this.index.get(f);
    return i === undefined ? undefined : this.vals[i];
  }

  set(f: string, v: string): boolean {
    const i = this.index.get(f);
    if (i !== undefined) {
      this.vals[i] = v;
      return false;
    }
    let slot = this.free.pop();
    while (slot !== undefined && slot >= this.fields.length) slot = this.free.pop();
    if (slot === undefined) {
      slot = this.fields.length;
      this.fields.push(f);
      this.vals.push(v);
    } else {
      this.fields[slot] = f;
      this.vals[slot] = v;
    }
    this.index.set(f, slot);
    return true;
  }

  delete(f: string): boolean {
    const i = this.index.get(f);
    if (i === undefined) return false;
    this.index.delete(f);
    this.fields[i] = undefined;
    this.vals[i] = undefined;
    if (i === this.fields.length - 1) {
      while (this.fields.length > 0 && this.fields[this.fields.length - 1] === undefined) {
        this.fields.pop();
        this.vals.pop();
      }
      // Free slots past the new end are stale (set() skips them); drop them only once they
      // dominate, so the filtering stays amortized O(1) per delete.
      if (this.free.length > 2 * this.fields.length + 64) {
        this.free = this.free.filter((s) => s < this.fields.length);
      }
    } else {
      this.free.push(i);
    }
    return true;
  }

  clone(): SlotTable {
    const t = new SlotTable();
    t.index = this.index.clone();
    t.fields = this.fields.slice();
    t.vals = this.vals.slice();
    t.free = this.free.slice();
    return t;
  }

  /** A uniformly chosen live slot when the table is dense enough, else a nearby one. */
  randomSlot(rand: () => number): number {
    const n = this.fields.length;
    for (let t = 0; t < 32; t++) {
      const i = Math.floor(rand() * n);
      if (this.fields[i] !== undefined) return i;
    }
    let i = Math.floor(rand() * n);
    while (this.fields[i] === undefined) i = (i + 1) % n;
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
    const { fields, vals } = this.big!;
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i];
      if (f !== undefined) yield [f, vals[i]!];
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
    const { fields, vals } = this.big!;
    let seen = 0;
    let i = cursor;
    const maxSlots = count * 10;
    for (let visited = 0; i < fields.length && seen < count && visited < maxSlots; i++) {
      visited++;
      const f = fields[i];
      if (f === undefined) continue;
      seen++;
      emit(f, vals[i]!);
    }
    return i >= fields.length ? 0 : i;
  }

  /** A random field and value (the hash is not empty). */
  randomEntry(rand: () => number): [string, string] {
    if (this.small) {
      let k = Math.floor(rand() * this.small.size);
      for (const e of this.small) if (k-- === 0) return e;
    }
    const t = this.big!;
    const i = t.randomSlot(rand);
    return [t.fields[i]!, t.vals[i]!];
  }

  private convert(): void {
    const t = new SlotTable();
    for (const [f, v] of this.small!) t.set(f, v);
    this.small = null;
    this.big = t;
  }
}
