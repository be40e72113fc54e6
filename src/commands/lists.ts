/**
 * The list commands (the blocking ones are in lists-blocking.ts). Argument checks happen in
 * Redis's order, some before and some after the key lookup, since that decides which error a
 * bad call gets.
 */
import type { Handler } from './table.js';
import type { Client } from '../server/client.js';
import { BULK_WRITER_MIN, BulkWriter } from '../types/bulk-writer.js';
import { ListValue } from '../types/list.js';
import {
  dropIfEmpty,
  lookupList,
  moveOne,
  parseEnd,
  popManyWithKey,
  pushEnd,
  type End,
} from '../types/list-ops.js';
import { parseMpop } from './mpop-args.js';
import { parseInt64, parseLong } from '../util/parse.js';
import { blockingListCommands } from './lists-blocking.js';

const NOT_INTEGER = 'value is not an integer or out of range';
const LONG_MIN = -9223372036854775808n;

function push(c: Client, argv: string[], end: End, onlyExisting: boolean): void {
  let list = lookupList(c, c.db, argv[1]);
  if (list === null) return;
  if (list === undefined) {
    if (onlyExisting) {
      c.reply.integer(0);
      return;
    }
    list = new ListValue();
    c.db.set(argv[1], list);
  }
  for (let i = 2; i < argv.length; i++) pushEnd(list, end, argv[i]);
  c.server.dirty += argv.length - 2;
  c.reply.integer(list.length);
}

function pop(c: Client, argv: string[], end: End): void {
  if (argv.length > 3) {
    c.reply.err(`wrong number of arguments for '${argv[0].toLowerCase()}' command`);
    return;
  }
  let count = -1;
  if (argv.length === 3) {
    const n = parseLong(argv[2]);
    if (n === null || n < 0) {
      c.reply.err('value is out of range, must be positive');
      return;
    }
    count = n;
  }
  const list = lookupList(c, c.db, argv[1]);
  if (list === null) return;
  if (list === undefined) {
    if (count >= 0) c.reply.nilArray();
    else c.reply.nil();
    return;
  }
  if (count < 0) {
    c.reply.bulk((end === 'left' ? list.popFront() : list.popBack())!);
    c.server.dirty++;
  } else {
    const n = Math.min(count, list.length);
    c.reply.array(n);
    for (let i = 0; i < n; i++) c.reply.bulk((end === 'left' ? list.popFront() : list.popBack())!);
    c.server.dirty += n;
  }
  dropIfEmpty(c.db, argv[1], list);
}

/** Normalizes LRANGE/LTRIM bounds; null when the range is empty. */
function clampRange(start: number, end: number, len: number): [number, number] | null {
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  if (start > end || start >= len) return null;
  if (end >= len) end = len - 1;
  return [start, end];
}

function parseLongs(c: Client, args: string[]): number[] | null {
  const out: number[] = [];
  for (const a of args) {
    const n = parseLong(a);
    if (n === null) {
      c.reply.err(NOT_INTEGER);
      return null;
    }
    out.push(n);
  }
  return out;
}

function lmove(c: Client, src: string, dst: string, from: End, to: End): void {
  const list = lookupList(c, c.db, src);
  if (list === null) return;
  if (list === undefined) {
    c.reply.nil();
    return;
  }
  moveOne(c, c.db, src, list, dst, from, to);
}

