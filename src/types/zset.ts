/**
 * The sorted set type: MemberKeys (zset-keys.ts) holding each member in a slot with its score
 * beside it, for ZSCORE (O(1) once big: a FieldTable, whose members are not V8 heap objects),
 * plus an order-statistic B+tree (zset-btree.ts) of (score, slot) for ordered access. OBJECT
 * ENCODING follows Redis 7.0: `listpack` while the set holds at most zset-max-listpack-entries
 * members none longer than zset-max-listpack-value bytes, else `skiplist` (what Redis reports,
 * whatever our structure); a skiplist stays one except where Redis converts stored results back
 * (ZUNIONSTORE, ZINTERSTORE, ZDIFFSTORE, ZRANGESTORE: see shrinkIfSmall).
 */
import type { DataValue } from '../keyspace/db.js';
import type { Client } from '../server/client.js';
import { WRONGTYPE } from './set.js';
import { ZTree, type ZCursor } from './zset-btree.js';
import { FieldTable, scanSlots } from './field-table.js';
import { SmallKeys, type MemberKeys } from './zset-keys.js';

export interface ZsetLimits {
  maxEntries: number;
  maxValue: number;
}

export class ZSetValue implements DataValue {
  readonly kind = 'zset';
  keys: MemberKeys;
  tree: ZTree;
  listpack: boolean;

  /** A new empty zset; `firstLen` is the length of the member about to be added. */
  constructor(
    private readonly limits: ZsetLimits,
    firstLen = 0,
  ) {
    this.listpack = limits.maxEntries > 0 && firstLen <= limits.maxValue;
    this.keys = this.listpack ? new SmallKeys() : new FieldTable();
    this.tree = new ZTree(this.keys);
  }

  encoding(): string {
    return this.listpack ? 'listpack' : 'skiplist';
  }

  get size(): number {
    return this.keys.size;
  }

  score(m: string): number | undefined {
    const id = this.keys.slotOf(m);
    return id < 0 ? undefined : this.keys.num(id);
  }

  /** Member m's slot, or -1: a read followed by update() looks the member up once. */
  slotOf(m: string): number {
    return this.keys.slotOf(m);
  }

  /** The score of the member in slot `id`. */
  scoreAt(id: number): number {
    return this.keys.num(id);
  }

  /** Adds a new member or changes a score; true if the member was new. */
  set(m: string, score: number): boolean {
    const id = this.keys.slotOf(m);
    if (id < 0) {
      this.add(m, score);
      return true;
    }
    const cur = this.keys.num(id);
    if (cur !== score) this.update(m, id, cur, score);
    return false;
  }

  /** Every member and score, in slot order (ZSCAN's, not the set's order). */
  *entries(): IterableIterator<[string, number]> {
    const t = this.keys;
    for (let i = 0; i < t.length; i++) if (t.has(i)) yield [t.field(i), t.num(i)];
  }

  /**
   * One ZSCAN step over the skiplist encoding: a cursor is a slot number, and members keep
   * their slot, so a scan returns every member present throughout it.
   */
  scanStep(cursor: number, count: number, emit: (m: string, score: number) => void): number {
    const t = this.keys;
    return scanSlots(t, cursor, count, (i) => emit(t.field(i), t.num(i)));
  }

  /** Adds `m`, which the caller found absent (saves a second lookup in a big dict). */
  add(m: string, score: number): void {
    if (
      this.listpack &&
      (this.keys.size + 1 > this.limits.maxEntries || m.length > this.limits.maxValue)
    ) {
      this.listpack = false;
      this.toFieldTable();
    }
    // A listpack stores scores as printed integers, so -0 comes back as 0.
    if (this.listpack && score === 0) score = 0;
    const id = this.keys.add(m, '');
    this.keys.setNum(id, score);
    this.tree.insert(score, m, id);
  }

  /** Moves member `m` (slot `id`) from its current score `cur` to `score` (different). */
  update(m: string, id: number, cur: number, score: number): void {
    if (this.listpack && score === 0) score = 0;
    this.tree.updateScore(cur, m, id, score);
    this.keys.setNum(id, score);
  }

  remove(m: string): boolean {
    const id = this.keys.slotOf(m);
    if (id < 0) return false;
    this.tree.delete(this.keys.num(id), m, id);
    this.keys.removeSlot(id);
    return true;
  }

  /** 0-based rank of `m` in ascending order, or -1. */
  rank(m: string): number {
    const id = this.keys.slotOf(m);
    return id < 0 ? -1 : this.tree.rank(this.keys.num(id), m, id);
  }

  /** A cursor at 0-based rank `i` (< size). */
  at(i: number): ZCursor {
    return this.tree.at(i)!;
  }

  /** Deletes 0-based ranks start..end inclusive; returns how many went. */
  removeRanks(start: number, end: number): number {
    const n = end - start + 1;
    if (n === 1) this.keys.removeSlot(this.tree.deleteAt(start));
    else this.tree.deleteRange(start, n, (id) => this.keys.removeSlot(id));
    return n;
  }

  /** An independent copy (COPY) keeping the encoding, as Redis's dup does; O(n). */
  clone(): ZSetValue {
    const c = new ZSetValue(this.limits);
    c.listpack = this.listpack;
    c.keys = this.keys.clone();
    c.tree = this.tree.clone(c.keys);
    return c;
  }

  /** Moves the members to a FieldTable when the set stops being a listpack (for good). */
  private toFieldTable(): void {
    if (this.keys instanceof FieldTable) return;
    const keys = new FieldTable();
    const tree = new ZTree(keys);
    const c = this.tree.first();
    if (c !== null) {
      do {
        const m = c.member;
        const id = keys.add(m, '');
        keys.setNum(id, c.score);
        tree.insert(c.score, m, id);
      } while (c.next());
    }
    this.keys = keys;
    this.tree = tree;
  }

  /** Stored results go back to listpack when small enough (Redis's convert-if-needed). */
  shrinkIfSmall(): void {
    if (this.listpack || this.size > this.limits.maxEntries) return;
    const t = this.keys;
    for (let i = 0; i < t.length; i++)
      if (t.has(i) && t.field(i).length > this.limits.maxValue) return;
    this.listpack = true;
    // Turning -0 into 0 keeps the order: the two compare equal.
    this.tree.mapScores((s) => (s === 0 ? 0 : s));
    for (let i = 0; i < t.length; i++) if (t.has(i) && t.num(i) === 0) t.setNum(i, 0);
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

export function newZset(c: Client, firstLen = 0): ZSetValue {
  const cfg = c.server.config;
  return new ZSetValue(
    {
      maxEntries: cfg.get('zset-max-listpack-entries'),
      maxValue: cfg.get('zset-max-listpack-value'),
    },
    firstLen,
  );
}
