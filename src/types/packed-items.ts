/**
 * A small list or set packed into one latin1 string of length-prefixed items (packed-len.ts),
 * as Redis keeps a small list in one listpack node and a small integer set in one intset: a
 * five-element list took ~650 bytes as a block object and arrays, a five-member set ~950 as a
 * Map and an array; the string takes a few bytes per item. Lookups scan the items (a value
 * stays packed only while small: list.ts, set.ts) and a write builds the string anew. Pure
 * functions over the string: the value keeps it (and its item count) itself, as an object more
 * would cost 40 bytes.
 */
import { lenEnd, lenOf, readLen } from './packed-len.js';

/** Offset just past the item last read by elementAt(). */
let end = 0;

/** The element whose entry starts at `at`; nextOffset() then gives the following entry's. */
export function elementAt(d: string, at: number): string {
  const len = readLen(d, at);
  const from = lenEnd();
  end = from + len;
  return d.slice(from, end);
}

export function nextOffset(): number {
  return end;
}

/** Offset of entry i (i may be the count: the string's end). */
export function offsetOf(d: string, i: number): number {
  let at = 0;
  for (let k = 0; k < i; k++) at = readLen(d, at) + lenEnd();
  return at;
}

/** One element's entry. */
export function entry(v: string): string {
  return lenOf(v.length) + v;
}

/** Elements start..end exclusive of the string. */
export function elements(d: string, start: number, stop: number): string[] {
  const out = new Array<string>(stop - start);
  let at = offsetOf(d, start);
  for (let k = 0; k < out.length; k++) {
    out[k] = elementAt(d, at);
    at = end;
  }
  return out;
}

/** Where has() left the item it found: start and end of its entry. */
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
export function add(
  d: string,
  m: string,
  before: ((a: string, b: string) => boolean) | null,
): string {
  let at = d.length;
  if (before !== null) {
    for (at = 0; at < d.length; at = end) if (before(m, elementAt(d, at))) break;
  }
  return [d.slice(0, at), lenOf(m.length), m, d.slice(at)].join('');
}