export const listCommands: Record<string, Handler> = {
  lpush: (c, argv) => push(c, argv, 'left', false),
  rpush: (c, argv) => push(c, argv, 'right', false),
  lpushx: (c, argv) => push(c, argv, 'left', true),
  rpushx: (c, argv) => push(c, argv, 'right', true),
  lpop: (c, argv) => pop(c, argv, 'left'),
  rpop: (c, argv) => pop(c, argv, 'right'),

  llen(c, argv) {
    const list = lookupList(c, c.db, argv[1], true);
    if (list !== null) c.reply.integer(list?.length ?? 0);
  },

  lindex(c, argv) {
    const list = lookupList(c, c.db, argv[1], true);
    if (list === null) return;
    if (list === undefined) {
      c.reply.nil();
      return;
    }
    let i = parseLong(argv[2]);
    if (i === null) {
      c.reply.err(NOT_INTEGER);
      return;
    }
    if (i < 0) i += list.length;
    c.reply.bulkOrNull(i >= 0 && i < list.length ? list.at(i) : null);
  },

  lset(c, argv) {
    const list = lookupList(c, c.db, argv[1]);
    if (list === null) return;
    if (list === undefined) {
      c.reply.err('no such key');
      return;
    }
    let i = parseLong(argv[2]);
    if (i === null) {
      c.reply.err(NOT_INTEGER);
      return;
    }
    if (i < 0) i += list.length;
    if (i < 0 || i >= list.length) {
      c.reply.err('index out of range');
      return;
    }
    list.setAt(i, argv[3]);
    c.server.dirty++;
    c.reply.ok();
  },

  lrange(c, argv) {
    const r = parseLongs(c, [argv[2], argv[3]]);
    if (!r) return;
    const list = lookupList(c, c.db, argv[1], true);
    if (list === null) return;
    const range = list ? clampRange(r[0], r[1], list.length) : null;
    if (!list || !range) {
      c.reply.array(0);
      return;
    }
    const [start, end] = range;
    if (end - start + 1 < BULK_WRITER_MIN) {
      c.reply.bulkArray(list.slice(start, end));
      return;
    }
    const w = new BulkWriter(c.reply.resp);
    w.array(end - start + 1);
    list.writeRange(start, end, w);
    w.end(c.reply);
  },

  ltrim(c, argv) {
    const r = parseLongs(c, [argv[2], argv[3]]);
    if (!r) return;
    const list = lookupList(c, c.db, argv[1]);
    if (list === null) return;
    if (list === undefined) {
      c.reply.ok();
      return;
    }
    const before = list.length;
    const range = clampRange(r[0], r[1], before);
    if (range) list.trim(range[0], range[1]);
    else list.trim(0, -1);
    c.server.dirty += before - list.length;
    dropIfEmpty(c.db, argv[1], list);
    c.reply.ok();
  },

  lrem(c, argv) {
    const toRemove = parseLong(argv[2]);
    if (toRemove === null) {
      c.reply.err(NOT_INTEGER);
      return;
    }
    const list = lookupList(c, c.db, argv[1]);
    if (list === null) return;
    if (list === undefined) {
      c.reply.integer(0);
      return;
    }
    const items = [...list.values()];
    const limit = toRemove === 0 ? Infinity : Math.abs(toRemove);
    let removed = 0;
    const keep = new Array<boolean>(items.length).fill(true);
    if (toRemove >= 0) {
      for (let i = 0; i < items.length && removed < limit; i++) {
        if (items[i] === argv[3]) {
          keep[i] = false;
          removed++;
        }
      }
    } else {
      for (let i = items.length - 1; i >= 0 && removed < limit; i--) {
        if (items[i] === argv[3]) {
          keep[i] = false;
          removed++;
        }
      }
    }
    if (removed > 0) {
      list.replaceAll(items.filter((_v, i) => keep[i]));
      c.server.dirty += removed;
      dropIfEmpty(c.db, argv[1], list);
    }
    c.reply.integer(removed);
  },

  linsert(c, argv) {
    const where = argv[2].toLowerCase();
    if (where !== 'before' && where !== 'after') {
      c.reply.err('syntax error');
      return;
    }
    const list = lookupList(c, c.db, argv[1]);
    if (list === null) return;
    if (list === undefined) {
      c.reply.integer(0);
      return;
    }
    const pivot = argv[3];
    let i = 0;
    for (const v of list.values()) {
      if (v === pivot) {
        list.insertAt(where === 'before' ? i : i + 1, argv[4]);
        c.server.dirty++;
        c.reply.integer(list.length);
        return;
      }
      i++;
    }
    c.reply.integer(-1);
  },

  lpos(c, argv) {
    let rank = 1;
    let rankIsMin = false;
    let count = -1;
    let maxlen = 0;
    for (let j = 3; j < argv.length; j++) {
      const opt = argv[j].toLowerCase();
      const more = j < argv.length - 1;
      if (opt === 'rank' && more) {
        const big = parseInt64(argv[++j]);
        if (big === null) {
          c.reply.err(NOT_INTEGER);
          return;
        }
        if (big === 0n) {
          c.reply.err(
            "RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
          );
          return;
        }
        rank = Number(big);
        rankIsMin = big === LONG_MIN;
      } else if (opt === 'count' && more) {
        const n = parseLong(argv[++j]);
        if (n === null || n < 0) {
          c.reply.err("COUNT can't be negative");
          return;
        }
        count = n;
      } else if (opt === 'maxlen' && more) {
        const n = parseLong(argv[++j]);
        if (n === null || n < 0) {
          c.reply.err("MAXLEN can't be negative");
          return;
        }
        maxlen = n;
      } else {
        c.reply.err('syntax error');
        return;
      }
    }
    const list = lookupList(c, c.db, argv[1], true);
    if (list === null) return;
    if (list === undefined) {
      if (count !== -1) c.reply.array(0);
      else c.reply.nil();
      return;
    }
    const fromTail = rank < 0;
    // Redis negates the rank in C: LONG_MIN stays negative, so every match qualifies and a
    // COUNT limit is never reached.
    const skip = rankIsMin ? 1 : Math.abs(rank);
    const found: number[] = [];
    const len = list.length;
    let matches = 0;
    let k = 0;
    for (const v of fromTail ? list.reversed() : list.values()) {
      if (maxlen !== 0 && k >= maxlen) break;
      const i = fromTail ? len - 1 - k : k;
      k++;
      if (v !== argv[2]) continue;
      matches++;
      if (matches < skip) continue;
      found.push(i);
      if (count === -1 || (count !== 0 && !rankIsMin && found.length >= count)) break;
    }
    if (count === -1) {
      if (found.length) c.reply.integer(found[0]);
      else c.reply.nil();
    } else {
      c.reply.array(found.length);
      for (const i of found) c.reply.integer(i);
    }
  },

  lmove(c, argv) {
    const from = parseEnd(argv[3]);
    const to = parseEnd(argv[4]);
    if (!from || !to) {
      c.reply.err('syntax error');
      return;
    }
    lmove(c, argv[1], argv[2], from, to);
  },

  rpoplpush: (c, argv) => lmove(c, argv[1], argv[2], 'right', 'left'),

  lmpop(c, argv) {
    const p = parseMpop(c, argv, 1, parseEnd);
    if (!p) return;
    for (const key of p.keys) {
      const list = lookupList(c, c.db, key);
      if (list === null) return;
      if (list === undefined) continue;
      c.propagateAs = [popManyWithKey(c, c.db, key, list, p.where, p.count)];
      return;
    }
    c.reply.nilArray();
  },

  ...blockingListCommands,
};
