/**
 * A small list packed into one latin1 string of length-prefixed elements (packed-len.ts), as
 * Redis keeps a small list in one listpack node: a five-element list took ~650 bytes as a
 * block object and arrays, the string takes a few bytes per element. Pure functions over the
 * string: list.ts keeps it in the list value itself, and a write builds it anew.
 */
import { lenEnd, lenOf, readLen } from './packed-len.js';

/** Offset just past the element last read by elementAt(). */
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
