/**
 * The string commands of Redis 7.0: GET/SET and their variants, counters, ranges and LCS.
 * Replies, errors and their order follow t_string.c as observed on redis-server 7.0.15; writes
 * whose replay must be deterministic set c.propagateAs the way Redis rewrites them.
 */
import { constants } from 'node:buffer';
import type { Handler } from './table.js';
import type { Client } from '../server/client.js';
import type { Db, Value } from '../keyspace/db.js';
import { parseInt64 } from '../util/parse.js';
import { decimal } from '../util/numfmt.js';
import {
  freshStringEncoding,
  markStringEncoding,
  stringMarksExist,
  unmarkStringEncoding,
} from '../types/string-encoding.js';
import {
  ERR_NOT_INTEGER,
  expireAtMs,
  F_EX,
  F_GET,
  F_KEEPTTL,
  F_NX,
  F_PERSIST,
  F_PX,
  F_XX,
  parseExtendedArgs,
} from '../types/string-set-args.js';
import { optionName } from '../types/string-cstr.js';
import {
  addLongDouble,
  formatLongDoubleHuman,
  parseLongDouble,
} from '../types/string-longdouble.js';
import { overwriteBytes } from '../types/string-bytes.js';
import { lcs, lcsTableBytes } from '../types/string-lcs.js';

export const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
const ERR_TOO_BIG = 'string exceeds maximum allowed size (proto-max-bulk-len)';
const ERR_OVERFLOW = 'increment or decrement would overflow';
const ERR_NOT_FLOAT = 'value is not a valid float';
/**
 * V8 cannot hold a string quite as long as Redis's default limit of 512 MB (it stops 24 bytes
 * short): strings that would pass that length are refused like oversized ones.
 */
export const MAX_STRING_LENGTH = constants.MAX_STRING_LENGTH;
const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/** Stores a value the way SET does: fresh encoding, TTL cleared unless keepTtl. */
export function storeString(db: Db, key: string, value: string, keepTtl = false): void {
  db.set(key, value, keepTtl);
  if (stringMarksExist()) unmarkStringEncoding(db, key);
}

/** A read lookup (lookupKeyRead): counts a keyspace hit or miss. */
export function readKey(c: Client, key: string): Value | undefined {
  const v = c.db.get(key);
  if (v === undefined) c.server.keyspace.misses++;
  else c.server.keyspace.hits++;
  return v;
}

/** Whether limits on sizes are waived: the master link and AOF loading (mustObeyClient). */
export function mustObey(c: Client): boolean {
  return c.kind === 'master' || (c.socket === null && c.server.loading);
}

/** Checks that a string may grow to `size` + `append` bytes; replies with the error if not. */
export function checkStringLength(c: Client, size: number, append: number): boolean {
  const total = size + append;
  if (
    total <= MAX_STRING_LENGTH &&
    (mustObey(c) || total <= c.server.config.get('proto-max-bulk-len'))
  )
    return true;
  c.reply.err(ERR_TOO_BIG);
  return false;
}

/**
 * string2ll for strings of up to 15 bytes, whose value is exact as a JS number; NaN when the
 * string is not a canonical integer or is longer (callers then fall back to parseInt64).
 */
function parseSmallInt(s: string): number {
  const n = s.length;
  if (n === 0 || n > 15) return NaN;
  const neg = s.charCodeAt(0) === 45;
  let i = neg ? 1 : 0;
  if (neg && n === 1) return NaN;
  if (s.charCodeAt(i) === 48) return n === 1 ? 0 : NaN;
  let v = 0;
  for (; i < n; i++) {
    const ch = s.charCodeAt(i);
    if (ch < 48 || ch > 57) return NaN;
    v = v * 10 + (ch - 48);
  }
  return neg ? -v : v;
}

/** A 64-bit integer: a number when short enough to be exact, else a bigint; null if invalid. */
function parseInteger(s: string): number | bigint | null {
  const small = parseSmallInt(s);
  if (!Number.isNaN(small)) return small;
  return s.length > 15 ? parseInt64(s) : null;
}

// --- SET family ---------------------------------------------------------------------------

interface SetReplies {
  ok(c: Client): void;
  aborted(c: Client): void;
}

const SET_REPLIES: SetReplies = {
  ok: (c) => c.reply.ok(),
  aborted: (c) => c.reply.nil(),
};

const SETNX_REPLIES: SetReplies = {
  ok: (c) => c.reply.integer(1),
  aborted: (c) => c.reply.integer(0),
};

