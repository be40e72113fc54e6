/**
 * SCAN cursors over the keyspace's dictionary (key-dict.ts): PARTS insertion-ordered JS Maps,
 * walked part after part.
 *
 * Redis walks its hash table's buckets in reverse-binary order, which gives SCAN its guarantee:
 * an element present from the first call to the last is returned at least once, even while the
 * table grows, shrinks and changes. JS Maps have no buckets we can address, but they have two
 * properties that give the same guarantee more cheaply:
 *
 * 1. Iteration order is insertion order; new keys go to the end, overwrites keep their place.
 * 2. A live iterator survives any mutation: it skips what was deleted and never repeats or loses
 *    an entry that stays.
 *
 * So an iteration is a live iterator over one part, cached here under the cursor number handed
 * to the client. Each call resumes it and visits COUNT more entries: O(COUNT) work per call and
 * no memory per key. A part is left (for the next one) when its iterator is exhausted or has
 * visited as many entries as the part held when the walk entered it: everything present then
 * comes before anything added later, so that bound covers every key present throughout and
 * makes sure a SCAN finishes even under a constant stream of inserts. Keys never move between
 * parts, so a key present throughout is in a part the walk visits while it is there.
 *
 * A cursor can also arrive without its cached iterator (evicted, repeated after a lost reply,
 * from another connection after FLUSHDB/SWAPDB). It therefore also encodes, in 53 bits so that
 * clients parsing it as a double keep it exact:
 *
 *     cursor = pos * 2^28 + (removals mod 2^18) * 2^10 + nonce
 *
 * `pos` is a lower bound of the number of live entries before the iterator in the whole walk
 * order, and `removals` the source's count of removed keys when `pos` was computed. Resuming
 * without the iterator, every removal since then is assumed to have happened before the
 * position (pos - delta), and keys added since to earlier parts push the true position further
 * on: both only move the restart point back, so keys may be returned twice, never skipped. That
 * rebuild costs O(parts + one part's size) once. `nonce` (1..1023) tells apart iterations at
 * the same position and keeps a live cursor nonzero. Positions below 2^24 fit exactly; a larger
 * position is stored as 2^24 - 1, which only moves a rebuilt restart back. The one blind spot:
 * a rebuilt cursor after 2^18 or more removals since its call reads the delta modulo 2^18.
 */
import { PARTS, type KeyDict } from './key-dict.js';

const POS_SHIFT = 2 ** 28;
const POS_MAX = 2 ** 24 - 1;
const REMOVALS_MOD = 2 ** 18;
const NONCE_MOD = 2 ** 10;

/** The collection a scan walks, as seen at the moment of one SCAN call. */
export interface ScanSource {
  /** The dictionary; a different one (FLUSHDB, SWAPDB) invalidates cached iterators. */
  readonly dict: KeyDict<unknown>;
  /** Monotonic count of entries ever removed from this source. */
  readonly removals: number;
}

interface Iteration {
  dict: KeyDict<unknown>;
  /** The part being walked, and the live iterator over it. */
  part: number;
  it: Iterator<string>;
  /** Lower bound of the live entries before `it` in the whole walk, as of `removals`. */
  pos: number;
  removals: number;
  /** Entries of the part still to visit before its end as of when the walk entered it. */
  remaining: number;
  nonce: number;
  lastUsed: number;
}

export interface ScanStep {
  /** The cursor to return to the client; 0n when the iteration is complete. */
  cursor: bigint;
  /** Entries visited by this call, before any filtering (MATCH, TYPE, expiry). */
  keys: string[];
}

/**
 * Parses a SCAN cursor the way Redis does (strtoul): decimal digits with an optional sign, a
 * negative value wrapping modulo 2^64, the empty string meaning 0. Null for anything else or
 * out of range.
 */
export function parseCursor(s: string): bigint | null {
  const m = /^([+-]?)(\d*)$/.exec(s);
  if (!m || (m[2] === '' && m[1] !== '')) return null;
  const v = m[2] === '' ? 0n : BigInt(m[2]);
  if (v > 0xffffffffffffffffn) return null;
  return m[1] === '-' && v !== 0n ? (1n << 64n) - v : v;
}

export class ScanCursors {
  private readonly live = new Map<bigint, Iteration>();
  private nonce = 0;

  /**
   * @param maxLive iterations kept at most; the least recently used is dropped first
   * @param maxIdleMs an iteration untouched this long is dropped (its iterator can pin an old
   *   copy of the Map's table after a rehash)
   */
  constructor(
    private readonly maxLive = 1024,
    private readonly maxIdleMs = 10 * 60 * 1000,
  ) {}

