/**
 * Whole RDB files: the point-in-time snapshot writer (sliced across event-loop turns, with
 * copy-on-write per key instead of fork) and the loader.
 */
import type { Keyspace } from '../../keyspace/keyspace.js';
import type { Db, Value } from '../../keyspace/db.js';
import type { KeyDict } from '../../keyspace/key-dict.js';
import { Crc64 } from './crc64.js';
import { RdbFormatError, RdbReader, RdbWriter, RDB_OPCODE, RDB_VERSION } from './encoding.js';
import { readValue, valueType, writeValue, type ValueLimits } from './values.js';
import { REDIS_VERSION } from '../../server/version.js';

/** Replication state stored in the file so a restarted node can PSYNC. */
export interface ReplAux {
  replId: string;
  replOffset: number;
  streamDb: number;
}

export interface SnapshotOptions {
  compress: boolean;
  checksum: boolean;
  repl: ReplAux | null;
  aofBase: boolean;
}

function writeEntry(w: RdbWriter, key: string, v: Value, expire: number): void {
  if (expire >= 0) {
    w.byte(RDB_OPCODE.EXPIRETIME_MS);
    w.millis(expire);
  }
  w.byte(valueType(v));
  w.string(key);
  writeValue(w, v);
}

interface DbCursor {
  db: Db;
  /** The maps as they were at the start: FLUSHDB/FLUSHALL swap in new maps, leaving these. */
  dict: KeyDict<Value>;
  expires: KeyDict<number>;
  keys: string[];
  pos: number;
  /** Keys serialized ahead of the cursor because they were about to change. */
  early: Set<string>;
  /** Keys created after the snapshot started: not part of it. */
  added: Set<string>;
  /** Keys the cursor has already written (only tracked for the database in progress). */
  passed: Set<string>;
  /** Entries serialized early, written when this database's turn comes. */
  pending: RdbWriter;
  started: boolean;
}

/**
 * A point-in-time snapshot. The keys of every database are captured when it starts; before a
 * command changes a key the cursor has not reached yet, beforeWrite() serializes its current
 * (old) value, so the file holds exactly the data set of the moment the snapshot began.
 */
export class RdbSnapshot {
  private readonly cursors: DbCursor[] = [];
  private idx = 0;
  private readonly crc = new Crc64();
  private readonly w = new RdbWriter();
  private headerDone = false;
  private finished = false;
  keysTotal = 0;
  keysDone = 0;

  constructor(
    keyspace: Keyspace,
    private readonly opts: SnapshotOptions,
  ) {
    this.w.compress = opts.compress;
    for (const db of keyspace.dbs) {
      if (db.size === 0) continue;
      const keys = Array.from(db.dict.keys());
      this.keysTotal += keys.length;
      const pending = new RdbWriter();
      pending.compress = opts.compress;
      this.cursors.push({
        db,
        dict: db.dict,
        expires: db.expires,
        keys,
        pos: 0,
        early: new Set(),
        added: new Set(),
        passed: new Set(),
        pending,
        started: false,
      });
    }
  }

  get done(): boolean {
    return this.finished;
  }

  private cursorOf(db: Db): DbCursor | undefined {
    for (let i = this.idx; i < this.cursors.length; i++) {
      if (this.cursors[i].db === db) return this.cursors[i];
    }
    return undefined;
  }

  /** A key is about to be modified or deleted: keep its pre-change state if still needed. */
  beforeWrite(db: Db, key: string): void {
    const c = this.cursorOf(db);
    if (!c || c.early.has(key) || c.added.has(key) || c.passed.has(key)) return;
    const v = c.dict.get(key);
    if (v === undefined) return;
    c.early.add(key);
    writeEntry(c.pending, key, v, c.expires.get(key) ?? -1);
    this.keysDone++;
  }

  /** A key was created after the snapshot started. */
  keyAdded(db: Db, key: string): void {
    const c = this.cursorOf(db);
    if (c && !c.early.has(key)) c.added.add(key);
  }

