/**
 * Generic key commands: DEL, UNLINK, EXISTS, TYPE, TOUCH, RENAME, RENAMENX, COPY, MOVE, KEYS,
 * SCAN, RANDOMKEY, OBJECT, DBSIZE, FLUSHDB, FLUSHALL, SWAPDB.
 *
 * Freeing: a deleted value is unreachable the moment its Map entry goes, and V8 reclaims it in
 * its concurrent/incremental GC, so DEL of a huge value and FLUSHDB/FLUSHALL cost O(1) on the
 * event loop. UNLINK and the ASYNC flavours therefore behave exactly like their synchronous
 * forms (same replies, same propagation); nothing is freed on the command path either way.
 */
import type { Handler } from './table.js';
import type { Client } from '../server/client.js';
import { typeName, type Db, type Value } from '../keyspace/db.js';
import { ScanCursors, parseCursor } from '../keyspace/scan.js';
import type { KeyDict } from '../keyspace/key-dict.js';
import { globMatch, matchesAll } from '../util/glob.js';
import { parseLong } from '../util/parse.js';
import { RdbReader, RdbWriter } from '../persistence/rdb/encoding.js';
import { limitsFromConfig, readValue, valueType, writeValue } from '../persistence/rdb/values.js';
import {
  freshStringEncoding,
  markStringEncoding,
  stringEncoding,
  unmarkStringEncoding,
} from '../types/string-encoding.js';

const SYNTAX = 'syntax error';
const NOT_INT = 'value is not an integer or out of range';
const SAME_OBJECT = 'source and destination objects are the same';
const DB_RANGE = 'DB index is out of range';
const INT32_MAX = 2147483647;
/** Redis's shared integers 0..9999 report this refcount (OBJ_SHARED_REFCOUNT). */
const SHARED_REFCOUNT = INT32_MAX;
const SHARED_INTEGERS = 10000;

/** A read lookup as Redis's lookupKeyRead counts it in keyspace_hits / keyspace_misses. */
export function lookupRead(c: Client, db: Db, key: string, touch: boolean): Value | undefined {
  const v = touch ? db.get(key) : db.peek(key);
  if (v === undefined) c.server.keyspace.misses++;
  else c.server.keyspace.hits++;
  return v;
}

/**
 * A C `int` argument (getIntFromObjectOrReply), or null after replying: `msg` when given, else
 * Redis's two texts for "not a number" and "a number beyond int".
 */
function intArg(c: Client, s: string, msg?: string): number | null {
  const v = parseLong(s);
  if (v !== null && v <= INT32_MAX && v >= -INT32_MAX - 1) return v;
  if (msg !== undefined) c.reply.err(msg);
  else if (v === null) c.reply.err(NOT_INT);
  else c.reply.err('value is out of range, value must between -2147483648 and 2147483647');
  return null;
}

function dbById(c: Client, id: number): Db | null {
  const dbs = c.server.keyspace.dbs;
  return id >= 0 && id < dbs.length ? dbs[id] : null;
}

/**
 * Carries the string-encoding mark (raw after APPEND, ...) along with a moved or copied value,
 * and drops a stale mark the destination key may have had.
 */
function carryEncoding(from: Db, fromKey: string, to: Db, toKey: string, v: Value): void {
  if (typeof v !== 'string') return;
  const enc = stringEncoding(from, fromKey, v);
  if (enc === freshStringEncoding(v) || enc === 'int') unmarkStringEncoding(to, toKey);
  else markStringEncoding(to, toKey, v, enc);
}

/**
 * An independent copy of `v` for COPY. Types may provide clone(); otherwise the value goes
 * through its RDB form (the DUMP/RESTORE codec), O(size) like Redis's own dup. That round trip
 * rebuilds the encoding from the current limits, so a value converted to a big encoding and
 * since shrunk comes back compact, where Redis's copy keeps the big encoding.
 */
function duplicate(c: Client, v: Value): Value {
  if (typeof v === 'string') return v;
  if (v.clone) return v.clone();
  const w = new RdbWriter();
  w.compress = false;
  writeValue(w, v);
  const copy = readValue(valueType(v), new RdbReader(w.take()), limitsFromConfig(c.server.config));
  if (copy === null) throw new Error(`cannot copy a ${v.kind} value`);
  return copy;
}

