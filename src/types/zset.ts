/**
 * The sorted set type. OBJECT ENCODING follows Redis 7.0: `listpack` while the set holds at most
 * zset-max-listpack-entries members none longer than zset-max-listpack-value bytes, else
 * `skiplist`; a skiplist stays one except where Redis converts stored results back
 * (ZUNIONSTORE, ZINTERSTORE, ZDIFFSTORE, ZRANGESTORE: see shrinkIfSmall).
 *
 * A listpack set is one packed string in order (zset-packed.ts), scanned as Redis scans a
 * listpack. A skiplist set keeps each member in a FieldTable slot with its score beside it
 * (ZSCORE in O(1), members outside the V8 heap) plus an order-statistic B+tree of (score, slot)
 * (zset-btree.ts) for ordered access. Positions in either are ZPos cursors.
 */
import type { DataValue } from '../keyspace/db.js';
import type { Client } from '../server/client.js';
import type { Reply } from '../resp/reply.js';
import { BulkWriter } from './bulk-writer.js';
import { WRONGTYPE } from './set.js';
import { ZTree, type ZPos } from './zset-btree.js';
import { FieldTable, scanSlots } from './field-table.js';
import * as packed from './zset-packed.js';

export interface ZsetLimits {
  maxEntries: number;
  maxValue: number;
}

/** The skiplist encoding's two halves. */
interface BigZSet {
  keys: FieldTable;
  tree: ZTree;
}

function bigZSet(): BigZSet {
  const keys = new FieldTable();
  return { keys, tree: new ZTree(keys) };
}

export class ZSetValue implements DataValue {
  get kind(): 'zset' {
    return 'zset';
  }
  /** A listpack set's entries (zset-packed.ts), or null for a skiplist. */
  private small: string | null;
  /** Entries in `small`. */
  private count = 0;
  private big: BigZSet | null;

  /** A new empty zset in the listpack or the skiplist encoding. */
  constructor(listpack: boolean) {
    this.small = listpack ? '' : null;
    this.big = listpack ? null : bigZSet();
  }

  /**
   * A new empty zset for a first member `firstLen` bytes long, encoded as the limits say. The
   * limits are the config's at each write (as Redis reads them), not kept in the value.
   */
  static forFirst(limits: ZsetLimits, firstLen = 0): ZSetValue {
    return new ZSetValue(limits.maxEntries > 0 && firstLen <= limits.maxValue);
  }

  get listpack(): boolean {
    return this.small !== null;
  }

  encoding(): string {
    return this.small !== null ? 'listpack' : 'skiplist';
  }

  get size(): number {
    return this.small !== null ? this.count : this.big!.keys.size;
  }

  score(m: string): number | undefined {
    const id = this.slotOf(m);
    return id < 0 ? undefined : this.scoreAt(id);
  }

  /**
   * Member m's slot, or -1: a read followed by update() looks the member up once. (A packed
   * set's slot is the member's rank, valid until the next write.)
   */
  slotOf(m: string): number {
    return this.small !== null ? packed.find(this.small, m) : this.big!.keys.slotOf(m);
  }

  /** The score of the member in slot `id`. */
  scoreAt(id: number): number {
    return this.small !== null ? packed.scoreOfRank(this.small, id) : this.big!.keys.num(id);
  }

  /** Adds a new member or changes a score; true if the member was new. */
  set(m: string, score: number, limits: ZsetLimits): boolean {
    const id = this.slotOf(m);
    if (id < 0) {
      this.add(m, score, limits);
      return true;
    }
    const cur = this.scoreAt(id);
    if (cur !== score) this.update(m, id, cur, score);
    return false;
  }

  /** Every member and score: in order for a listpack, else in slot order (ZSCAN's). */
  *entries(): IterableIterator<[string, number]> {
    if (this.small !== null) {
      const c = this.first();
      if (c === null) return;
      do yield [c.member, c.score];
      while (c.next());
      return;
    }
    const t = this.big!.keys;
    for (let i = 0; i < t.length; i++) if (t.has(i)) yield [t.field(i), t.num(i)];
  }

  /**
   * One ZSCAN step over the skiplist encoding: a cursor is a slot number, and members keep
   * their slot, so a scan returns every member present throughout it.
   */
  scanStep(cursor: number, count: number, emit: (m: string, score: number) => void): number {
    const t = this.big!.keys;
    return scanSlots(t, cursor, count, (i) => emit(t.field(i), t.num(i)));
  }

  /** Adds `m`, which the caller found absent (saves a second lookup in a big dict). */
  add(m: string, score: number, limits: ZsetLimits): void {
    const small = this.small;
    if (small !== null) {
      if (this.count + 1 <= limits.maxEntries && m.length <= limits.maxValue) {
        // A listpack stores scores as printed integers, so -0 comes back as 0.
        this.small = packed.insert(small, score === 0 ? 0 : score, m);
        this.count++;
        return;
      }
      this.toSkiplist();
    }
    const { keys, tree } = this.big!;
    const id = keys.add(m, '');
    keys.setNum(id, score);
    tree.insert(score, m, id);
  }

  /** Moves member `m` (slot `id`) from its current score `cur` to `score` (different). */
  update(m: string, id: number, cur: number, score: number): void {
    if (this.small !== null) {
      const rest = packed.removeRange(this.small, id, id);
      this.small = packed.insert(rest, score === 0 ? 0 : score, m);
      return;
    }
    const { keys, tree } = this.big!;
    tree.updateScore(cur, m, id, score);
    keys.setNum(id, score);
  }

  remove(m: string): boolean {
    if (this.small !== null) {
      if (packed.find(this.small, m) < 0) return false;
      this.small = packed.removeFound(this.small);
      this.count--;
      return true;
    }
    const { keys, tree } = this.big!;
    const id = keys.slotOf(m);
    if (id < 0) return false;
    tree.delete(keys.num(id), m, id);
    keys.removeSlot(id);
    return true;
  }

