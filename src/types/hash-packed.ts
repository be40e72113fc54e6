/**
 * A small hash (listpack encoding) packed as Redis packs it into one listpack: its items
 * (packed-items.ts) alternate field and value, in insertion order. A JS Map of five short
 * fields and values took ~560 bytes per key (the Map's table and ten string objects); one flat
 * string takes a few bytes per entry, and apps keep millions of such hashes. Lookups scan the
 * fields as Redis scans a listpack (at most hash-max-listpack-entries of them). Order is the
 * listpack's: a field keeps its place when its value changes, and a delete closes the gap.
 */
import { elementAt, entry, itemEnd, itemIs, nextOffset, offsetOf, splice } from './packed-items.js';

/** Where find() left its entry: the field's item, the value's item, the entry's end. */
let foundAt = 0;
let valueAt = 0;
let foundEnd = 0;

/** Whether field f is in `d`; if so, its entry's bounds are left for the *Found functions. */
export function find(d: string, f: string): boolean {
  for (let at = 0; at < d.length;) {
    const is = itemIs(d, at, f);
    const vAt = nextOffset();
    const next = itemEnd(d, vAt);
    if (is) {
      foundAt = at;
      valueAt = vAt;
      foundEnd = next;
      return true;
    }
    at = next;
  }
  return false;
}

/** The value of the entry find() found in `d`. */
export function valueFound(d: string): string {
  return elementAt(d, valueAt);
}

/** `d` with the value of the entry find() found set to v, in its place. */
export function setFound(d: string, v: string): string {
  // Rewriting the same value (an idempotent write) leaves the string as it is.
  if (itemIs(d, valueAt, v)) return d;
  return splice(d, valueAt, foundEnd, entry(v));
}

/** `d` without the entry find() found. */
export function removeFound(d: string): string {
  return splice(d, foundAt, foundEnd);
}

/** `d` with the new field f (not in it) appended. */
export function append(d: string, f: string, v: string): string {
  return splice(d, d.length, d.length, entry(f) + entry(v));
}

export function* entries(d: string): IterableIterator<[string, string]> {
  for (let at = 0; at < d.length;) {
    const f = elementAt(d, at);
    const v = elementAt(d, nextOffset());
    at = nextOffset();
    yield [f, v];
  }
}

/** The k-th entry (0 <= k < the entry count). */
export function nth(d: string, k: number): [string, string] {
  const f = elementAt(d, offsetOf(d, 2 * k));
  return [f, elementAt(d, nextOffset())];
}
