/**
 * A small set packed into one latin1 string of length-prefixed members (packed-len.ts), as
 * Redis packs an intset into one allocation: a Map and an array per five-member set took ~950
 * bytes, the string takes a few bytes per member. Lookups scan the members (a set stays packed
 * only while small: set.ts), and a write builds the string anew. Pure functions over the
 * string: the set value keeps it (and its member count) itself, an object more would cost 40
 * bytes.
 */
import { lenEnd, lenOf, readLen } from './packed-len.js';

/** Where find() left its member: start and end of the entry. */
let entryAt = 0;
let entryEnd = 0;

/** Whether m is in `d`; if so, removeFound() can take it out. */
export function has(d: string, m: string): boolean {
  const n = m.length;
  for (let at = 0; at < d.length;) {
    const len = readLen(d, at);
    const from = lenEnd();
    if (len === n && d.startsWith(m, from)) {
      entryAt = at;
      entryEnd = from + len;
      return true;
    }
    at = from + len;
  }
  return false;
}

/** `d` without the member has() found. */
export function removeFound(d: string): string {
  // join() builds a flat string; + would leave a rope for the next read to flatten.
  return [d.slice(0, entryAt), d.slice(entryEnd)].join('');
}

/**
 * `d` with m (not in it) added before the first member `before(m, member)` puts after it (an
 * intset's numeric order), or last when `before` is null.
 */
export function add(d: string, m: string, before: ((a: string, b: string) => boolean) | null) {
  let at = d.length;
  if (before !== null) {
    for (at = 0; at < d.length;) {
      const len = readLen(d, at);
      const from = lenEnd();
      if (before(m, d.slice(from, from + len))) break;
      at = from + len;
    }
  }
  return [d.slice(0, at), lenOf(m.length), m, d.slice(at)].join('');
}

/** The k-th member (0 <= k < the member count). */
export function nth(d: string, k: number): string {
  let at = 0;
  for (;;) {
    const len = readLen(d, at);
    const from = lenEnd();
    if (k-- === 0) return d.slice(from, from + len);
    at = from + len;
  }
}

/** The `count` members of `d`, in order. */
export function members(d: string, count: number): string[] {
  const out = new Array<string>(count);
  for (let at = 0, k = 0; at < d.length; k++) {
    const len = readLen(d, at);
    const from = lenEnd();
    out[k] = d.slice(from, from + len);
    at = from + len;
  }
  return out;
}
