/**
 * All databases of the server, their statistics, WATCH bookkeeping and the active expire cycle.
 * Commands reach keys through Db; the keyspace hears about every added, removed and expired key
 * so that WATCH, the cluster slot index and propagation of expiries hang off one place.
 */
import { Db, type DbOwner } from './db.js';

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

  onCleared(db: Db): void {
    this.touchAll(db);
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

  /** FLUSHDB / SWAPDB: every watched key of `db` counts as changed. */
  touchAll(db: Db): void {
    if (this.watched.size === 0) return;
    const prefix = `${db.id}\0`;
    for (const [k, set] of this.watched) {
      if (k.startsWith(prefix)) for (const w of set) w.dirtyCas = true;
    }
  }

  // --- active expiry -----------------------------------------------------------------------

  /**
   * One pass of the active expire cycle: samples keys with a TTL in each database and deletes
   * the expired ones, repeating while more than a quarter of a sample was stale, within a
   * time budget (Redis's ACTIVE_EXPIRE_CYCLE_SLOW: 25% of a 1000/hz ms tick).
   */
  activeExpireCycle(budgetMs: number): void {
    if (!this.expireAllowed || !this.activeExpireEnabled) return;
    const start = Date.now();
    for (const db of this.dbs) {
      if (db.expires.size === 0) continue;
      for (let round = 0; round < 1000; round++) {
        const now = Date.now();
        let sampled = 0;
        let expired = 0;
        const stale: string[] = [];
        for (const [key, when] of db.expires) {
          if (sampled >= 20) break;
          sampled++;
          if (when <= now) stale.push(key);
        }
        for (const key of stale) {
          db.remove(key);
          this.onExpired(db, key);
          expired++;
        }
        // The live keys of the sample are now first: move them back so the next round and
        // the next cycle look at other keys.
        if (sampled > expired) this.rotate(db, sampled - expired);
        if (sampled === 0 || expired * 4 <= sampled) break;
        if (Date.now() - start > budgetMs) return;
      }
    }
  }

  /** Moves the first `n` entries of the expires map to its end. */
  private rotate(db: Db, n: number): void {
    const moved: [string, number][] = [];
    for (const e of db.expires) {
      moved.push(e);
      if (moved.length >= n) break;
    }
    for (const [k, v] of moved) {
      db.expires.delete(k);
      db.expires.set(k, v);
    }
  }
}
