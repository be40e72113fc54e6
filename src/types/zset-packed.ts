/**
 * A small sorted set (listpack encoding) packed as Redis packs it into one listpack: entries in
 * order (score, then member bytes), each the score (one char for a small integer, as a listpack
 * packs integers, else nine) followed by the member's item (packed-items.ts). A five-member set
 * took ~1.1 KB as arrays plus a one-leaf tree; packed it is a few bytes per member. Lookups scan
 * the entries as Redis scans a listpack (at most zset-max-listpack-entries of them).
 */
import type { ZPos } from './zset-btree.js';
import { elementAt, entry, itemEnd, itemIs, nextOffset, splice } from './packed-items.js';

const F64 = new Float64Array(1);
const BYTES = new Uint8Array(F64.buffer);

/**
 * A score is one char when it is an integer up to SMALL_INT (most listpack scores are ranks,
 * counts or timestamps' small cousins), else a tag and its eight IEEE-754 bytes.
 */
const SMALL_INT = 254;
const DOUBLE = 255;

function scoreAtOffset(d: string, at: number): number {
  const c = d.charCodeAt(at);
  if (c !== DOUBLE) return c;
  for (let j = 0; j < 8; j++) BYTES[j] = d.charCodeAt(at + 1 + j);
  return F64[0];
}

/** Offset just past the score at `at`. */
function afterScore(d: string, at: number): number {
  return d.charCodeAt(at) === DOUBLE ? at + 9 : at + 1;
}

function scoreChars(s: number): string {
  // -0 is an integer by this test but needs its sign: it takes the long form.
  if (Number.isInteger(s) && s >= 0 && s <= SMALL_INT && !Object.is(s, -0)) {
    return String.fromCharCode(s);
  }
  F64[0] = s;
  return String.fromCharCode(
    DOUBLE,
    BYTES[0],
    BYTES[1],
    BYTES[2],
    BYTES[3],
    BYTES[4],
    BYTES[5],
    BYTES[6],
    BYTES[7],
  );
}

/** The member of the entry at offset `at`. */
function memberAt(d: string, at: number): string {
  return elementAt(d, afterScore(d, at));
}

/** Offset just past the entry at offset `at`. */
function entryEnd(d: string, at: number): number {
  return itemEnd(d, afterScore(d, at));
}

/** Where find() left its entry. */
let foundAt = 0;

/** Rank of member m, or -1; removeFound() then removes it. */
export function find(d: string, m: string): number {
  let rank = 0;
  for (let at = 0; at < d.length; rank++) {
    if (itemIs(d, afterScore(d, at), m)) {
      foundAt = at;
      return rank;
    }
    at = nextOffset();
  }
  return -1;
}

/** `d` without the entry find() found last in it. */
export function removeFound(d: string): string {
  return splice(d, foundAt, entryEnd(d, foundAt));
}

/** Offset of the entry at `rank` (<= the entry count). */
function offsetOf(d: string, rank: number): number {
  let at = 0;
  for (let k = 0; k < rank; k++) at = entryEnd(d, at);
  return at;
}

export function scoreOfRank(d: string, rank: number): number {
  return scoreAtOffset(d, offsetOf(d, rank));
}

/** `d` with (s, m) in its place; m must be absent. */
export function insert(d: string, s: number, m: string): string {
  let at = 0;
  while (at < d.length) {
    const es = scoreAtOffset(d, at);
    if (es > s || (es === s && memberAt(d, at) > m)) break;
    at = entryEnd(d, at);
  }
  return splice(d, at, at, scoreChars(s) + entry(m));
}

/** `d` without ranks start..end inclusive. */
export function removeRange(d: string, start: number, end: number): string {
  const from = offsetOf(d, start);
  let to = from;
  for (let k = start; k <= end; k++) to = entryEnd(d, to);
  return splice(d, from, to);
}

/**
 * How many entries satisfy `before`, which holds for a prefix of the order: the rank of the
 * first entry it rejects. Reads members only when `members` is set.
 */
export function countBefore(
  d: string,
  before: (s: number, m: string) => boolean,
  members: boolean,
): number {
  let rank = 0;
  for (let at = 0; at < d.length; rank++) {
    if (!before(scoreAtOffset(d, at), members ? memberAt(d, at) : '')) break;
    at = entryEnd(d, at);
  }
  return rank;
}

/** A cursor at `rank` (< the entry count). */
export function cursorAt(d: string, rank: number): PackedPos {
  return new PackedPos(d, rank, offsetOf(d, rank));
}

/** `d` with every score rewritten through `f`, which must keep the order (e.g. -0 to 0). */
export function mapScores(d: string, f: (s: number) => number): string {
  const parts: string[] = [];
  for (let at = 0; at < d.length;) {
    const end = entryEnd(d, at);
    parts.push(scoreChars(f(scoreAtOffset(d, at))), d.slice(afterScore(d, at), end));
    at = end;
  }
  return parts.join('');
}

/**
 * A position in a packed set, read from the string as it was when the cursor was made (a
 * write replaces the set's string, so a cursor never sees a half-done change).
 */
export class PackedPos implements ZPos {
  /** Entry offsets, built on the first step backwards. */
  private offsets: number[] | null = null;

  constructor(
    private readonly d: string,
    private rank: number,
    private offset: number,
  ) {}

  get member(): string {
    return memberAt(this.d, this.offset);
  }

  get score(): number {
    return scoreAtOffset(this.d, this.offset);
  }

  next(): boolean {
    const end = entryEnd(this.d, this.offset);
    if (end >= this.d.length) return false;
    this.offset = end;
    this.rank++;
    return true;
  }

  prev(): boolean {
    if (this.rank === 0) return false;
    if (this.offsets === null || this.offsets.length < this.rank) {
      const offs: number[] = [];
      for (let at = 0; at < this.offset; at = entryEnd(this.d, at)) offs.push(at);
      this.offsets = offs;
    }
    this.offset = this.offsets[--this.rank];
    return true;
  }
}
