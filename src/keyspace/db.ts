/**
 * One logical database: key -> value plus key -> absolute expiry (ms). Keys are latin1 strings.
 * Strings are stored as plain JS strings (the cheapest representation V8 has); every other type
 * is an object carrying its `kind`. Expiry is lazy on access plus the active cycle in
 * keyspace.ts.
 */
import { AccessTracker } from './access.js';
import { KeyDict } from './key-dict.js';

/** A non-string value: list, hash, set or zset (see src/types). */
export interface DataValue {
  /** The type (a getter on each class: a field would cost every value 8 bytes). */
  readonly kind: 'list' | 'hash' | 'set' | 'zset';
  /** What OBJECT ENCODING reports (listpack, quicklist, intset, hashtable, skiplist). */
  encoding(): string;
  /** An independent deep copy with the same encoding (COPY). */
  clone?(): DataValue;
}

export type Value = string | DataValue;

/** What a database reports back to the keyspace that owns it. */
export interface DbOwner {
  now(): number;
  /** Whether expired keys may be deleted here (false on a replica: the master decides). */
  canExpire(): boolean;
  /**
   * Whether expired keys that may not be deleted still count as present: on a replica, for the
   * master's own stream (Redis exempts server.master in expireIfNeeded), so that the master's
   * EXPIRE, PERSIST, RENAME, ... apply to the same keys as on the master.
   */
  expiredVisible?(): boolean;
  onExpired(db: Db, key: string): void;
  onKeyAdded(db: Db, key: string): void;
  onKeyRemoved(db: Db, key: string): void;
  /** `db` was emptied; `previous` is what it held (for WATCH). */
  onCleared(db: Db, previous: KeyDict<Value>): void;
}

export function typeName(v: Value): string {
  return typeof v === 'string' ? 'string' : v.kind;
}

export class Db {
  dict = new KeyDict<Value>();
  expires = new KeyDict<number>();
  /**
   * How many keys have ever left this database (deleted, expired, flushed, swapped away). SCAN
   * cursors use it to stay conservative when they resume without their cached iterator.
   */
  removals = 0;
  /** Estimated average TTL in ms of keys with an expiry (INFO keyspace avg_ttl). */
  avgTtl = 0;
  /** Last-access times for OBJECT IDLETIME / FREQ; null until first asked (see access.ts). */
  access: AccessTracker | null = null;

  constructor(
    readonly id: number,
    private readonly owner: DbOwner,
  ) {}

  get size(): number {
    return this.dict.size;
  }

  /** Whether `key` exists and has not expired; expires it lazily otherwise. */
  private alive(key: string): boolean {
    if (this.expires.size === 0) return true;
    const when = this.expires.get(key);
    if (when === undefined || when > this.owner.now()) return true;
    if (this.owner.canExpire()) {
      this.remove(key);
      this.owner.onExpired(this, key);
      return false;
    }
    return this.owner.expiredVisible?.() ?? false;
  }

  /** The live value of `key`, or undefined. Counts as an access (OBJECT IDLETIME). */
  get(key: string): Value | undefined {
    const v = this.dict.get(key);
    if (v === undefined || !this.alive(key)) return undefined;
    if (this.access !== null) this.access.touch(key);
    return v;
  }

  /** Like get() but not an access: TYPE, EXISTS, TTL and OBJECT leave the idle time alone. */
  peek(key: string): Value | undefined {
    const v = this.dict.get(key);
    if (v === undefined) return undefined;
    return this.alive(key) ? v : undefined;
  }

  /** Starts access tracking for this database (idempotent). */
  trackAccess(serverStart: number): AccessTracker {
    if (this.access === null) this.access = new AccessTracker(serverStart, () => this.owner.now());
    return this.access;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /**
   * Stores `value` at `key`. Without keepTtl any expiry is cleared, as a Redis SET does.
   * Use replace() for in-place type updates that must keep the TTL.
   */
  set(key: string, value: Value, keepTtl = false): void {
    // One lookup instead of has() + set().
    const existed = !this.dict.add(key, value);
    if (this.access !== null) this.access.touch(key, !existed);
    if (!existed) this.owner.onKeyAdded(this, key);
    else if (!keepTtl && this.expires.size !== 0) this.expires.delete(key);
  }

  /** Deletes `key` if it is live; true when something was deleted. */
  delete(key: string): boolean {
    if (this.get(key) === undefined) return false;
    this.remove(key);
    return true;
  }

  /** Removes `key` unconditionally (no expiry check). */
  remove(key: string): void {
    if (!this.dict.delete(key)) return;
    if (this.expires.size !== 0) this.expires.delete(key);
    if (this.access !== null) this.access.forget(key);
    this.removals++;
    this.owner.onKeyRemoved(this, key);
  }

  /** Absolute expiry in ms, or -1 when the key has none. Caller checks the key exists. */
  getExpire(key: string): number {
    return this.expires.get(key) ?? -1;
  }

  setExpire(key: string, whenMs: number): void {
    this.expires.set(key, whenMs);
  }

  /** Removes the TTL; true if there was one. */
  persist(key: string): boolean {
    return this.expires.delete(key);
  }

  /** Empties the database; returns how many keys it held. */
  clear(): number {
    const n = this.dict.size;
    const previous = this.dict;
    this.dict = new KeyDict();
    this.expires = new KeyDict();
    this.access = null;
    this.avgTtl = 0;
    this.removals += n;
    this.owner.onCleared(this, previous);
    return n;
  }

  /**
   * SWAPDB: exchanges the contents (keys, expiries, access times) of two databases; each keeps
   * its id. Callers notify watchers (Keyspace.swapDbs).
   */
  swapContents(other: Db): void {
    this.removals += this.dict.size;
    other.removals += other.dict.size;
    [this.dict, other.dict] = [other.dict, this.dict];
    [this.expires, other.expires] = [other.expires, this.expires];
    [this.access, other.access] = [other.access, this.access];
    [this.avgTtl, other.avgTtl] = [other.avgTtl, this.avgTtl];
  }
}