  private header(): void {
    const w = this.w;
    for (const b of Buffer.from(`REDIS${String(RDB_VERSION).padStart(4, '0')}`, 'latin1'))
      w.byte(b);
    const aux = (k: string, v: string): void => {
      w.byte(RDB_OPCODE.AUX);
      w.string(k);
      w.string(v);
    };
    aux('redis-ver', REDIS_VERSION);
    aux('redis-bits', '64');
    aux('ctime', String(Math.floor(Date.now() / 1000)));
    aux('used-mem', String(process.memoryUsage().heapUsed));
    if (this.opts.repl) {
      aux('repl-stream-db', String(this.opts.repl.streamDb));
      aux('repl-id', this.opts.repl.replId);
      aux('repl-offset', String(this.opts.repl.replOffset));
    }
    aux('aof-base', this.opts.aofBase ? '1' : '0');
  }

  /** The next piece of the file (about `budget` bytes), or null when the file is complete. */
  next(budget = 1 << 20): Buffer | null {
    if (this.finished) return null;
    const w = this.w;
    if (!this.headerDone) {
      this.header();
      this.headerDone = true;
    }
    while (w.size < budget && this.idx < this.cursors.length) {
      const c = this.cursors[this.idx];
      if (!c.started) {
        c.started = true;
        w.byte(RDB_OPCODE.SELECTDB);
        w.length(c.db.id);
        w.byte(RDB_OPCODE.RESIZEDB);
        w.length(c.keys.length);
        w.length(c.expires.size);
      }
      const early = c.pending.take();
      if (early.length) w.bytes(early);
      while (c.pos < c.keys.length && w.size < budget) {
        const key = c.keys[c.pos++];
        if (c.early.has(key)) continue;
        const v = c.dict.get(key);
        // Absent: expired and removed meanwhile (a deletion by a command is caught early).
        if (v === undefined) continue;
        c.passed.add(key);
        writeEntry(w, key, v, c.expires.get(key) ?? -1);
        this.keysDone++;
      }
      if (c.pos >= c.keys.length) {
        const late = c.pending.take();
        if (late.length) w.bytes(late);
        // Free the bookkeeping of a finished database.
        c.keys = [];
        c.passed.clear();
        c.early.clear();
        c.added.clear();
        this.idx++;
      }
    }
    if (this.idx >= this.cursors.length) {
      w.byte(RDB_OPCODE.EOF);
      const body = w.take();
      this.crc.update(body);
      this.finished = true;
      const sum = this.opts.checksum ? this.crc.bytes() : Buffer.alloc(8);
      return Buffer.concat([body, sum]);
    }
    const out = w.take();
    this.crc.update(out);
    return out;
  }

  /** Runs the whole snapshot synchronously (SAVE, DEBUG RELOAD, tests). */
  all(): Buffer {
    const parts: Buffer[] = [];
    for (let b = this.next(); b; b = this.next()) parts.push(b);
    return Buffer.concat(parts);
  }
}

export interface LoadResult {
  keysLoaded: number;
  keysExpired: number;
  aux: Map<string, string>;
  repl: ReplAux | null;
}

export interface LoadOptions {
  /** Masters drop keys whose TTL already passed; replicas keep them for the master's DEL. */
  dropExpired: boolean;
  now: number;
  limits: ValueLimits;
}

/**
 * Loads an RDB image into the (empty) keyspace a slice at a time, so a large file can load while
 * the server answers -LOADING. Throws RdbFormatError with a message in Redis's words on anything
 * malformed; the caller decides whether that is fatal.
 */
export class RdbLoader {
  private readonly r: RdbReader;
  private readonly version: number;
  private db: Db;
  private expire = -1;
  private finished = false;
  readonly result: LoadResult = { keysLoaded: 0, keysExpired: 0, aux: new Map(), repl: null };

