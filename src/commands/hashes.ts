/**
 * The hash commands. Argument checks happen in Redis's order (some before the key lookup, some
 * after), since that decides which error a bad call gets.
 */
import type { Handler } from './table.js';
import type { Client } from '../server/client.js';
import { BULK_WRITER_MIN, BulkWriter } from '../types/bulk-writer.js';
import { HashValue, type HashLimits } from '../types/hash.js';
import { globMatch } from '../util/glob.js';
import { parseCursor, parseScanOptions } from '../types/set-scan.js';
import { addLD, formatLDHuman, parseLD } from '../types/longdouble.js';
import { parseInt64 } from '../util/parse.js';
import { hrandfield } from './hashes-random.js';

export const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
const NOT_INTEGER = 'value is not an integer or out of range';
const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

function limits(c: Client): HashLimits {
  const cfg = c.server.config;
  return {
    entries: cfg.get('hash-max-listpack-entries'),
    value: cfg.get('hash-max-listpack-value'),
  };
}

/**
 * The hash at `key`, undefined when missing, or null after replying WRONGTYPE. A `read`
 * lookup counts a keyspace hit or miss, as Redis's lookupKeyRead does (writes do not).
 */
export function lookupHash(c: Client, key: string, read = false): HashValue | undefined | null {
  const v = c.db.get(key);
  if (read) {
    if (v === undefined) c.server.keyspace.misses++;
    else c.server.keyspace.hits++;
  }
  if (v === undefined) return undefined;
  if (v instanceof HashValue) return v;
  c.reply.error(WRONGTYPE);
  return null;
}

/** The hash at `key`, created (and stored) when missing; null after replying WRONGTYPE. */
function hashForWrite(c: Client, key: string): HashValue | null {
  const h = lookupHash(c, key);
  if (h !== undefined) return h;
  const created = new HashValue();
  c.db.set(key, created);
  return created;
}

function hsetPairs(c: Client, argv: string[]): number | null {
  if (argv.length % 2 === 1) {
    c.reply.err(`wrong number of arguments for '${argv[0].toLowerCase()}' command`);
    return null;
  }
  const h = hashForWrite(c, argv[1]);
  if (!h) return null;
  const lim = limits(c);
  h.checkLengths(argv, lim, 2);
  let created = 0;
  for (let i = 2; i < argv.length; i += 2) if (h.set(argv[i], argv[i + 1], lim)) created++;
  c.server.dirty += (argv.length - 2) / 2;
  return created;
}

