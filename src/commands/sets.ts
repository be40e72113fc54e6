/**
 * The set family: SADD ... SSCAN with Redis 7.0's replies, error order and propagation
 * (SPOP becomes SREM of the chosen members, or DEL when it empties the set).
 */
import type { Handler } from './table.js';
import type { Client } from '../server/client.js';
import { BULK_WRITER_MIN, BulkWriter } from '../types/bulk-writer.js';
import { SetValue, WRONGTYPE } from '../types/set.js';
import { parseCursor, parseScanOptions } from '../types/set-scan.js';
import { globMatch } from '../util/glob.js';
import { parseLong } from '../util/parse.js';

/** SPOP propagates its removals as SREM commands of at most this many members. */
const SREM_BATCH = 1024;

/** The set at `key`: undefined if missing, null if another type (WRONGTYPE already sent). */
function lookupSet(c: Client, key: string): SetValue | undefined | null {
  const v = c.db.get(key);
  if (v === undefined) return undefined;
  if (v instanceof SetValue) return v;
  c.reply.error(WRONGTYPE);
  return null;
}

/** The intset limit in the config now, which every write applies. */
function intsetLimit(c: Client): number {
  return c.server.config.get('set-max-intset-entries');
}

/** Looks up every key; null (after WRONGTYPE) if any is not a set. Missing keys are undefined. */
function lookupSets(c: Client, keys: string[]): (SetValue | undefined)[] | null {
  const out: (SetValue | undefined)[] = [];
  for (const k of keys) {
    const v = c.db.get(k);
    if (v !== undefined && !(v instanceof SetValue)) {
      c.reply.error(WRONGTYPE);
      return null;
    }
    out.push(v);
  }
  return out;
}

function replySet(c: Client, members: readonly string[]): void {
  if (members.length < BULK_WRITER_MIN) {
    c.reply.set(members.length);
    let o = '';
    for (const m of members) o += `$${m.length}\r\n${m}\r\n`;
    c.reply.raw(o);
    return;
  }
  const w = new BulkWriter(c.reply.resp);
  w.set(members.length);
  for (const m of members) w.bulk(m);
  w.end(c.reply);
}

/** Stores `result` at `dst` (or deletes `dst` when empty) and replies its size. */
function storeResult(c: Client, dst: string, result: SetValue, alwaysDirty: boolean): void {
  if (result.size > 0) {
    c.db.set(dst, result);
    c.server.dirty++;
  } else if (c.db.delete(dst) || alwaysDirty) {
    c.server.dirty++;
  }
  c.reply.integer(result.size);
}

function intersect(sets: SetValue[], limit: number, collect: ((m: string) => void) | null): number {
  sets.sort((a, b) => a.size - b.size);
  let n = 0;
  outer: for (const m of sets[0].members()) {
    for (let j = 1; j < sets.length; j++) if (!sets[j].has(m)) continue outer;
    n++;
    collect?.(m);
    if (limit > 0 && n >= limit) break;
  }
  return n;
}

function sinterGeneric(c: Client, keys: string[], dst: string | null): void {
  const found = lookupSets(c, keys);
  if (!found) return;
  const result = new SetValue();
  const limit = intsetLimit(c);
  if (found.every((s) => s !== undefined)) {
    intersect(found as SetValue[], 0, (m) => result.add(m, limit));
  } else if (dst === null) {
    replySet(c, []);
    return;
  }
  if (dst === null) replySet(c, result.members());
  else storeResult(c, dst, result, false);
}

function unionDiff(c: Client, keys: string[], diff: boolean): SetValue | null {
  const found = lookupSets(c, keys);
  if (!found) return null;
  const result = new SetValue();
  const limit = intsetLimit(c);
  if (!diff) {
    for (const s of found) if (s) for (const m of s.members()) result.add(m, limit);
    return result;
  }
  const first = found[0];
  if (!first) return result;
  const others = found.slice(1).filter((s): s is SetValue => s !== undefined && s.size > 0);
  outer: for (const m of first.members()) {
    for (const s of others) if (s.has(m)) continue outer;
    result.add(m, limit);
  }
  return result;
}

function unionDiffCommand(diff: boolean): Handler {
  return (c, argv) => {
    const r = unionDiff(c, argv.slice(1), diff);
    if (r) replySet(c, r.members());
  };
}

