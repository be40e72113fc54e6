/**
 * All databases of the server, their statistics, WATCH bookkeeping and the active expire cycle.
 * Commands reach keys through Db; the keyspace hears about every added, removed and expired key
 * so that WATCH, the cluster slot index and propagation of expiries hang off one place.
 */
import { performance } from 'node:perf_hooks';
import { Db, type DbOwner } from './db.js';
import type { KeyDict } from './key-dict.js';

/** Volatile keys each active expire pass looks at per database at least (see below). */
const MIN_WALK = 500;

export interface KeyspaceHooks {
  /** A key was expired by this node (lazily or actively): propagate a DEL. */
  expired(db: Db, key: string): void;
  added?(db: Db, key: string): void;
  removed?(db: Db, key: string): void;
  cleared?(db: Db): void;
}

/** Something that watches keys (a client in WATCH). */
export interface Watcher {
  dirtyCas: boolean;
}

export class Keyspace implements DbOwner {
  readonly dbs: Db[];
  expiredKeys = 0;
  hits = 0;
  misses = 0;
  /** False on a replica: keys expire only when the master says so. */
  expireAllowed = true;
  /** DEBUG SET-ACTIVE-EXPIRE 0 turns the background cycle off; lazy expiry still happens. */
  activeExpireEnabled = true;
  private watched = new Map<string, Set<Watcher>>();

  /** Whether any client WATCHes a key (the dispatcher skips key signalling otherwise). */
  get hasWatchers(): boolean {
    return this.watched.size > 0;
  }

  constructor(
    databases: number,
    private readonly hooks: KeyspaceHooks,
  ) {
    this.dbs = [];
    for (let i = 0; i < databases; i++) this.dbs.push(new Db(i, this));
  }

  now(): number {
    return Date.now();
  }

  canExpire(): boolean {
    return this.expireAllowed;
  }

  /**
   * Set by the replica while it applies its master's stream: expired keys it may not delete stay
   * visible to those commands (see DbOwner.expiredVisible).
   */
  applyingMasterStream = false;

  expiredVisible(): boolean {
    return this.applyingMasterStream;
  }

  onExpired(db: Db, key: string): void {
    this.expiredKeys++;
    this.hooks.expired(db, key);
  }

  onKeyAdded(db: Db, key: string): void {
    this.hooks.added?.(db, key);
  }

  onKeyRemoved(db: Db, key: string): void {
    this.touch(db, key);
    this.hooks.removed?.(db, key);
  }

  onCleared(db: Db, previous: KeyDict<unknown>): void {
    this.touchAll(db, previous);
    this.hooks.cleared?.(db);
  }

  // --- WATCH -------------------------------------------------------------------------------

  private static wkey(db: Db, key: string): string {
    return `${db.id}\0${key}`;
  }

  watch(db: Db, key: string, w: Watcher): void {
    const k = Keyspace.wkey(db, key);
    let set = this.watched.get(k);
    if (!set) this.watched.set(k, (set = new Set()));
    set.add(w);
  }

  unwatch(db: Db, key: string, w: Watcher): void {
    const k = Keyspace.wkey(db, key);
    const set = this.watched.get(k);
    if (!set) return;
    set.delete(w);
    if (set.size === 0) this.watched.delete(k);
  }

  /** Signals that `key` changed: clients watching it fail their EXEC. */
  touch(db: Db, key: string): void {
    if (this.watched.size === 0) return;
    const set = this.watched.get(Keyspace.wkey(db, key));
    if (set) for (const w of set) w.dirtyCas = true;
  }

  /**
   * FLUSHDB / SWAPDB: a watched key of `db` counts as changed if it exists in one of `dicts`
   * (the contents being dropped or swapped in), as Redis's touchAllWatchedKeysInDb decides.
   */
  touchAll(db: Db, ...dicts: KeyDict<unknown>[]): void {
    if (this.watched.size === 0) return;
    const prefix = `${db.id}\0`;
    for (const [k, set] of this.watched) {
      if (!k.startsWith(prefix)) continue;
      const key = k.slice(prefix.length);
      if (dicts.some((d) => d.has(key))) for (const w of set) w.dirtyCas = true;
    }
  }