  /** 0-based rank of `m` in ascending order, or -1. */
  rank(m: string): number {
    if (this.small !== null) return packed.find(this.small, m);
    const { keys, tree } = this.big!;
    const id = keys.slotOf(m);
    return id < 0 ? -1 : tree.rank(keys.num(id), m, id);
  }

  /** A cursor at 0-based rank `i` (< size). */
  at(i: number): ZPos {
    return this.small !== null ? packed.cursorAt(this.small, i) : this.big!.tree.at(i)!;
  }

  /**
   * Writes the entries of `count` ranks from `start` (downwards when `rev`) as ZRANGE replies
   * them: each member as a bulk string followed, when `withscores`, by its score (the two
   * nested in an array of 2 in RESP3). A big reply to a skiplist set is written from the
   * members' bytes (ZTree.writeRange).
   */
  writeRange(
    start: number,
    count: number,
    rev: boolean,
    withscores: boolean,
    w: Reply | BulkWriter,
  ): void {
    if (count === 0) return;
    if (this.small === null && w instanceof BulkWriter) {
      this.big!.tree.writeRange(start, count, rev, withscores, w);
      return;
    }
    const nested = withscores && w.resp === 3;
    const cur = this.at(start);
    for (let k = 0; k < count; k++) {
      if (nested) w.array(2);
      w.bulk(cur.member);
      if (withscores) w.double(cur.score);
      if (rev) cur.prev();
      else cur.next();
    }
  }

  /** A cursor at the lowest entry, or null when empty. */
  first(): ZPos | null {
    if (this.small === null) return this.big!.tree.first();
    return this.count === 0 ? null : packed.cursorAt(this.small, 0);
  }

  /** A cursor at the highest entry, or null when empty. */
  last(): ZPos | null {
    if (this.small === null) return this.big!.tree.last();
    return this.count === 0 ? null : packed.cursorAt(this.small, this.count - 1);
  }

  /**
   * How many entries satisfy `before`, which must hold for a prefix of the order (score below a
   * bound, member below a bound among equal scores): the rank of the first entry it rejects.
   */
  countBefore(before: (s: number, m: string) => boolean): number {
    return this.small !== null
      ? packed.countBefore(this.small, before, true)
      : this.big!.tree.countBefore(before);
  }

  /** countBefore for a predicate on the score alone: no member is read. */
  countScoresBefore(before: (s: number) => boolean): number {
    return this.small !== null
      ? packed.countBefore(this.small, before, false)
      : this.big!.tree.countScoresBefore(before);
  }

  /** Deletes 0-based ranks start..end inclusive; returns how many went. */
  removeRanks(start: number, end: number): number {
    const n = end - start + 1;
    if (this.small !== null) {
      this.small = packed.removeRange(this.small, start, end);
      this.count -= n;
    } else {
      const { keys, tree } = this.big!;
      if (n === 1) keys.removeSlot(tree.deleteAt(start));
      else tree.deleteRange(start, n, (id) => keys.removeSlot(id));
    }
    return n;
  }

  /** An independent copy (COPY) keeping the encoding, as Redis's dup does; O(n). */
  clone(): ZSetValue {
    const c = new ZSetValue(true);
    c.small = this.small;
    c.count = this.count;
    if (this.big) {
      const keys = this.big.keys.clone();
      c.big = { keys, tree: this.big.tree.clone(keys) };
    } else c.big = null;
    return c;
  }

  /**
   * Moves a listpack set to the skiplist encoding (for good, but see shrinkIfSmall); SORT does
   * it to the set it reads, as Redis's zsetConvert there does.
   */
  toSkiplist(): void {
    const big = bigZSet();
    for (const [m, score] of this.entries()) {
      const id = big.keys.add(m, '');
      big.keys.setNum(id, score);
      big.tree.insert(score, m, id);
    }
    this.small = null;
    this.count = 0;
    this.big = big;
  }

  /** Stored results go back to listpack when small enough (Redis's convert-if-needed). */
  shrinkIfSmall(limits: ZsetLimits): void {
    if (this.small !== null || this.size > limits.maxEntries) return;
    const t = this.big!.keys;
    for (let i = 0; i < t.length; i++) if (t.has(i) && t.field(i).length > limits.maxValue) return;
    let small = '';
    const c = this.big!.tree.first();
    if (c !== null) {
      // Turning -0 into 0 keeps the order: the two compare equal.
      do small = packed.insert(small, c.score === 0 ? 0 : c.score, c.member);
      while (c.next());
    }
    this.count = this.size;
    this.small = small;
    this.big = null;
  }
}

/** The zset at `key`: undefined if missing, null if another type (WRONGTYPE already sent). */
export function lookupZset(c: Client, key: string): ZSetValue | undefined | null {
  const v = c.db.get(key);
  if (v === undefined) return undefined;
  if (v instanceof ZSetValue) return v;
  c.reply.error(WRONGTYPE);
  return null;
}

/** The listpack limits in the config now (one object while they stay the same). */
let lastLimits: ZsetLimits = { maxEntries: -1, maxValue: -1 };

export function zsetLimits(c: Client): ZsetLimits {
  const cfg = c.server.config;
  const maxEntries = cfg.get('zset-max-listpack-entries');
  const maxValue = cfg.get('zset-max-listpack-value');
  if (lastLimits.maxEntries !== maxEntries || lastLimits.maxValue !== maxValue) {
    lastLimits = { maxEntries, maxValue };
  }
  return lastLimits;
}

export function newZset(c: Client, firstLen = 0): ZSetValue {
  return ZSetValue.forFirst(zsetLimits(c), firstLen);
}