  /** Visits up to `count` entries of `src` from `cursor`. */
  step(src: ScanSource, cursor: bigint, count: number, now = Date.now()): ScanStep {
    this.dropIdle(now);
    let iter: Iteration | undefined;
    if (cursor === 0n) iter = this.fresh(src);
    else {
      iter = this.live.get(cursor);
      this.live.delete(cursor);
      if (iter === undefined || iter.dict !== src.dict) iter = this.rebuild(src, cursor);
    }
    const delta = src.removals - iter.removals;
    iter.pos = Math.max(0, iter.pos - delta);
    iter.removals = src.removals;
    iter.lastUsed = now;
    const keys: string[] = [];
    let finished = false;
    while (keys.length < count) {
      if (iter.remaining > 0) {
        const e = iter.it.next();
        if (!e.done) {
          keys.push(e.value);
          iter.remaining--;
          continue;
        }
        iter.remaining = 0;
      }
      if (iter.part + 1 >= PARTS) {
        finished = true;
        break;
      }
      enterPart(iter, iter.part + 1);
    }
    if (finished || (iter.remaining === 0 && restEmpty(iter))) return { cursor: 0n, keys };
    iter.pos += keys.length;
    const next = encode(iter.pos, iter.removals, iter.nonce);
    this.live.set(next, iter);
    if (this.live.size > this.maxLive) {
      const oldest = this.live.keys().next();
      if (!oldest.done) this.live.delete(oldest.value);
    }
    return { cursor: next, keys };
  }

  /** Forgets every cached iteration (their cursors keep working through rebuild()). */
  clear(): void {
    this.live.clear();
  }

  private fresh(src: ScanSource): Iteration {
    this.nonce = (this.nonce % (NONCE_MOD - 1)) + 1;
    const iter = newIteration(src, this.nonce);
    enterPart(iter, 0);
    return iter;
  }

  /** Recreates an iteration from the numbers in its cursor, conservatively (see above). */
  private rebuild(src: ScanSource, cursor: bigint): Iteration {
    const nonce = Number(cursor % BigInt(NONCE_MOD)) || 1;
    const snap = Number((cursor / BigInt(NONCE_MOD)) % BigInt(REMOVALS_MOD));
    const encodedPos = Number(cursor / BigInt(POS_SHIFT));
    const removedSince = ((src.removals % REMOVALS_MOD) - snap + REMOVALS_MOD) % REMOVALS_MOD;
    const pos = Math.max(0, Math.min(encodedPos, src.dict.size) - removedSince);
    const iter = newIteration(src, nonce);
    iter.pos = pos;
    // Find the part holding position `pos` of the walk, then step to it within that part.
    let skip = pos;
    let part = 0;
    while (part < PARTS - 1 && skip >= src.dict.part(part).size) skip -= src.dict.part(part++).size;
    enterPart(iter, part);
    for (; skip > 0 && iter.remaining > 0; skip--) {
      if (iter.it.next().done) iter.remaining = 0;
      else iter.remaining--;
    }
    return iter;
  }

  private dropIdle(now: number): void {
    for (const [cursor, iter] of this.live) {
      if (now - iter.lastUsed < this.maxIdleMs) break;
      this.live.delete(cursor);
    }
  }
}

function newIteration(src: ScanSource, nonce: number): Iteration {
  return {
    dict: src.dict,
    part: 0,
    it: EMPTY_ITERATOR,
    pos: 0,
    removals: src.removals,
    remaining: 0,
    nonce,
    lastUsed: 0,
  };
}

/** Whether every part after the current one is empty: the walk is over. */
function restEmpty(iter: Iteration): boolean {
  for (let i = iter.part + 1; i < PARTS; i++) if (iter.dict.part(i).size > 0) return false;
  return true;
}

/** Starts walking part `index`, bounded by its size now. */
function enterPart(iter: Iteration, index: number): void {
  const m = iter.dict.part(index);
  iter.part = index;
  iter.it = m.keys();
  iter.remaining = m.size;
}

const EMPTY_ITERATOR: Iterator<string> = [][Symbol.iterator]();

function encode(pos: number, removals: number, nonce: number): bigint {
  const p = Math.min(pos, POS_MAX);
  return BigInt(p * POS_SHIFT + (removals % REMOVALS_MOD) * NONCE_MOD + nonce);
}
