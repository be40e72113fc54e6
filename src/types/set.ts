/**
 * The set type. Members live in an array (O(1) random pick for SPOP/SRANDMEMBER) indexed by a
 * Map member -> position (O(1) membership, swap-remove). OBJECT ENCODING follows Redis 7.0: a
 * set is an intset while every member is a canonical 64-bit integer and it holds at most
 * set-max-intset-entries members; once it becomes a hashtable it stays one.
 */
import type { DataValue } from '../keyspace/db.js';
import { parseInt64 } from '../util/parse.js';
import { LiveScan } from './set-scan.js';

export const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';

export class SetValue implements DataValue {
  readonly kind = 'set';
  private pos = new Map<string, number>();
  private items: string[] = [];
  private intset = true;
  /** Members in intset order (ascending), rebuilt lazily after a change. */
  private sortedCache: string[] | null = null;

  constructor(private readonly maxIntsetEntries: number) {}

  encoding(): string {
    return this.intset ? 'intset' : 'hashtable';
  }

  get size(): number {
    return this.items.length;
  }

  has(m: string): boolean {
    return this.pos.has(m);
  }

  /** Adds `m`; false if it was already a member. */
  add(m: string): boolean {
    if (this.pos.has(m)) return false;
    if (this.intset && (parseInt64(m) === null || this.items.length >= this.maxIntsetEntries)) {
      this.intset = false;
    }
    this.pos.set(m, this.items.length);
    this.items.push(m);
    this.sortedCache = null;
    return true;
  }

  /** Removes `m`; false if it was not a member. */
  remove(m: string): boolean {
    const i = this.pos.get(m);
    if (i === undefined) return false;
    const last = this.items.pop()!;
    if (last !== m) {
      this.items[i] = last;
      this.pos.set(last, i);
    }
    this.pos.delete(m);
    this.sortedCache = null;
    return true;
  }

  /** An independent copy (COPY) keeping the encoding, as Redis's dup does. */
  clone(): SetValue {
    const c = new SetValue(this.maxIntsetEntries);
    c.pos = new Map(this.pos);
    c.items = this.items.slice();
    c.intset = this.intset;
    return c;
  }

  /** A uniformly random member (the set must not be empty). */
  random(): string {
    return this.items[Math.floor(Math.random() * this.items.length)];
  }

  /**
   * Members in the order Redis would iterate them where that order is defined (intsets are
   * sorted); hashtable order is unspecified, so insertion order (with swap-removes) is used.
   */
  members(): readonly string[] {
    if (!this.intset) return this.items;
    if (!this.sortedCache) this.sortedCache = [...this.items].sort(compareIntStrings);
    return this.sortedCache;
  }

  /** Live iteration (stays valid while the set changes) for cursor-based SSCAN. */
  liveKeys(): IterableIterator<string> {
    return this.pos.keys();
  }

  /** SSCAN cursors over the hashtable encoding. */
  readonly scan = new LiveScan<string>();
}

/** Numeric order of canonical integer strings (intset order). */
function compareIntStrings(a: string, b: string): number {
  if (a.length < 16 && b.length < 16) return Number(a) - Number(b);
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