export const hashCommands: Record<string, Handler> = {
  hset(c, argv) {
    const n = hsetPairs(c, argv);
    if (n !== null) c.reply.integer(n);
  },

  hmset(c, argv) {
    if (hsetPairs(c, argv) !== null) c.reply.ok();
  },

  hsetnx(c, argv) {
    const h = hashForWrite(c, argv[1]);
    if (!h) return;
    if (h.has(argv[2])) {
      c.reply.integer(0);
      return;
    }
    h.set(argv[2], argv[3], limits(c));
    c.server.dirty++;
    c.reply.integer(1);
  },

  hget(c, argv) {
    const h = lookupHash(c, argv[1], true);
    if (h === null) return;
    c.reply.bulkOrNull(h?.get(argv[2]));
  },

  hmget(c, argv) {
    const h = lookupHash(c, argv[1], true);
    if (h === null) return;
    c.reply.array(argv.length - 2);
    for (let i = 2; i < argv.length; i++) c.reply.bulkOrNull(h?.get(argv[i]));
  },

  hdel(c, argv) {
    const h = lookupHash(c, argv[1]);
    if (h === null) return;
    if (h === undefined) {
      c.reply.integer(0);
      return;
    }
    let deleted = 0;
    for (let i = 2; i < argv.length; i++) {
      if (h.delete(argv[i])) {
        deleted++;
        if (h.size === 0) {
          c.db.remove(argv[1]);
          break;
        }
      }
    }
    c.server.dirty += deleted;
    c.reply.integer(deleted);
  },

  hlen(c, argv) {
    const h = lookupHash(c, argv[1], true);
    if (h !== null) c.reply.integer(h?.size ?? 0);
  },

  hstrlen(c, argv) {
    const h = lookupHash(c, argv[1], true);
    if (h !== null) c.reply.integer(h?.get(argv[2])?.length ?? 0);
  },

  hexists(c, argv) {
    const h = lookupHash(c, argv[1], true);
    if (h !== null) c.reply.integer(h?.has(argv[2]) ? 1 : 0);
  },

  hkeys(c, argv) {
    replyAll(c, argv[1], true, false);
  },

  hvals(c, argv) {
    replyAll(c, argv[1], false, true);
  },

  hgetall(c, argv) {
    replyAll(c, argv[1], true, true);
  },

  hincrby(c, argv) {
    const incr = parseInt64(argv[3]);
    if (incr === null) {
      c.reply.err(NOT_INTEGER);
      return;
    }
    const h = hashForWrite(c, argv[1]);
    if (!h) return;
    const cur = h.get(argv[2]);
    let old = 0n;
    if (cur !== undefined) {
      const v = parseInt64(cur);
      if (v === null) {
        c.reply.err('hash value is not an integer');
        return;
      }
      old = v;
    }
    const next = old + incr;
    if (next > INT64_MAX || next < INT64_MIN) {
      c.reply.err('increment or decrement would overflow');
      return;
    }
    h.set(argv[2], String(next), limits(c));
    c.server.dirty++;
    c.reply.integer(next);
  },

  hincrbyfloat(c, argv) {
    const incr = parseLD(argv[3]);
    if (incr === null) {
      c.reply.err('value is not a valid float');
      return;
    }
    if (incr.inf) {
      c.reply.err('value is NaN or Infinity');
      return;
    }
    const h = hashForWrite(c, argv[1]);
    if (!h) return;
    const cur = h.get(argv[2]);
    let sum = incr;
    if (cur !== undefined) {
      const old = parseLD(cur);
      if (old === null) {
        c.reply.err('hash value is not a float');
        return;
      }
      sum = addLD(old, incr);
    }
    if (sum.inf) {
      c.reply.err('increment would produce NaN or Infinity');
      return;
    }
    const text = formatLDHuman(sum);
    h.set(argv[2], text, limits(c));
    c.server.dirty++;
    c.reply.bulk(text);
    // Replicas must not redo float arithmetic: they get the resulting value.
    c.propagateAs = [['HSET', argv[1], argv[2], text]];
  },

  hrandfield,

  hscan(c, argv) {
    const cursor = parseCursor(c, argv[2]);
    if (cursor === null) return;
    const h = lookupHash(c, argv[1], true);
    if (h === null) return;
    if (h === undefined) {
      c.reply.raw('*2\r\n$1\r\n0\r\n*0\r\n');
      return;
    }
    const opts = parseScanOptions(c, argv, 3, cursor);
    if (!opts) return;
    const { count, pattern } = opts;
    const out: string[] = [];
    const emit = (f: string, v: string): void => {
      if (pattern !== null && !globMatch(pattern, f)) return;
      out.push(f, v);
    };
    let next = 0;
    if (h.scansWhole) {
      for (const [f, v] of h.entries()) emit(f, v);
    } else if (cursor <= Number.MAX_SAFE_INTEGER) {
      next = h.scanStep(cursor, count, emit);
    }
    c.reply.array(2);
    c.reply.bulk(String(next));
    c.reply.bulkArray(out);
  },
};

function replyAll(c: Client, key: string, fields: boolean, values: boolean): void {
  const h = lookupHash(c, key, true);
  if (h === null) return;
  if (h === undefined) {
    if (fields && values) c.reply.map(0);
    else c.reply.array(0);
    return;
  }
  const r = h.size < BULK_WRITER_MIN ? c.reply : new BulkWriter(c.reply.resp);
  if (fields && values) r.map(h.size);
  else r.array(h.size);
  if (r instanceof BulkWriter) {
    h.writeAll(r, fields, values);
    r.end(c.reply);
    return;
  }
  for (const [f, v] of h.entries()) {
    if (fields) r.bulk(f);
    if (values) r.bulk(v);
  }
}