/** setGenericCommand: the shared core of SET, SETNX, SETEX and PSETEX. */
function setGeneric(
  c: Client,
  argv: string[],
  key: string,
  value: string,
  flags: number,
  expire: string | null,
  replies: SetReplies,
): void {
  const db = c.db;
  let when: bigint | null = null;
  if (expire !== null) {
    const r = expireAtMs(expire, flags, Date.now(), argv[0].toLowerCase());
    if (typeof r === 'string') {
      c.reply.err(r);
      return;
    }
    when = r;
  }
  if (flags & F_GET) {
    const old = readKey(c, key);
    if (old !== undefined && typeof old !== 'string') {
      c.reply.error(WRONGTYPE);
      return;
    }
    c.reply.bulkOrNull(old);
  }
  const found = db.get(key) !== undefined;
  if ((flags & F_NX && found) || (flags & F_XX && !found)) {
    if (!(flags & F_GET)) replies.aborted(c);
    return;
  }
  storeString(db, key, value, (flags & F_KEEPTTL) !== 0);
  c.server.dirty++;
  if (when !== null) {
    db.setExpire(key, Number(when));
    c.propagateAs = [['SET', key, value, 'PXAT', when.toString()]];
  } else if (flags & F_GET) {
    // Replicas must not see GET (it would make them reply); Redis drops every GET token.
    c.propagateAs = [argv.filter((a, j) => j < 3 || optionName(a) !== 'GET')];
  }
  if (!(flags & F_GET)) replies.ok(c);
}

/** GETEX: the value, then the expire change (deleting the key if the time already passed). */
function getex(c: Client, argv: string[]): void {
  const args = parseExtendedArgs(argv, 2, false);
  if (!args) {
    c.reply.err('syntax error');
    return;
  }
  const key = argv[1];
  const db = c.db;
  const v = readKey(c, key);
  if (v === undefined) {
    c.reply.nil();
    return;
  }
  if (typeof v !== 'string') {
    c.reply.error(WRONGTYPE);
    return;
  }
  // Unlike SET, GETEX validates the expire time only once the key is known to be a string.
  let when: bigint | null = null;
  if (args.expire !== null) {
    const r = expireAtMs(args.expire, args.flags, Date.now(), 'getex');
    if (typeof r === 'string') {
      c.reply.err(r);
      return;
    }
    when = r;
  }
  c.reply.bulk(v);
  if (when !== null) {
    const s = c.server;
    if (when <= BigInt(Date.now()) && !s.loading && !s.isReplica()) {
      db.delete(key);
      c.propagateAs = [[s.config.get('lazyfree-lazy-expire') ? 'UNLINK' : 'DEL', key]];
    } else {
      db.setExpire(key, Number(when));
      c.propagateAs = [['PEXPIREAT', key, when.toString()]];
    }
    s.dirty++;
  } else if (args.flags & F_PERSIST && db.persist(key)) {
    c.propagateAs = [['PERSIST', key]];
    c.server.dirty++;
  }
}

// --- counters -------------------------------------------------------------------------------

/** incrDecrCommand: adds `incr` to the integer at `key` (0 when missing), keeping the TTL. */
function incrBy(c: Client, key: string, incr: number | bigint): void {
  const db = c.db;
  const v = db.get(key);
  let cur: number | bigint = 0;
  if (v !== undefined) {
    if (typeof v !== 'string') {
      c.reply.error(WRONGTYPE);
      return;
    }
    const parsed = parseInteger(v);
    if (parsed === null) {
      c.reply.err(ERR_NOT_INTEGER);
      return;
    }
    cur = parsed;
  }
  let result: number | bigint;
  if (typeof cur === 'number' && typeof incr === 'number') {
    // Both below 10^15 in magnitude: the sum is exact and within 64 bits.
    result = cur + incr;
  } else {
    result = BigInt(cur) + BigInt(incr);
    if (result > INT64_MAX || result < INT64_MIN) {
      c.reply.err(ERR_OVERFLOW);
      return;
    }
  }
  // Not String(): V8's number-string cache would keep the last ~16K counter values alive
  // through every scavenge (an INCR flood copied ~440 KB each time, 0.7-0.9 ms pauses).
  storeString(db, key, typeof result === 'number' ? decimal(result) : String(result), true);
  c.server.dirty++;
  c.reply.integer(result);
}

/** The increment argument of INCRBY/DECRBY, or null after replying with the error. */
function incrementArg(c: Client, s: string): number | bigint | null {
  const v = parseInteger(s);
  if (v === null) c.reply.err(ERR_NOT_INTEGER);
  return v;
}

function incrbyfloat(c: Client, argv: string[]): void {
  const key = argv[1];
  const db = c.db;
  const v = db.get(key);
  if (v !== undefined && typeof v !== 'string') {
    c.reply.error(WRONGTYPE);
    return;
  }
  const cur = parseLongDouble(v ?? '0');
  const incr = cur && parseLongDouble(argv[2]);
  if (!cur || !incr) {
    c.reply.err(ERR_NOT_FLOAT);
    return;
  }
  const sum = addLongDouble(cur, incr);
  if (!sum) {
    c.reply.err('increment would produce NaN or Infinity');
    return;
  }
  const text = formatLongDoubleHuman(sum);
  storeString(db, key, text, true);
  // The result is stored as a plain string object, never as an integer.
  if (freshStringEncoding(text) === 'int') markStringEncoding(db, key, text, 'embstr');
  c.server.dirty++;
  c.reply.bulk(text);
  c.propagateAs = [['SET', key, text, 'KEEPTTL']];
}