function unionDiffStoreCommand(diff: boolean): Handler {
  return (c, argv) => {
    const r = unionDiff(c, argv.slice(2), diff);
    if (r) storeResult(c, argv[1], r, true);
  };
}

/** SPOP key count: random distinct members, removed and propagated as SREM (or DEL). */
function spopWithCount(c: Client, argv: string[]): void {
  const n = parseLong(argv[2]);
  if (n === null || n < 0) {
    c.reply.err('value is out of range, must be positive');
    return;
  }
  const key = argv[1];
  const set = lookupSet(c, key);
  if (set === null) return;
  if (set === undefined || n === 0) {
    replySet(c, []);
    return;
  }
  c.server.dirty += n;
  if (n >= set.size) {
    replySet(c, set.members());
    c.db.delete(key);
    c.propagateAs = [['DEL', key]];
    return;
  }
  let popped: string[];
  if ((set.size - n) * 5 > n) {
    popped = [];
    for (let i = 0; i < n; i++) {
      const m = set.random();
      set.remove(m);
      popped.push(m);
    }
  } else {
    // Most of the set goes: pick the few that stay and rebuild the set from them (which, as
    // in Redis, re-derives the encoding from the survivors).
    const keep = new SetValue();
    const limit = intsetLimit(c);
    while (keep.size < set.size - n) keep.add(set.random(), limit);
    popped = set.members().filter((m) => !keep.has(m));
    c.db.set(key, keep, true);
  }
  const prop: string[][] = [];
  for (let i = 0; i < popped.length; i += SREM_BATCH) {
    prop.push(['SREM', key, ...popped.slice(i, i + SREM_BATCH)]);
  }
  c.propagateAs = prop;
  replySet(c, popped);
}

function srandmemberWithCount(c: Client, argv: string[]): void {
  const l = parseLong(argv[2]);
  if (l === null || argv[2] === '-9223372036854775808') {
    if (l === null) c.reply.err('value is not an integer or out of range');
    else
      c.reply.err(
        'value is out of range, value must between -9223372036854775807 and 9223372036854775807',
      );
    return;
  }
  const set = lookupSet(c, argv[1]);
  if (set === null) return;
  if (set === undefined || l === 0) {
    c.reply.array(0);
    return;
  }
  const count = Math.abs(l);
  if (l < 0 || count === 1) {
    // Picks index one array: a packed set would otherwise be walked once per pick.
    const all = set.members();
    const out: string[] = [];
    for (let i = 0; i < count; i++) out.push(all[Math.floor(Math.random() * all.length)]);
    c.reply.bulkArray(out);
    return;
  }
  if (count >= set.size) {
    c.reply.bulkArray(set.members());
    return;
  }
  const picked = new Set<string>();
  if (count * 3 > set.size) {
    // Close to the whole set: drop random members from a copy instead.
    const all = new Set(set.members());
    while (all.size > count) all.delete(set.random());
    c.reply.bulkArray([...all]);
    return;
  }
  while (picked.size < count) picked.add(set.random());
  c.reply.bulkArray([...picked]);
}

