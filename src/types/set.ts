/**
 * The set type. OBJECT ENCODING follows Redis 7.0: a set is an intset while every member is a
 * canonical 64-bit integer and it holds at most set-max-intset-entries members; once it becomes
 * a hashtable it stays one.
 *
 * A small set (at most PACKED_MAX members of at most PACKED_LEN bytes, whatever its encoding)
 * is one packed string (packed-items.ts): in numeric order while an intset, as Redis keeps an
 * intset, else in insertion order. A bigger one keeps its members in an array (O(1) random pick
 * for SPOP/SRANDMEMBER) indexed by a Map member -> position (O(1) membership, swap-remove), and
 * stays so.
 */
import type { DataValue } from '../keyspace/db.js';
import { parseInt64 } from '../util/parse.js';
import { LiveScan } from './set-scan.js';
import * as packed from './packed-items.js';

export const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';

/** The most members, and the longest member, a packed set holds (a hash's listpack limits). */
const PACKED_MAX = 128;
const PACKED_LEN = 64;

/** Whether a goes before b in an intset (both canonical integers). */
const intBefore = (a: string, b: string): boolean => compareIntStrings(a, b) < 0;

export class SetValue implements DataValue {
  get kind(): 'set' {
    return 'set';
  }
  /** A small set's members (packed-items.ts), or null once it is big. */
  private small: string | null = '';
  /** Members in `small`. */
  private count = 0;
  private big: BigSet | null = null;
  private intset = true;

  encoding(): string {
    return this.intset ? 'intset' : 'hashtable';
  }

  get size(): number {
    return this.small !== null ? this.count : this.big!.items.length;
  }

  has(m: string): boolean {
    return this.small !== null ? packed.has(this.small, m) : this.big!.pos.has(m);
  }

  /**
   * Adds `m`; false if it was already a member. `maxIntsetEntries` is the config's at this
   * write (as Redis reads it), not kept here.
   */
  add(m: string, maxIntsetEntries: number): boolean {
    if (this.has(m)) return false;
    if (this.intset && (parseInt64(m) === null || this.size >= maxIntsetEntries)) {
      this.intset = false;
    }
    const small = this.small;
    if (small !== null && this.count < PACKED_MAX && m.length <= PACKED_LEN) {
      this.small = packed.add(small, m, this.intset ? intBefore : null);
      this.count++;
      return true;
    }
    if (small !== null) {
      this.big = new BigSet(packed.elements(small, 0, this.count));
      this.small = null;
      this.count = 0;
    }
    this.big!.add(m);
    return true;
  }

  /** Removes `m`; false if it was not a member. */
  remove(m: string): boolean {
    if (this.small === null) return this.big!.remove(m);
    if (!packed.has(this.small, m)) return false;
    this.small = packed.removeFound(this.small);
    this.count--;
    return true;
  }

  /** An independent copy (COPY) keeping the encoding, as Redis's dup does. */
  clone(): SetValue {
    const c = new SetValue();
    c.small = this.small;
    c.count = this.count;
    c.big = this.big ? new BigSet(this.big.items.slice()) : null;
    c.intset = this.intset;
    return c;
  }

  /** A uniformly random member (the set must not be empty). */
  random(): string {
    const k = Math.floor(Math.random() * this.size);
    return this.small !== null
      ? packed.elementAt(this.small, packed.offsetOf(this.small, k))
      : this.big!.items[k];
  }

  /**
   * Members in the order Redis would iterate them where that order is defined (intsets are
   * sorted); hashtable order is unspecified, so insertion order (with swap-removes) is used.
   */
  members(): readonly string[] {
    if (this.small !== null) return packed.elements(this.small, 0, this.count);
    const big = this.big!;
    if (!this.intset) return big.items;
    return (big.sorted ??= [...big.items].sort(compareIntStrings));
  }

  /** Whether SSCAN answers with every member at once (cursor 0), as for a small set. */
  get scansWhole(): boolean {
    return this.small !== null || this.intset;
  }

  /** Live iteration (stays valid while the set changes) for cursor-based SSCAN. */
  liveKeys(): IterableIterator<string> {
    return this.big!.pos.keys();
  }

  /** SSCAN cursors over an unpacked hashtable. */
  get scan(): LiveScan<string> {
    return (this.big!.scans ??= new LiveScan<string>());
  }
}

/** An unpacked set: members in an array, indexed by a Map. */
class BigSet {
  readonly pos = new Map<string, number>();
  /** Members in intset order (ascending), rebuilt lazily after a change. */
  sorted: string[] | null = null;
  scans: LiveScan<string> | null = null;

  constructor(readonly items: string[]) {
    for (let i = 0; i < items.length; i++) this.pos.set(items[i], i);
  }

  add(m: string): void {
    this.pos.set(m, this.items.length);
    this.items.push(m);
    this.sorted = null;
  }

  /** Swap-remove: the last member takes m's place. */
  remove(m: string): boolean {
    const i = this.pos.get(m);
    if (i === undefined) return false;
    const last = this.items.pop()!;
    if (last !== m) {
      this.items[i] = last;
      this.pos.set(last, i);
    }
    this.pos.delete(m);
    this.sorted = null;
    return true;
  }
}

/** Numeric order of canonical integer strings (intset order). */
function compareIntStrings(a: string, b: string): number {
  if (a.length < 16 && b.length < 16) return Number(a) - Number(b);
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