  constructor(
    private readonly buf: Buffer,
    private readonly ks: Keyspace,
    private readonly opts: LoadOptions,
  ) {
    this.r = new RdbReader(buf);
    const magic = this.r.slice(9).toString('latin1');
    if (!magic.startsWith('REDIS')) {
      throw new RdbFormatError('Wrong signature trying to load DB from file');
    }
    this.version = Number(magic.slice(5));
    if (!/^\d{4}$/.test(magic.slice(5)) || this.version < 1 || this.version > RDB_VERSION) {
      throw new RdbFormatError(`Can't handle RDB format version ${magic.slice(5)}`);
    }
    this.db = ks.dbs[0];
  }

  get done(): boolean {
    return this.finished;
  }

  /** Bytes consumed so far (INFO loading_loaded_bytes). */
  get position(): number {
    return this.r.pos;
  }

  /** Loads up to `maxKeys` more keys; returns true once the whole file is in. */
  step(maxKeys: number): boolean {
    const { r, ks, opts, result: res } = this;
    for (let n = 0; n < maxKeys && !this.finished;) {
      const type = r.byte();
      if (type === RDB_OPCODE.EOF) {
        this.finish();
        break;
      }
      switch (type) {
        case RDB_OPCODE.SELECTDB: {
          const id = r.length();
          if (id >= ks.dbs.length) {
            throw new RdbFormatError(
              `FATAL: Data file was created with a Redis server configured to handle more than ${ks.dbs.length} databases. Exiting`,
            );
          }
          this.db = ks.dbs[id];
          continue;
        }
        case RDB_OPCODE.RESIZEDB:
          r.length();
          r.length();
          continue;
        case RDB_OPCODE.EXPIRETIME_MS:
          this.expire = r.millis();
          continue;
        case RDB_OPCODE.EXPIRETIME:
          this.expire = r.seconds() * 1000;
          continue;
        case RDB_OPCODE.IDLE:
          r.length();
          continue;
        case RDB_OPCODE.FREQ:
          r.byte();
          continue;
        case RDB_OPCODE.AUX:
          res.aux.set(r.string(), r.string());
          continue;
        case RDB_OPCODE.FUNCTION2:
          // Function libraries need a scripting engine keyshard does not have.
          throw new RdbFormatError('Function libraries are not supported by keyshard');
        case RDB_OPCODE.MODULE_AUX:
          throw new RdbFormatError('The RDB file contains module data, which keyshard cannot load');
        default:
          break;
      }
      n++;
      const key = r.string();
      const value = readValue(type, r, opts.limits);
      const ttl = this.expire;
      this.expire = -1;
      if (value === null) continue; // an empty collection: skipped as Redis does
      const db = this.db;
      if (db.dict.has(key)) throw new RdbFormatError(`Duplicated key found in RDB file: ${key}`);
      if (ttl >= 0 && opts.dropExpired && ttl < opts.now) {
        res.keysExpired++;
        continue;
      }
      db.set(key, value);
      if (ttl >= 0) db.setExpire(key, ttl);
      res.keysLoaded++;
    }
    return this.finished;
  }

  private finish(): void {
    const { r, res } = { r: this.r, res: this.result };
    if (this.version >= 5) {
      const stored = r.slice(8);
      if (!stored.equals(Buffer.alloc(8))) {
        const crc = new Crc64().update(this.buf, 0, r.pos - 8).bytes();
        if (!crc.equals(stored)) throw new RdbFormatError('Wrong RDB checksum. Aborting now.');
      }
    }
    const id = res.aux.get('repl-id');
    const off = res.aux.get('repl-offset');
    const sdb = res.aux.get('repl-stream-db');
    if (id && id.length === 40 && off !== undefined && sdb !== undefined) {
      res.repl = { replId: id, replOffset: Number(off), streamDb: Number(sdb) };
    }
    this.finished = true;
  }
}

/** Loads a whole RDB image at once (replica full sync, DEBUG RELOAD). */
export function loadRdb(buf: Buffer, ks: Keyspace, opts: LoadOptions): LoadResult {
  const loader = new RdbLoader(buf, ks, opts);
  while (!loader.step(Infinity));
  return loader.result;
}
