/**
 * The hash value. Small hashes are packed into one string as Redis packs them into a listpack
 * (hash-packed.ts): insertion order, updates in place and deletions without reordering, so
 * HGETALL/HKEYS/HSCAN answer in Redis's order. Once a hash passes hash-max-listpack-entries or
 * gets a field or value longer than hash-max-listpack-value it becomes a `hashtable` for good
 * (as in Redis) and moves to a FieldTable, outside the V8 heap: fields keep their slot once
 * placed, so an HSCAN cursor (a slot index) returns every field present for the whole scan, and
 * random picks are O(1).
 */
import type { DataValue } from '../keyspace/db.js';
import type { BulkWriter } from './bulk-writer.js';
import { FieldTable } from './field-table.js';
import * as packed from './hash-packed.js';

/** The listpack limits in force when a write happens (from the config). */
export interface HashLimits {
  entries: number;
  value: number;
}

export class HashValue implements DataValue {
  get kind(): 'hash' {
    return 'hash';
  }
  /** A listpack hash's entries (hash-packed.ts), or null for a hashtable. */
  private small: string | null = '';
  /** Entries in `small`. */
  private count = 0;
  private big: FieldTable | null = null;

  encoding(): string {
    return this.small !== null ? 'listpack' : 'hashtable';
  }

  get size(): number {
    return this.small !== null ? this.count : this.big!.size;
  }

  get(f: string): string | undefined {
    if (this.small === null) return this.big!.get(f);
    return packed.find(this.small, f) ? packed.valueFound(this.small) : undefined;
  }

  has(f: string): boolean {
    return this.small !== null ? packed.find(this.small, f) : this.big!.slotOf(f) >= 0;
  }

  /**
   * Converts to a hashtable before a write when any of `strings` (the fields and values about
   * to be written) is longer than the listpack value limit, as Redis checks up front.
   */
  checkLengths(strings: readonly string[], limits: HashLimits, from = 0): void {
    if (this.small === null) return;
    for (let i = from; i < strings.length; i++) {
      if (strings[i].length > limits.value) {
        this.convert();
        return;
      }
    }
  }

  /** Sets a field; true when it is new. Converts once the entry count passes the limit. */
  set(f: string, v: string, limits: HashLimits): boolean {
    const small = this.small;
    if (small !== null) {
      if (f.length > limits.value || v.length > limits.value) this.convert();
      else if (packed.find(small, f)) {
        this.small = packed.setFound(small, v);
        return false;
      } else {
        this.small = packed.append(small, f, v);
        if (++this.count > limits.entries) this.convert();
        return true;
      }
    }
    return this.big!.set(f, v);
  }

  delete(f: string): boolean {
    if (this.small === null) return this.big!.delete(f);
    if (!packed.find(this.small, f)) return false;
    this.small = packed.removeFound(this.small);
    this.count--;
    return true;
  }

  /** An independent copy (COPY) keeping the encoding, as Redis's dup does. */
  clone(): HashValue {
    const c = new HashValue();
    c.small = this.small;
    c.count = this.count;
    c.big = this.big ? this.big.clone() : null;
    return c;
  }

  /** Every field and value, in listpack order for small hashes. */
  *entries(): IterableIterator<[string, string]> {
    if (this.small !== null) {
      yield* packed.entries(this.small);
      return;
    }
    const t = this.big!;
    for (let i = 0; i < t.length; i++) {
      if (t.has(i)) yield [t.field(i), t.value(i)];
    }
  }

  /** Writes every field and/or value to w as bulk strings, in entries() order. */
  writeAll(w: BulkWriter, fields: boolean, values: boolean): void {
    if (this.small !== null) {
      for (const [f, v] of packed.entries(this.small)) {
        if (fields) w.bulk(f);
        if (values) w.bulk(v);
      }
      return;
    }
    this.big!.forEachBytes((b, at, flen, vlen) => {
      if (fields) w.bulkBytes(b, at, at + flen);
      if (values) w.bulkBytes(b, at + flen, at + flen + vlen);
    });
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
    return t.scanStep(cursor, count, (i) => emit(t.field(i), t.value(i)));
  }

  /** A random field and value (the hash is not empty). */
  randomEntry(rand: () => number): [string, string] {
    if (this.small !== null) return packed.nth(this.small, Math.floor(rand() * this.count));
    const t = this.big!;
    const i = t.randomSlot(rand);
    return [t.field(i), t.value(i)];
  }

  private convert(): void {
    const t = new FieldTable();
    for (const [f, v] of packed.entries(this.small!)) t.set(f, v);
    this.small = null;
    this.count = 0;
    this.big = t;
  }
}
