/**
 * A small sorted set (listpack encoding) packed into one latin1 string, as Redis packs it into
 * one listpack: entries in order (score, then member bytes), each the score's eight IEEE-754
 * bytes, the member's length (packed-len.ts) and the member. A five-member set took ~1.1 KB as
 * arrays plus a one-leaf tree; packed it is one string of a few bytes per member. Lookups scan
 * the entries as Redis scans a listpack (at most zset-max-listpack-entries of them) and a write
 * builds the string anew, as a listpack's memmove does.
 *
 * A member's "slot" here is its rank, valid until the next write: ZSetValue looks a member up
 * and then updates it by that position, with no write in between.
 */
import type { BulkWriter } from './bulk-writer.js';
import type { ZPos } from './zset-btree.js';
import { lenOf, readLen, lenEnd } from './packed-len.js';

const F64 = new Float64Array(1);
const BYTES = new Uint8Array(F64.buffer);

function scoreAtOffset(d: string, at: number): number {
  for (let j = 0; j < 8; j++) BYTES[j] = d.charCodeAt(at + j);
  return F64[0];
}

function scoreChars(s: number): string {
  F64[0] = s;
  return String.fromCharCode(
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
  const len = readLen(d, at + 8);
  const from = lenEnd();
  return d.slice(from, from + len);
}

/** Offset just past the entry at offset `at`. */
function entryEnd(d: string, at: number): number {
  const len = readLen(d, at + 8);
  return lenEnd() + len;
}

/** Where find() left its entry. */
let foundAt = 0;

export class PackedZSet {
  constructor(
    private data = '',
    public size = 0,
  ) {}

  /** Rank of member m, or -1; its entry's offset is left in the module's cursor. */
  find(m: string): number {
    const d = this.data;
    const n = m.length;
    let rank = 0;
    for (let at = 0; at < d.length; rank++) {
      const len = readLen(d, at + 8);
      const from = lenEnd();
      if (len === n && d.startsWith(m, from)) {
        foundAt = at;
        return rank;
      }
      at = from + len;
    }
    return -1;
  }

  /** Offset of the entry at `rank` (< size). */
  private offsetOf(rank: number): number {
    const d = this.data;
    let at = 0;
    for (let k = 0; k < rank; k++) at = entryEnd(d, at);
    return at;
  }

  scoreAt(rank: number): number {
    return scoreAtOffset(this.data, this.offsetOf(rank));
  }

  /** Inserts (s, m); m must be absent. */
  insert(s: number, m: string): void {
    const d = this.data;
    let at = 0;
    while (at < d.length) {
      const es = scoreAtOffset(d, at);
      if (es > s || (es === s && memberAt(d, at) > m)) break;
      at = entryEnd(d, at);
    }
    // join() builds a flat string; + would leave a rope for the next read to flatten.
    this.data = [d.slice(0, at), scoreChars(s), lenOf(m.length), m, d.slice(at)].join('');
    this.size++;
  }

  /** Removes the entry at `rank` (< size). */
  removeAt(rank: number): void {
    const d = this.data;
    const at = this.offsetOf(rank);
    this.data = [d.slice(0, at), d.slice(entryEnd(d, at))].join('');
    this.size--;
  }

  /** Removes member m; false if absent. */
  remove(m: string): boolean {
    if (this.find(m) < 0) return false;
    const d = this.data;
    this.data = [d.slice(0, foundAt), d.slice(entryEnd(d, foundAt))].join('');
    this.size--;
    return true;
  }

  /** Removes ranks start..end inclusive. */
  removeRange(start: number, end: number): void {
    const d = this.data;
    const from = this.offsetOf(start);
    let to = from;
    for (let k = start; k <= end; k++) to = entryEnd(d, to);
    this.data = [d.slice(0, from), d.slice(to)].join('');
    this.size -= end - start + 1;
  }

  /**
   * How many entries satisfy `before`, which holds for a prefix of the order: the rank of the
   * first entry it rejects. Reads members only when `members` is set.
   */
  countBefore(before: (s: number, m: string) => boolean, members = true): number {
    const d = this.data;
    let rank = 0;
    for (let at = 0; at < d.length; rank++) {
      if (!before(scoreAtOffset(d, at), members ? memberAt(d, at) : '')) break;
      at = entryEnd(d, at);
    }
    return rank;
  }

  /** A cursor at `rank`, or null when out of range. */
  at(rank: number): PackedPos | null {
    if (rank < 0 || rank >= this.size) return null;
    return new PackedPos(this.data, rank, this.offsetOf(rank));
  }

  /** Rewrites every score through `f`, which must keep the order (e.g. -0 to 0). */
  mapScores(f: (s: number) => number): void {
    const d = this.data;
    const parts: string[] = [];
    for (let at = 0; at < d.length;) {
      const end = entryEnd(d, at);
      parts.push(scoreChars(f(scoreAtOffset(d, at))), d.slice(at + 8, end));
      at = end;
    }
    this.data = parts.join('');
  }

  /** A copy: the packed string is immutable, so it is shared. */
  clone(): PackedZSet {
    return new PackedZSet(this.data, this.size);
  }
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

  writeMember(w: BulkWriter): void {
    w.bulk(this.member);
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