function del(c: Client, argv: string[]): void {
  let n = 0;
  for (let i = 1; i < argv.length; i++) if (c.db.delete(argv[i])) n++;
  c.server.dirty += n;
  c.reply.integer(n);
}

function rename(c: Client, argv: string[], nx: boolean): void {
  const db = c.db;
  const [, src, dst] = argv;
  const v = db.get(src);
  if (v === undefined) {
    c.reply.err('no such key');
    return;
  }
  if (src === dst) {
    if (nx) c.reply.integer(0);
    else c.reply.ok();
    return;
  }
  const expire = db.getExpire(src);
  if (db.get(dst) !== undefined) {
    if (nx) {
      c.reply.integer(0);
      return;
    }
    db.remove(dst);
  }
  db.set(dst, v);
  carryEncoding(db, src, db, dst, v);
  if (expire !== -1) db.setExpire(dst, expire);
  db.remove(src);
  c.server.dirty++;
  if (nx) c.reply.integer(1);
  else c.reply.ok();
}

/** FLUSHDB / FLUSHALL argument: nothing, SYNC or ASYNC (all equivalent here, see above). */
function flushArgsOk(c: Client, argv: string[]): boolean {
  if (argv.length === 1) return true;
  const opt = argv[1].toLowerCase();
  if (argv.length === 2 && (opt === 'sync' || opt === 'async')) return true;
  c.reply.err(SYNTAX);
  return false;
}

// --- KEYS ---------------------------------------------------------------------------------------

/**
 * KEYS over a database larger than this runs in slices of KEYS_SLICE keys across event-loop
 * turns, the client blocked meanwhile (its pipeline waits, other clients are served). The reply
 * then holds every key present throughout plus possibly some added or removed during the walk,
 * rather than one instant's view; inside MULTI/EXEC and for internal clients it stays atomic.
 */
const KEYS_SYNC_MAX = 100000;
const KEYS_SLICE = 20000;

/** Collects up to `limit` matching keys from `it`; false when `it` is exhausted. */
function collectKeys(
  it: Iterator<string>,
  expires: KeyDict<number>,
  pattern: string,
  out: string[],
  limit: number,
): boolean {
  const all = matchesAll(pattern);
  const now = Date.now();
  for (let i = 0; i < limit; i++) {
    const e = it.next();
    if (e.done) return false;
    const key = e.value;
    if (!all && !globMatch(pattern, key)) continue;
    // Expired keys are skipped but not deleted here, as in Redis.
    const when = expires.size === 0 ? undefined : expires.get(key);
    if (when !== undefined && when <= now) continue;
    out.push(key);
  }
  return true;
}

function keys(c: Client, argv: string[]): void {
  const s = c.server;
  const db = c.db;
  const pattern = argv[1];
  const it = db.dict.keys();
  const expires = db.expires;
  const out: string[] = [];
  const sliced = db.size > KEYS_SYNC_MAX && c.socket !== null && c.kind === 'normal' && !s.inExec;
  if (!sliced) {
    collectKeys(it, expires, pattern, out, Infinity);
    c.reply.bulkArray(out);
    return;
  }
  let cancelled = false;
  s.block(c, {
    deadline: 0,
    unblockable: false,
    onTimeout: () => undefined,
    onCancel: () => {
      cancelled = true;
    },
  });
  const slice = (): void => {
    if (cancelled) return;
    if (collectKeys(it, expires, pattern, out, KEYS_SLICE)) {
      setImmediate(slice);
      return;
    }
    c.reply.bulkArray(out);
    s.unblock(c);
  };
  slice();
}

// --- SCAN ---------------------------------------------------------------------------------------

const scanCursors = new WeakMap<Db, ScanCursors>();