  /** SWAPDB: exchanges the contents of two databases; watchers of either see a change. */
  swapDbs(a: Db, b: Db): void {
    if (a === b) return;
    this.touchAll(a, a.dict, b.dict);
    this.touchAll(b, a.dict, b.dict);
    a.swapContents(b);
  }

  // --- active expiry -----------------------------------------------------------------------

  /** Where each database's active expiry walk stands (a live iterator over its expires map). */
  private expireWalk = new WeakMap<Db, { map: KeyDict<number>; it: Iterator<[string, number]> }>();
  /** INFO stats fields kept as Redis does. */
  expiredStalePerc = 0;
  expireCycleTimeCapReached = 0;
  expireCycleCpuMs = 0;

  /**
   * One pass of the active expire cycle (Redis's ACTIVE_EXPIRE_CYCLE_SLOW, run from the cron):
   * in each database, look at keys with a TTL 20 at a time and delete the expired ones, going
   * on while more than 10% of a sample was stale, within `budgetMs` (25% of a 1000/hz ms tick).
   *
   * Like Redis 6+ (which walks its expires table with a scan cursor), each database keeps a
   * live iterator over its expires map and continues where the previous pass stopped, so every
   * volatile key is visited in turn without reordering the map. Checking a key costs an iterator
   * step here rather than a bucket probe, so each pass also walks at least MIN_WALK keys per
   * database even when few are stale: Redis's 20 keys per pass would leave a few stale keys
   * among many live ones (inserted after them) untouched for minutes, where Redis's hash order
   * happens to spread them out.
   */
  activeExpireCycle(budgetMs: number): void {
    if (!this.expireAllowed || !this.activeExpireEnabled) return;
    const start = performance.now();
    let sampledTotal = 0;
    let expiredTotal = 0;
    try {
      for (const db of this.dbs) {
        if (db.expires.size === 0) {
          db.avgTtl = 0;
          continue;
        }
        // Rounds of 20 keys, at least enough to cover MIN_WALK keys (or the whole map).
        const minRounds = Math.ceil(Math.min(MIN_WALK, db.expires.size) / 20);
        for (let round = 0; ; round++) {
          const r = this.expireSample(db, Math.min(20, db.expires.size));
          sampledTotal += r.sampled;
          expiredTotal += r.expired;
          if (r.sampled === 0) break;
          if (round + 1 >= minRounds && r.expired * 10 <= r.sampled) break;
          if ((round & 15) === 15 && performance.now() - start > budgetMs) {
            this.expireCycleTimeCapReached++;
            return;
          }
        }
        if (performance.now() - start > budgetMs) {
          this.expireCycleTimeCapReached++;
          return;
        }
      }
    } finally {
      this.expireCycleCpuMs += performance.now() - start;
      const stale = sampledTotal ? expiredTotal / sampledTotal : 0;
      this.expiredStalePerc = this.expiredStalePerc * 0.95 + stale * 0.05;
    }
  }

  /** Looks at up to `n` volatile keys of `db`, expiring the stale ones. */
  private expireSample(db: Db, n: number): { sampled: number; expired: number } {
    let walk = this.expireWalk.get(db);
    if (walk === undefined || walk.map !== db.expires) {
      walk = { map: db.expires, it: db.expires.entries() };
      this.expireWalk.set(db, walk);
    }
    const now = this.now();
    let sampled = 0;
    let expired = 0;
    let ttlSum = 0;
    let restarted = false;
    while (sampled < n) {
      let e = walk.it.next();
      if (e.done) {
        // End of the map: start over, but not twice in one sample (tiny maps).
        if (restarted) break;
        restarted = true;
        walk.it = db.expires.entries();
        e = walk.it.next();
        if (e.done) break;
      }
      sampled++;
      const [key, when] = e.value;
      if (when <= now) {
        db.remove(key);
        this.onExpired(db, key);
        expired++;
      } else {
        ttlSum += when - now;
      }
    }
    const live = sampled - expired;
    if (live > 0) {
      // Running estimate, as Redis computes avg_ttl: 2% weight to each new sample's mean.
      const avg = ttlSum / live;
      db.avgTtl = Math.floor(db.avgTtl === 0 ? avg : (db.avgTtl / 50) * 49 + avg / 50);
    }
    return { sampled, expired };
  }
}
