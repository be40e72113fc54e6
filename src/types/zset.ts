/**
 * The sorted set type: a member -> score dictionary (hash-dict.ts) for O(1) ZSCORE plus an
 * order-statistic B+tree (zset-btree.ts) for ordered access. OBJECT ENCODING follows Redis 7.0:
 * `listpack` while the set holds at most zset-max-listpack-entries members none longer than
 * zset-max-listpack-value bytes, else `skiplist` (what Redis reports, whatever our structure);
 * a skiplist stays one except where Redis converts stored results back (ZUNIONSTORE,
 * ZINTERSTORE, ZDIFFSTORE, ZRANGESTORE: see shrinkIfSmall).
 */
import type { DataValue } from '../keyspace/db.js';
import type { Client } from '../server/client.js';
import { WRONGTYPE } from './set.js';
import { ZTree, type ZCursor } from './zset-btree.js';
import { LiveScan } from './set-scan.js';
import { SegDict } from './hash-dict.js';

export interface ZsetLimits {
  maxEntries: number;
  maxValue: number;
}

export class ZSetValue implements DataValue {
  readonly kind = 'zset';
  dict = new SegDict<number>();
  tree = new ZTree();
  listpack: boolean;
  private scanState: LiveScan<[string, number]> | null = null;

  /** A new empty zset; `firstLen` is the length of the member about to be added. */
  constructor(
    private readonly limits: ZsetLimits,
    firstLen = 0,
  ) {
    this.listpack = limits.maxEntries > 0 && firstLen <= limits.maxValue;
  }

  /** ZSCAN cursors over the skiplist encoding, made on first use (most zsets never see one). */
  get scan(): LiveScan<[string, number]> {
    return (this.scanState ??= new LiveScan());
  }

  encoding(): string {
    return this.listpack ? 'listpack' : 'skiplist';
  }

  get size(): number {
    return this.dict.size;
  }

  score(m: string): number | undefined {
    return this.dict.get(m);
  }

  /** Adds a new member or changes a score; true if the member was new. */
  set(m: string, score: number): boolean {
    const cur = this.dict.get(m);
    if (cur === undefined) {
      this.add(m, score);
      return true;
    }
    if (cur !== score) this.update(m, cur, score);
    return false;
  }

  /** Adds `m`, which the caller found absent (saves a second lookup in a big dict). */
  add(m: string, score: number): void {
    if (
      this.listpack &&
      (this.dict.size + 1 > this.limits.maxEntries || m.length > this.limits.maxValue)
    ) {
      this.listpack = false;
    }
    // A listpack stores scores as printed integers, so -0 comes back as 0.
    if (this.listpack && score === 0) score = 0;
    this.dict.set(m, score);
    this.tree.insert(score, m);
  }

  /** Moves member `m` from its current score `cur` to `score` (different). */
  update(m: string, cur: number, score: number): void {
    if (this.listpack && score === 0) score = 0;
    this.tree.updateScore(cur, m, score);
    this.dict.set(m, score);
  }

  remove(m: string): boolean {
    const cur = this.dict.get(m);
    if (cur === undefined) return false;
    this.tree.delete(cur, m);
    this.dict.delete(m);
    return true;
  }

  /** 0-based rank of `m` in ascending order, or -1. */
  rank(m: string): number {
    const s = this.dict.get(m);
    return s === undefined ? -1 : this.tree.rank(s, m);
  }

  /** A cursor at 0-based rank `i` (< size). */
  at(i: number): ZCursor {
    return this.tree.at(i)!;
  }

  /** Deletes 0-based ranks start..end inclusive; returns how many went. */
  removeRanks(start: number, end: number): number {
    const n = end - start + 1;
    if (n === 1) this.dict.delete(this.tree.deleteAt(start));
    else this.tree.deleteRange(start, n, (m) => this.dict.delete(m));
    return n;
  }

  /** An independent copy (COPY) keeping the encoding, as Redis's dup does; O(n). */
  clone(): ZSetValue {
    const c = new ZSetValue(this.limits);
    c.listpack = this.listpack;
    c.dict = this.dict.clone();
    c.tree = this.tree.clone();
    return c;
  }

  /** Stored results go back to listpack when small enough (Redis's convert-if-needed). */
  shrinkIfSmall(): void {
    if (this.listpack || this.size > this.limits.maxEntries) return;
    for (const m of this.dict.keys()) if (m.length > this.limits.maxValue) return;
    this.listpack = true;
    // Turning -0 into 0 keeps the order: the two compare equal.
    this.tree.mapScores((s) => (s === 0 ? 0 : s));
    for (const [m, s] of this.dict) if (s === 0) this.dict.set(m, 0);
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
