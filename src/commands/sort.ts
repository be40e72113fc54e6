/**
 * SORT and SORT_RO, as Redis 7.0's sortCommandGeneric: the elements of a list, set or sorted
 * set, ordered by their own value or by keys built from a BY pattern (numeric unless ALPHA),
 * cut by LIMIT, answered as themselves or as the values GET patterns lead to, or stored as a
 * list with STORE.
 */
import type { Handler } from './table.js';
import type { Client } from '../server/client.js';
import type { Value } from '../keyspace/db.js';
import { ListValue } from '../types/list.js';
import { SetValue } from '../types/set.js';
import { ZSetValue } from '../types/zset.js';
import { HashValue } from '../types/hash.js';
import { WRONGTYPE } from '../types/list-ops.js';
import { readKey } from './strings.js';
import { parseLong, strtodWhole } from '../util/parse.js';

interface Item {
  value: string;
  score: number;
  /** ALPHA with BY: the value the pattern led to (null when there is none). */
  by: string | null;
}

/** C string view: what strchr/strstr/strcmp see of a binary string. */
function cString(s: string): string {
  const nul = s.indexOf('\0');
  return nul < 0 ? s : s.slice(0, nul);
}

/**
 * lookupKeyByPattern: `#` is the element itself; otherwise the first `*` is replaced by it, and
 * a `->field` after the `*` reads that field of a hash instead of a string.
 */
function byPattern(c: Client, pattern: string, element: string): string | null {
  const visible = cString(pattern);
  if (visible === '#') return element;
  const star = visible.indexOf('*');
  if (star < 0) return null;
  const arrow = visible.indexOf('->', star + 1);
  const field = arrow >= 0 && arrow + 2 < visible.length ? pattern.slice(arrow + 2) : null;
  const end = field === null ? pattern.length : arrow;
  const v: Value | undefined = readKey(
    c,
    pattern.slice(0, star) + element + pattern.slice(star + 1, end),
  );
  if (v === undefined) return null;
  if (field !== null) return v instanceof HashValue ? (v.get(field) ?? null) : null;
  return typeof v === 'string' ? v : null;
}