// --- ranges ---------------------------------------------------------------------------------

function setrange(c: Client, argv: string[]): void {
  const key = argv[1];
  const part = argv[3];
  const offsetBig = parseInt64(argv[2]);
  if (offsetBig === null) {
    c.reply.err(ERR_NOT_INTEGER);
    return;
  }
  if (offsetBig < 0n) {
    c.reply.err('offset is out of range');
    return;
  }
  const offset = Number(offsetBig);
  const db = c.db;
  const v = db.get(key);
  if (v === undefined) {
    if (part.length === 0) {
      c.reply.integer(0);
      return;
    }
    if (!checkStringLength(c, offset, part.length)) return;
  } else {
    if (typeof v !== 'string') {
      c.reply.error(WRONGTYPE);
      return;
    }
    if (part.length === 0) {
      c.reply.integer(v.length);
      return;
    }
    if (!checkStringLength(c, offset, part.length)) return;
  }
  const nv = overwriteBytes(v ?? '', offset, part);
  db.set(key, nv, true);
  markStringEncoding(db, key, nv, 'raw');
  c.server.dirty++;
  c.reply.integer(nv.length);
}

function getrange(c: Client, argv: string[]): void {
  const startBig = parseInt64(argv[2]);
  const endBig = startBig === null ? null : parseInt64(argv[3]);
  if (startBig === null || endBig === null) {
    c.reply.err(ERR_NOT_INTEGER);
    return;
  }
  const v = readKey(c, argv[1]);
  if (v === undefined) {
    c.reply.bulk('');
    return;
  }
  if (typeof v !== 'string') {
    c.reply.error(WRONGTYPE);
    return;
  }
  if (startBig < 0n && endBig < 0n && startBig > endBig) {
    c.reply.bulk('');
    return;
  }
  const len = v.length;
  // Beyond +-2^53 the exact value no longer matters: it is out of range either way.
  let start = Number(startBig);
  let end = Number(endBig);
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (start > end || len === 0) c.reply.bulk('');
  else c.reply.bulk(v.slice(start, end + 1));
}

function lcsCommand(c: Client, argv: string[]): void {
  const a = readKey(c, argv[1]);
  const b = readKey(c, argv[2]);
  if ((a !== undefined && typeof a !== 'string') || (b !== undefined && typeof b !== 'string')) {
    c.reply.err('The specified keys must contain string values');
    return;
  }
  let getIdx = false;
  let getLen = false;
  let withMatchLen = false;
  let minMatchLen = 0n;
  for (let j = 3; j < argv.length; j++) {
    const opt = optionName(argv[j]);
    if (opt === 'IDX') getIdx = true;
    else if (opt === 'LEN') getLen = true;
    else if (opt === 'WITHMATCHLEN') withMatchLen = true;
    else if (opt === 'MINMATCHLEN' && j + 1 < argv.length) {
      const v = parseInt64(argv[++j]);
      if (v === null) {
        c.reply.err(ERR_NOT_INTEGER);
        return;
      }
      minMatchLen = v < 0n ? 0n : v;
    } else {
      c.reply.err('syntax error');
      return;
    }
  }
  if (getIdx && getLen) {
    c.reply.err('If you want both the length and indexes, please just use IDX.');
    return;
  }
  const sa = a ?? '';
  const sb = b ?? '';
  if (lcsTableBytes(sa, sb) > c.server.config.get('proto-max-bulk-len')) {
    c.reply.err('Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len');
    return;
  }
  const r = lcs(sa, sb, getIdx || !getLen);
  if (!getIdx) {
    if (getLen) c.reply.integer(r.length);
    else c.reply.bulk(r.text);
    return;
  }
  const min = Number(minMatchLen);
  const shown = r.matches.filter((m) => min === 0 || m.aEnd - m.aStart + 1 >= min);
  c.reply.map(2);
  c.reply.bulk('matches');
  c.reply.array(shown.length);
  for (const m of shown) {
    c.reply.array(withMatchLen ? 3 : 2);
    c.reply.array(2);
    c.reply.integer(m.aStart);
    c.reply.integer(m.aEnd);
    c.reply.array(2);
    c.reply.integer(m.bStart);
    c.reply.integer(m.bEnd);
    if (withMatchLen) c.reply.integer(m.aEnd - m.aStart + 1);
  }
  c.reply.bulk('len');
  c.reply.integer(r.length);
}