function scan(c: Client, argv: string[]): void {
  const cursor = parseCursor(argv[1]);
  if (cursor === null) {
    c.reply.err('invalid cursor');
    return;
  }
  let count = 10;
  let pattern: string | null = null;
  let type: string | null = null;
  for (let i = 2; i < argv.length; i += 2) {
    const opt = argv[i].toLowerCase();
    if (i + 1 >= argv.length) {
      c.reply.err(SYNTAX);
      return;
    }
    if (opt === 'count') {
      const n = parseLong(argv[i + 1]);
      if (n === null) {
        c.reply.err(NOT_INT);
        return;
      }
      if (n < 1) {
        c.reply.err(SYNTAX);
        return;
      }
      count = n;
    } else if (opt === 'match') {
      pattern = matchesAll(argv[i + 1]) ? null : argv[i + 1];
    } else if (opt === 'type') {
      type = argv[i + 1].toLowerCase();
    } else {
      c.reply.err(SYNTAX);
      return;
    }
  }
  const db = c.db;
  let cursors = scanCursors.get(db);
  if (cursors === undefined) scanCursors.set(db, (cursors = new ScanCursors()));
  const src = { dict: db.dict, removals: db.removals };
  const step = cursors.step(src, cursor, Math.min(count, 1 << 24));
  const out: string[] = [];
  for (const key of step.keys) {
    if (pattern !== null && !globMatch(pattern, key)) continue;
    if (type !== null) {
      const v = lookupRead(c, db, key, false);
      if ((v === undefined ? 'none' : typeName(v)) !== type) continue;
    }
    // Expired keys are dropped (and deleted, on a master) rather than returned.
    if (db.peek(key) === undefined) continue;
    out.push(key);
  }
  c.reply.array(2);
  c.reply.bulk(String(step.cursor));
  c.reply.bulkArray(out);
}

// --- RANDOMKEY ------------------------------------------------------------------------------------

/**
 * JS Maps have no random access, so a database larger than this is sampled by a walk: a live
 * iterator kept per database advances a random 1..16 steps per call and wraps at the end. Every
 * key stays reachable and each call is O(1) on average; the distribution is uniform only below
 * this size (Redis's own RANDOMKEY is not exactly fair either).
 */
const EXACT_RANDOM_MAX = 1024;
const randomWalks = new WeakMap<Db, { map: KeyDict<Value>; it: Iterator<string> }>();

function randomCandidate(db: Db): string | undefined {
  const size = db.dict.size;
  if (size === 0) return undefined;
  if (size <= EXACT_RANDOM_MAX) {
    let skip = Math.floor(Math.random() * size);
    for (const key of db.dict.keys()) if (skip-- === 0) return key;
    return undefined;
  }
  let walk = randomWalks.get(db);
  if (walk === undefined || walk.map !== db.dict) {
    walk = { map: db.dict, it: db.dict.keys() };
    randomWalks.set(db, walk);
  }
  let key: string | undefined;
  for (let steps = 1 + Math.floor(Math.random() * 16); steps > 0; steps--) {
    let e = walk.it.next();
    if (e.done) {
      walk.it = db.dict.keys();
      e = walk.it.next();
      if (e.done) return undefined;
    }
    key = e.value;
  }
  return key;
}

function randomkey(c: Client): void {
  const db = c.db;
  const canExpire = c.server.keyspace.canExpire();
  // An expired key met on the way is deleted (peek does it on a master) and another drawn, as
  // Redis does; a replica may not delete, so it answers with an expired key after 100 draws.
  for (let tries = 1; ; tries++) {
    const key = randomCandidate(db);
    if (key === undefined) break;
    if (db.peek(key) !== undefined || (!canExpire && tries >= 100)) {
      c.reply.bulk(key);
      return;
    }
  }
  c.reply.nil();
}

// --- OBJECT -------------------------------------------------------------------------------------

const OBJECT_HELP = [
  'OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'ENCODING <key>',
  '    Return the kind of internal representation used in order to store the value',
  '    associated with a <key>.',
  'FREQ <key>',
  '    Return the access frequency index of the <key>. The returned integer is',
  '    proportional to the logarithm of the recent access frequency of the key.',
  'IDLETIME <key>',
  '    Return the idle time of the <key>, that is the approximated number of',
  '    seconds elapsed since the last access to the key.',
  'REFCOUNT <key>',
  '    Return the number of references of the value associated with the specified',
  '    <key>.',
  'HELP',
  '    Prints this help.',
];

