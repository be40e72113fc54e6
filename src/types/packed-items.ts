/**
 * The packed form of small collections, as Redis keeps one in a single listpack or intset: one
 * latin1 string of items, each its length and its bytes. A length is one char below 255, else
 * char 255 and four chars, big-endian: most members are short, so most lengths cost one byte,
 * as a listpack's do. A five-element list took ~650 bytes as a block object and arrays, a
 * five-member set ~950 as a Map and an array; the string takes a few bytes per item.
 *
 * Lists and sets are plain runs of items (list.ts, set.ts); a hash's items alternate field and
 * value (hash-packed.ts); a sorted set's entries are a score followed by its member's item
 * (zset-packed.ts). Lookups scan the items (a value stays packed only while small) and a write
 * builds the string anew, as a listpack's memmove would. Pure functions over the string: each
 * value keeps it (and its item count) itself, as an object more would cost 40 bytes.
 */

const LONG = 255;

/** Offset just past the item last read: the readers return one value, allocating nothing. */
let end = 0;

/** The length of the item at `at`; leaves `end` past the item, returns where its bytes start. */
function bytesAt(d: string, at: number): number {
  const c = d.charCodeAt(at);
  if (c !== LONG) {
    end = at + 1 + c;
    return at + 1;
  }
  const len =
    ((d.charCodeAt(at + 1) << 24) |
      (d.charCodeAt(at + 2) << 16) |
      (d.charCodeAt(at + 3) << 8) |
      d.charCodeAt(at + 4)) >>>
    0;
  end = at + 5 + len;
  return at + 5;
}

/** The item at `at`; nextOffset() then gives the following item's offset. */
export function elementAt(d: string, at: number): string {
  return d.slice(bytesAt(d, at), end);
}

/** Whether the item at `at` is m (compared in place); nextOffset() then gives the next one. */
export function itemIs(d: string, at: number, m: string): boolean {
  const from = bytesAt(d, at);
  return end - from === m.length && d.startsWith(m, from);
}

/** Offset just past the item at `at`. */
export function itemEnd(d: string, at: number): number {
  bytesAt(d, at);
  return end;
}

export function nextOffset(): number {
  return end;
}

/** Offset of item i (i may be the count: the string's end). */
export function offsetOf(d: string, i: number): number {
  let at = 0;
  for (let k = 0; k < i; k++) at = itemEnd(d, at);
  return at;
}

/** One item: its length and its bytes. */
export function entry(v: string): string {
  if (v.length < LONG) return String.fromCharCode(v.length) + v;
  const n = v.length;
  return (
    String.fromCharCode(LONG, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff) + v
  );
}

/** Items start..stop exclusive of the string. */
export function elements(d: string, start: number, stop: number): string[] {
  const out = new Array<string>(stop - start);
  let at = offsetOf(d, start);
  for (let k = 0; k < out.length; k++) {
    out[k] = elementAt(d, at);
    at = end;
  }
  return out;
}

/** `d` with its part from..to replaced by `piece` (removed when there is none). */
export function splice(d: string, from: number, to: number, piece = ''): string {
  // join() builds a flat string; + would leave a rope for the next read to flatten.
  return [d.slice(0, from), piece, d.slice(to)].join('');
}

/** Where has() left the item it found: start and end of its entry. */
let foundAt = 0;
let foundEnd = 0;

/** Whether m is in `d`; if so, removeFound() can take it out. */
export function has(d: string, m: string): boolean {
  for (let at = 0; at < d.length; at = end) {
    if (itemIs(d, at, m)) {
      foundAt = at;
      foundEnd = end;
      return true;
    }
  }
  return false;
}

/** `d` without the item has() found. */
export function removeFound(d: string): string {
  return splice(d, foundAt, foundEnd);
}

/**
 * `d` with m (not in it) added before the first item `before(m, item)` puts after it (an
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
  return splice(d, at, at, entry(m));
}