function msetGeneric(c: Client, argv: string[], nx: boolean): boolean {
  const db = c.db;
  if (nx) {
    for (let j = 1; j < argv.length; j += 2) if (db.get(argv[j]) !== undefined) return false;
  }
  for (let j = 1; j < argv.length; j += 2) storeString(db, argv[j], argv[j + 1]);
  c.server.dirty += (argv.length - 1) / 2;
  return true;
}

export const stringCommands: Record<string, Handler> = {
  get(c, argv) {
    const v = readKey(c, argv[1]);
    if (v === undefined) c.reply.nil();
    else if (typeof v === 'string') c.reply.bulk(v);
    else c.reply.error(WRONGTYPE);
  },

  set(c, argv) {
    if (argv.length === 3) {
      storeString(c.db, argv[1], argv[2]);
      c.server.dirty++;
      c.reply.ok();
      return;
    }
    const args = parseExtendedArgs(argv, 3, true);
    if (!args) c.reply.err('syntax error');
    else setGeneric(c, argv, argv[1], argv[2], args.flags, args.expire, SET_REPLIES);
  },

  setnx(c, argv) {
    setGeneric(c, argv, argv[1], argv[2], F_NX, null, SETNX_REPLIES);
  },

  setex(c, argv) {
    setGeneric(c, argv, argv[1], argv[3], F_EX, argv[2], SET_REPLIES);
  },

  psetex(c, argv) {
    setGeneric(c, argv, argv[1], argv[3], F_PX, argv[2], SET_REPLIES);
  },

  getset(c, argv) {
    const key = argv[1];
    const old = readKey(c, key);
    if (old !== undefined && typeof old !== 'string') {
      c.reply.error(WRONGTYPE);
      return;
    }
    c.reply.bulkOrNull(old);
    storeString(c.db, key, argv[2]);
    c.server.dirty++;
    c.propagateAs = [['SET', key, argv[2]]];
  },

  getex,

  getdel(c, argv) {
    const key = argv[1];
    const v = readKey(c, key);
    if (v === undefined) {
      c.reply.nil();
      return;
    }
    if (typeof v !== 'string') {
      c.reply.error(WRONGTYPE);
      return;
    }
    c.reply.bulk(v);
    c.db.delete(key);
    c.server.dirty++;
    c.propagateAs = [[c.server.config.get('lazyfree-lazy-user-del') ? 'UNLINK' : 'DEL', key]];
  },

  mget(c, argv) {
    c.reply.array(argv.length - 1);
    for (let j = 1; j < argv.length; j++) {
      const v = readKey(c, argv[j]);
      if (typeof v === 'string') c.reply.bulk(v);
      else c.reply.nil();
    }
  },

  mset(c, argv) {
    if (argv.length % 2 === 0) {
      c.reply.err("wrong number of arguments for 'mset' command");
      return;
    }
    msetGeneric(c, argv, false);
    c.reply.ok();
  },

  msetnx(c, argv) {
    if (argv.length % 2 === 0) {
      c.reply.err("wrong number of arguments for 'msetnx' command");
      return;
    }
    c.reply.integer(msetGeneric(c, argv, true) ? 1 : 0);
  },

  append(c, argv) {
    const key = argv[1];
    const db = c.db;
    const v = db.get(key);
    if (v === undefined) {
      storeString(db, key, argv[2]);
      c.server.dirty++;
      c.reply.integer(argv[2].length);
      return;
    }
    if (typeof v !== 'string') {
      c.reply.error(WRONGTYPE);
      return;
    }
    if (!checkStringLength(c, v.length, argv[2].length)) return;
    const nv = v + argv[2];
    db.set(key, nv, true);
    markStringEncoding(db, key, nv, 'raw');
    c.server.dirty++;
    c.reply.integer(nv.length);
  },

  strlen(c, argv) {
    const v = readKey(c, argv[1]);
    if (v === undefined) c.reply.integer(0);
    else if (typeof v === 'string') c.reply.integer(v.length);
    else c.reply.error(WRONGTYPE);
  },

  incr(c, argv) {
    incrBy(c, argv[1], 1);
  },

  decr(c, argv) {
    incrBy(c, argv[1], -1);
  },

  incrby(c, argv) {
    const incr = incrementArg(c, argv[2]);
    if (incr !== null) incrBy(c, argv[1], incr);
  },

  decrby(c, argv) {
    const incr = incrementArg(c, argv[2]);
    if (incr === null) return;
    if (incr === INT64_MIN) {
      c.reply.err('decrement would overflow');
      return;
    }
    incrBy(c, argv[1], -incr);
  },

  incrbyfloat,
  setrange,
  getrange,
  substr: getrange,
  lcs: lcsCommand,
};