const POLICY_SWITCH_NOTE =
  'Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.';

function isLfuPolicy(c: Client): boolean {
  return c.server.config.get('maxmemory-policy').endsWith('-lfu');
}

/** The value for an OBJECT subcommand, or undefined after replying nil for a missing key. */
function objectTarget(c: Client, key: string): Value | undefined {
  const v = lookupRead(c, c.db, key, false);
  if (v === undefined) c.reply.nil();
  return v;
}

function enableTracking(c: Client): ReturnType<Db['trackAccess']> {
  return c.db.trackAccess(c.server.startTime);
}

// --- the table ----------------------------------------------------------------------------------

export const keyCommands: Record<string, Handler> = {
  del,
  unlink: del,

  exists(c, argv) {
    let n = 0;
    for (let i = 1; i < argv.length; i++)
      if (lookupRead(c, c.db, argv[i], false) !== undefined) n++;
    c.reply.integer(n);
  },

  type(c, argv) {
    const v = lookupRead(c, c.db, argv[1], false);
    c.reply.simple(v === undefined ? 'none' : typeName(v));
  },

  touch(c, argv) {
    let n = 0;
    for (let i = 1; i < argv.length; i++) if (lookupRead(c, c.db, argv[i], true) !== undefined) n++;
    c.reply.integer(n);
  },

  rename(c, argv) {
    rename(c, argv, false);
  },

  renamenx(c, argv) {
    rename(c, argv, true);
  },

  copy(c, argv) {
    const src = c.db;
    let dst = src;
    let replace = false;
    for (let i = 3; i < argv.length; i++) {
      const opt = argv[i].toLowerCase();
      if (opt === 'replace') replace = true;
      else if (opt === 'db' && i + 1 < argv.length) {
        const id = intArg(c, argv[++i]);
        if (id === null) return;
        const d = dbById(c, id);
        if (d === null) {
          c.reply.err(DB_RANGE);
          return;
        }
        dst = d;
      } else {
        c.reply.err(SYNTAX);
        return;
      }
    }
    if (c.server.config.get('cluster-enabled') && (src.id !== 0 || dst.id !== 0)) {
      c.reply.err('Copying to another database is not allowed in cluster mode');
      return;
    }
    const [, key, newKey] = argv;
    if (src === dst && key === newKey) {
      c.reply.err(SAME_OBJECT);
      return;
    }
    const v = lookupRead(c, src, key, true);
    if (v === undefined) {
      c.reply.integer(0);
      return;
    }
    const expire = src.getExpire(key);
    if (dst.get(newKey) !== undefined) {
      if (!replace) {
        c.reply.integer(0);
        return;
      }
      // The dispatcher announces writes in the current database only (snapshot copy-on-write).
      if (dst !== src) c.server.beforeWrite(dst, newKey);
      dst.remove(newKey);
    }
    dst.set(newKey, duplicate(c, v));
    carryEncoding(src, key, dst, newKey, v);
    if (expire !== -1) dst.setExpire(newKey, expire);
    if (dst !== src) c.server.keyWritten(dst, newKey);
    c.server.dirty++;
    c.reply.integer(1);
  },

  move(c, argv) {
    if (c.server.config.get('cluster-enabled')) {
      c.reply.err('MOVE is not allowed in cluster mode');
      return;
    }
    const src = c.db;
    const key = argv[1];
    const id = intArg(c, argv[2]);
    if (id === null) return;
    const dst = dbById(c, id);
    if (dst === null) {
      c.reply.err(DB_RANGE);
      return;
    }
    if (dst === src) {
      c.reply.err(SAME_OBJECT);
      return;
    }
    const v = src.get(key);
    if (v === undefined || dst.get(key) !== undefined) {
      c.reply.integer(0);
      return;
    }
    const expire = src.getExpire(key);
    dst.set(key, v);
    carryEncoding(src, key, dst, key, v);
    if (expire !== -1) dst.setExpire(key, expire);
    src.remove(key);
    c.server.keyWritten(dst, key);
    c.server.dirty++;
    c.reply.integer(1);
  },

  keys,

  scan,

  randomkey,

  dbsize(c) {
    c.reply.integer(c.db.size);
  },

  flushdb(c, argv) {
    if (!flushArgsOk(c, argv)) return;
    const s = c.server;
    const n = c.db.clear();
    scanCursors.get(c.db)?.clear();
    // Redis always propagates FLUSHDB, even of an empty database; here propagation follows
    // `dirty`, so an empty flush counts as one change.
    s.dirty += Math.max(n, 1);
    c.reply.ok();
  },

  flushall(c, argv) {
    if (!flushArgsOk(c, argv)) return;
    const s = c.server;
    // Like Redis killing its RDB child: a snapshot of the old data set is of no use now.
    s.rdb.killBgsave();
    let n = 0;
    for (const db of s.keyspace.dbs) {
      n += db.clear();
      scanCursors.get(db)?.clear();
    }
    s.dirty += n;
    // With save points configured Redis writes the (now empty) RDB at once; the save must not
    // reset `dirty`, or FLUSHALL would not be propagated.
    if (s.config.get('save').length > 0) {
      const dirty = s.dirty;
      s.rdb.saveSync();
      s.dirty = dirty;
    }
    s.dirty++;
    c.reply.ok();
  },

  swapdb(c, argv) {
    const s = c.server;
    if (s.config.get('cluster-enabled')) {
      c.reply.err('SWAPDB is not allowed in cluster mode');
      return;
    }
    const a = intArg(c, argv[1], 'invalid first DB index');
    if (a === null) return;
    const b = intArg(c, argv[2], 'invalid second DB index');
    if (b === null) return;
    const da = dbById(c, a);
    const dbB = dbById(c, b);
    if (da === null || dbB === null) {
      c.reply.err(DB_RANGE);
      return;
    }
    s.keyspace.swapDbs(da, dbB);
    s.dirty++;
    c.reply.ok();
  },

  'object|help'(c) {
    c.reply.array(OBJECT_HELP.length);
    for (const line of OBJECT_HELP) c.reply.simple(line);
  },

  'object|encoding'(c, argv) {
    const v = objectTarget(c, argv[2]);
    if (v === undefined) return;
    c.reply.bulk(typeof v === 'string' ? stringEncoding(c.db, argv[2], v) : v.encoding());
  },

  'object|refcount'(c, argv) {
    const v = objectTarget(c, argv[2]);
    if (v === undefined) return;
    let shared = false;
    if (typeof v === 'string' && stringEncoding(c.db, argv[2], v) === 'int') {
      const n = Number(v);
      shared = n >= 0 && n < SHARED_INTEGERS && !/-(lru|lfu)$/.test(policy(c));
    }
    c.reply.integer(shared ? SHARED_REFCOUNT : 1);
  },

  'object|idletime'(c, argv) {
    const v = objectTarget(c, argv[2]);
    if (v === undefined) return;
    if (isLfuPolicy(c)) {
      c.reply.err(
        `An LFU maxmemory policy is selected, idle time not tracked. ${POLICY_SWITCH_NOTE}`,
      );
      return;
    }
    c.reply.integer(enableTracking(c).idleSeconds(argv[2]));
  },

  'object|freq'(c, argv) {
    const v = objectTarget(c, argv[2]);
    if (v === undefined) return;
    if (!isLfuPolicy(c)) {
      c.reply.err(
        `An LFU maxmemory policy is not selected, access frequency not tracked. ${POLICY_SWITCH_NOTE}`,
      );
      return;
    }
    const tracker = enableTracking(c);
    tracker.enableLfu({
      logFactor: Number(c.server.config.get('lfu-log-factor')),
      decayMinutes: Number(c.server.config.get('lfu-decay-time')),
    });
    c.reply.integer(tracker.frequency(argv[2]));
  },
};

function policy(c: Client): string {
  return c.server.config.get('maxmemory-policy');
}