export const setCommands: Record<string, Handler> = {
  sadd(c, argv) {
    const key = argv[1];
    let set = lookupSet(c, key);
    if (set === null) return;
    if (set === undefined) {
      set = new SetValue();
      c.db.set(key, set);
    }
    const limit = intsetLimit(c);
    let added = 0;
    for (let i = 2; i < argv.length; i++) if (set.add(argv[i], limit)) added++;
    c.server.dirty += added;
    c.reply.integer(added);
  },

  srem(c, argv) {
    const key = argv[1];
    const set = lookupSet(c, key);
    if (set === null) return;
    if (set === undefined) {
      c.reply.integer(0);
      return;
    }
    let removed = 0;
    for (let i = 2; i < argv.length; i++) {
      if (set.remove(argv[i])) removed++;
      if (set.size === 0) {
        c.db.delete(key);
        break;
      }
    }
    c.server.dirty += removed;
    c.reply.integer(removed);
  },

  scard(c, argv) {
    const set = lookupSet(c, argv[1]);
    if (set !== null) c.reply.integer(set?.size ?? 0);
  },

  sismember(c, argv) {
    const set = lookupSet(c, argv[1]);
    if (set !== null) c.reply.integer(set?.has(argv[2]) ? 1 : 0);
  },

  smismember(c, argv) {
    const set = lookupSet(c, argv[1]);
    if (set === null) return;
    c.reply.array(argv.length - 2);
    for (let i = 2; i < argv.length; i++) c.reply.integer(set?.has(argv[i]) ? 1 : 0);
  },

  smembers(c, argv) {
    const set = lookupSet(c, argv[1]);
    if (set !== null) replySet(c, set ? set.members() : []);
  },

  smove(c, argv) {
    const [, src, dst, m] = argv;
    const from = c.db.get(src);
    const to = c.db.get(dst);
    if (from === undefined) {
      c.reply.integer(0);
      return;
    }
    if (!(from instanceof SetValue) || (to !== undefined && !(to instanceof SetValue))) {
      c.reply.error(WRONGTYPE);
      return;
    }
    if (from === to) {
      c.reply.integer(from.has(m) ? 1 : 0);
      return;
    }
    if (!from.remove(m)) {
      c.reply.integer(0);
      return;
    }
    if (from.size === 0) c.db.delete(src);
    let target = to;
    if (target === undefined) {
      target = new SetValue();
      c.db.set(dst, target);
    }
    c.server.dirty++;
    if (target.add(m, intsetLimit(c))) c.server.dirty++;
    c.reply.integer(1);
  },

  spop(c, argv) {
    if (argv.length === 3) {
      spopWithCount(c, argv);
      return;
    }
    if (argv.length > 3) {
      c.reply.err('syntax error');
      return;
    }
    const key = argv[1];
    const set = lookupSet(c, key);
    if (set === null) return;
    if (set === undefined) {
      c.reply.nil();
      return;
    }
    const m = set.random();
    set.remove(m);
    if (set.size === 0) c.db.delete(key);
    c.server.dirty++;
    c.propagateAs = [['SREM', key, m]];
    c.reply.bulk(m);
  },

  srandmember(c, argv) {
    if (argv.length === 3) {
      srandmemberWithCount(c, argv);
      return;
    }
    if (argv.length > 3) {
      c.reply.err('syntax error');
      return;
    }
    const set = lookupSet(c, argv[1]);
    if (set === null) return;
    c.reply.bulkOrNull(set?.random());
  },

  sinter(c, argv) {
    sinterGeneric(c, argv.slice(1), null);
  },

  sinterstore(c, argv) {
    sinterGeneric(c, argv.slice(2), argv[1]);
  },

  sintercard(c, argv) {
    const numkeys = parseLong(argv[1]);
    if (numkeys === null) {
      c.reply.err('numkeys should be greater than 0');
      return;
    }
    if (numkeys <= 0) {
      c.reply.err('numkeys should be greater than 0');
      return;
    }
    if (numkeys > argv.length - 2) {
      c.reply.err("Number of keys can't be greater than number of args");
      return;
    }
    let limit = 0;
    for (let i = 2 + numkeys; i < argv.length; i += 2) {
      if (argv[i].toLowerCase() === 'limit' && i + 1 < argv.length) {
        const l = parseLong(argv[i + 1]);
        if (l === null || l < 0) {
          c.reply.err("LIMIT can't be negative");
          return;
        }
        limit = l;
      } else {
        c.reply.err('syntax error');
        return;
      }
    }
    const found = lookupSets(c, argv.slice(2, 2 + numkeys));
    if (!found) return;
    if (found.some((s) => s === undefined)) c.reply.integer(0);
    else c.reply.integer(intersect(found as SetValue[], limit, null));
  },

  sunion: unionDiffCommand(false),
  sdiff: unionDiffCommand(true),
  sunionstore: unionDiffStoreCommand(false),
  sdiffstore: unionDiffStoreCommand(true),

  sscan(c, argv) {
    const cursor = parseCursor(c, argv[2]);
    if (cursor === null) return;
    const set = lookupSet(c, argv[1]);
    if (set === null) return;
    if (set === undefined) {
      c.reply.raw('*2\r\n$1\r\n0\r\n*0\r\n');
      return;
    }
    const opts = parseScanOptions(c, argv, 3, cursor);
    if (!opts) return;
    let next = 0;
    let items: readonly string[];
    if (set.scansWhole) items = set.members();
    else {
      const r = set.scan.step(
        cursor,
        opts.count,
        () => set.liveKeys(),
        (m) => set.has(m),
      );
      next = r.next;
      items = r.items;
    }
    const pat = opts.pattern;
    if (pat !== null) items = items.filter((m) => globMatch(pat, m));
    c.reply.array(2);
    c.reply.bulk(String(next));
    c.reply.bulkArray(items);
  },
};
