/**
 * A small hash (listpack encoding) packed into one latin1 string, as Redis packs it into one
 * listpack: each entry is the field's length, the field, the value's length and the value, in
 * insertion order. A JS Map of five short fields and values took ~560 bytes per key (the Map's
 * table and ten string objects); one flat string takes a few bytes per entry, and apps keep
 * millions of such hashes. Lookups scan the entries as Redis scans a listpack (at most
 * hash-max-listpack-entries of them); a write builds the string anew, which is what a
 * listpack's memmove costs too. Pure functions over the string: the hash value keeps it (and
 * its entry count) itself, an object more would cost 40 bytes. Order is the listpack's: a field keeps its place when its
 * value changes, and a delete closes the gap.
 *
 * Lengths are packed-len.ts's.
 */
import { lenEnd, lenOf, readLen } from './packed-len.js';

/** Where find() left its entry: start, value start and length, end. */
let foundAt = 0;
let valueAt = 0;
let valueLen = 0;
let entryEnd = 0;

/** Whether field f is in `d`; if so, its entry's bounds are left for the *Found functions. */
export function find(d: string, f: string): boolean {
  const n = f.length;
  for (let pos = 0; pos < d.length;) {
    const flen = readLen(d, pos);
    const fAt = lenEnd();
    const vlen = readLen(d, fAt + flen);
    if (flen === n && d.startsWith(f, fAt)) {
      foundAt = pos;
      valueAt = lenEnd();
      valueLen = vlen;
      entryEnd = lenEnd() + vlen;
      return true;
    }
    pos = lenEnd() + vlen;
  }
  return false;
}

/** The value of the entry find() found in `d`. */
export function valueFound(d: string): string {
  return d.slice(valueAt, valueAt + valueLen);
}

/** `d` with the value of the entry find() found (field f) set to v, in its place. */
export function setFound(d: string, f: string, v: string): string {
  // Rewriting the same value (an idempotent write) leaves the string as it is.
  if (valueLen === v.length && d.startsWith(v, valueAt)) return d;
  // join() builds a flat string; + would leave a rope for the next read to flatten.
  return [d.slice(0, foundAt), lenOf(f.length), f, lenOf(v.length), v, d.slice(entryEnd)].join('');
}

/** `d` without the entry find() found. */
export function removeFound(d: string): string {
  return [d.slice(0, foundAt), d.slice(entryEnd)].join('');
}

/** `d` with the new field f (not in it) appended. */
export function append(d: string, f: string, v: string): string {
  return [d, lenOf(f.length), f, lenOf(v.length), v].join('');
}

export function* entries(d: string): IterableIterator<[string, string]> {
  for (let pos = 0; pos < d.length;) {
    const flen = readLen(d, pos);
    const f = d.slice(lenEnd(), lenEnd() + flen);
    const vlen = readLen(d, lenEnd() + flen);
    const vAt = lenEnd();
    yield [f, d.slice(vAt, vAt + vlen)];
    pos = vAt + vlen;
  }
}

/** The k-th entry (0 <= k < the entry count). */
export function nth(d: string, k: number): [string, string] {
  let pos = 0;
  for (;;) {
    const flen = readLen(d, pos);
    const fAt = lenEnd();
    const vlen = readLen(d, fAt + flen);
    if (k-- === 0) return [d.slice(fAt, fAt + flen), d.slice(lenEnd(), lenEnd() + vlen)];
    pos = lenEnd() + vlen;
  }
}