function compareBinary(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** strcoll in the C locale: strcmp, which stops at a NUL. */
function collate(a: string, b: string): number {
  return compareBinary(cString(a), cString(b));
}

function sortGeneric(c: Client, argv: string[], readonly: boolean): void {
  const s = c.server;
  let desc = false;
  let alpha = false;
  let limitStart = 0;
  let limitCount = -1;
  let dontsort = false;
  let sortby: string | null = null;
  let storekey: string | null = null;
  const gets: string[] = [];
  for (let j = 2; j < argv.length; j++) {
    const opt = argv[j].toLowerCase();
    const left = argv.length - j - 1;
    if (opt === 'asc') desc = false;
    else if (opt === 'desc') desc = true;
    else if (opt === 'alpha') alpha = true;
    else if (opt === 'limit' && left >= 2) {
      const start = parseLong(argv[j + 1]);
      const count = start === null ? null : parseLong(argv[j + 2]);
      if (start === null || count === null) {
        c.reply.err('value is not an integer or out of range');
        return;
      }
      limitStart = start;
      limitCount = count;
      j += 2;
    } else if (!readonly && opt === 'store' && left >= 1) {
      storekey = argv[++j];
    } else if (opt === 'by' && left >= 1) {
      sortby = argv[++j];
      // A pattern without `*` names no key: the elements keep their order.
      if (!cString(sortby).includes('*')) dontsort = true;
      else if (s.config.get('cluster-enabled')) {
        c.reply.err('BY option of SORT denied in Cluster mode.');
        return;
      }
    } else if (opt === 'get' && left >= 1) {
      if (s.config.get('cluster-enabled')) {
        c.reply.err('GET option of SORT denied in Cluster mode.');
        return;
      }
      gets.push(argv[++j]);
    } else {
      c.reply.err('syntax error');
      return;
    }
  }

  const v = readKey(c, argv[1]);
  if (
    v !== undefined &&
    !(v instanceof ListValue || v instanceof SetValue || v instanceof ZSetValue)
  ) {
    c.reply.error(WRONGTYPE);
    return;
  }
  if (v instanceof ZSetValue && v.listpack) v.toSkiplist();
  // A set keeps no order of its own: stored or not sorted, it is sorted as strings.
  if (dontsort && v instanceof SetValue && storekey !== null) {
    dontsort = false;
    alpha = true;
    sortby = null;
  }
  let len = v === undefined ? 0 : v instanceof ListValue ? v.length : v.size;
  let start = Math.min(Math.max(limitStart, 0), len);
  const count = Math.min(Math.max(limitCount, -1), len);
  let end = count < 0 ? len - 1 : start + count - 1;
  if (start >= len) {
    start = len - 1;
    end = len - 2;
  }
  if (end >= len) end = len - 1;

  // Lists and sorted sets left in their order give only the LIMIT range, in the asked direction.
  const items: Item[] = [];
  const item = (value: string): Item => ({ value, score: 0, by: null });
  if (dontsort && (v instanceof ListValue || v instanceof ZSetValue)) {
    const n = end >= start ? end - start + 1 : 0;
    if (v instanceof ListValue) {
      for (let k = 0; k < n; k++) items.push(item(v.at(desc ? len - start - 1 - k : start + k)));
    } else if (n > 0) {
      const cur = v.at(desc ? len - start - 1 : start);
      for (let k = 0; k < n; k++) {
        items.push(item(cur.member));
        if (desc) cur.prev();
        else cur.next();
      }
    }
    end -= start;
    start = 0;
    len = n;
  } else if (v instanceof ListValue) {
    for (const e of v.values()) items.push(item(e));
  } else if (v instanceof SetValue) {
    for (const m of v.members()) items.push(item(m));
  } else if (v instanceof ZSetValue) {
    for (const [m] of v.entries()) items.push(item(m));
  }

  let badScore = false;
  if (!dontsort) {
    for (const it of items) {
      const by = sortby === null ? it.value : byPattern(c, sortby, it.value);
      if (by === null) continue;
      if (alpha) {
        if (sortby !== null) it.by = by;
      } else {
        const score = strtodWhole(by, true);
        if (score === null) badScore = true;
        else it.score = score;
      }
    }
    const sign = desc ? -1 : 1;
    const binary = storekey !== null;
    let cmp: (a: Item, b: Item) => number;
    if (!alpha) {
      cmp = (a, b) =>
        a.score > b.score ? 1 : a.score < b.score ? -1 : compareBinary(a.value, b.value);
    } else if (sortby !== null) {
      cmp = (a, b) => {
        if (a.by === null || b.by === null) return a.by === b.by ? 0 : a.by === null ? -1 : 1;
        return binary ? compareBinary(a.by, b.by) : collate(a.by, b.by);
      };
    } else {
      cmp = (a, b) => (binary ? compareBinary(a.value, b.value) : collate(a.value, b.value));
    }
    items.sort((a, b) => sign * cmp(a, b));
  }

  const picked = items.slice(start, end + 1);
  if (badScore) {
    c.reply.err("One or more scores can't be converted into double");
    return;
  }
  if (storekey === null) {
    c.reply.array(gets.length > 0 ? gets.length * picked.length : picked.length);
    for (const it of picked) {
      if (gets.length === 0) c.reply.bulk(it.value);
      for (const g of gets) {
        const got = byPattern(c, g, it.value);
        if (got === null) c.reply.nil();
        else c.reply.bulk(got);
      }
    }
    return;
  }
  const stored = new ListValue();
  for (const it of picked) {
    if (gets.length === 0) stored.pushBack(it.value);
    for (const g of gets) stored.pushBack(byPattern(c, g, it.value) ?? '');
  }
  if (stored.length > 0) {
    c.db.set(storekey, stored);
    s.dirty += stored.length;
  } else if (c.db.delete(storekey)) {
    s.dirty++;
  }
  c.reply.integer(stored.length);
}

export const sortCommands: Record<string, Handler> = {
  sort: (c, argv) => sortGeneric(c, argv, false),
  sort_ro: (c, argv) => sortGeneric(c, argv, true),
};
