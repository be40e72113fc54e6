/**
 * SCAN cursors over an insertion-ordered JS Map.
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
 * So an iteration is a live Map iterator, cached here under the cursor number handed to the
 * client. Each call resumes it and visits COUNT more entries: O(COUNT) work per call and no
 * memory per key. The iteration ends (cursor 0) when the iterator is exhausted or has visited as
 * many entries as the Map held when the iteration began: everything present at the start comes
 * before anything added later, so that bound covers every key present throughout and makes sure
 * a SCAN finishes even under a constant stream of inserts.
 *
 * A cursor can also arrive without its cached iterator (evicted, repeated after a lost reply,
 * from another connection after FLUSHDB/SWAPDB). It therefore also encodes, in 53 bits so that
 * clients parsing it as a double keep it exact:
 *
 *     cursor = pos * 2^28 + (removals mod 2^18) * 2^10 + nonce
 *
 * `pos` is a lower bound of the number of live entries before the iterator, and `removals` the
 * source's count of removed keys when `pos` was computed. Resuming without the iterator, every
 * removal since then is assumed to have happened before the position (pos - delta), which can
 * only move the restart point back: keys may be returned twice, never skipped. That rebuild
 * costs O(pos) once. `nonce` (1..1023) tells apart iterations at the same position and keeps a
 * live cursor nonzero. Positions fit because a V8 Map holds at most 2^24 entries. The one blind
 * spot: a rebuilt cursor after 2^18 or more removals since its call reads the delta modulo 2^18.
 */

const POS_SHIFT = 2 ** 28;
const REMOVALS_MOD = 2 ** 18;
const NONCE_MOD = 2 ** 10;

/** The collection a scan walks, as seen at the moment of one SCAN call. */
export interface ScanSource {
  /** The Map object; a different one (FLUSHDB, SWAPDB) invalidates cached iterators. */
  readonly map: Map<string, unknown>;
  /** Monotonic count of entries ever removed from this source. */
  readonly removals: number;
}

interface Iteration {
  map: Map<string, unknown>;
  it: Iterator<string>;
  /** Lower bound of the live entries before `it`, as of `removals`. */
  pos: number;
  removals: number;
  /** Entries still to visit before the end as of the iteration's start. */
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
      if (iter === undefined || iter.map !== src.map) iter = this.rebuild(src, cursor);
    }
    const delta = src.removals - iter.removals;
    iter.pos = Math.max(0, iter.pos - delta);
    iter.removals = src.removals;
    iter.lastUsed = now;
    const keys: string[] = [];
    while (keys.length < count && iter.remaining > 0) {
      const e = iter.it.next();
      if (e.done) {
        iter.remaining = 0;
        break;
      }
      keys.push(e.value);
      iter.remaining--;
    }
    if (iter.remaining === 0) return { cursor: 0n, keys };
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
    return {
      map: src.map,
      it: src.map.keys(),
      pos: 0,
      removals: src.removals,
      remaining: src.map.size,
      nonce: this.nonce,
      lastUsed: 0,
    };
  }

  /** Recreates an iteration from the numbers in its cursor, conservatively (see above). */
  private rebuild(src: ScanSource, cursor: bigint): Iteration {
    const nonce = Number(cursor % BigInt(NONCE_MOD)) || 1;
    const snap = Number((cursor / BigInt(NONCE_MOD)) % BigInt(REMOVALS_MOD));
    const encodedPos = cursor / BigInt(POS_SHIFT);
    const size = src.map.size;
    const removedSince = ((src.removals % REMOVALS_MOD) - snap + REMOVALS_MOD) % REMOVALS_MOD;
    const pos = encodedPos > BigInt(size) ? size : Math.max(0, Number(encodedPos) - removedSince);
    const it = src.map.keys();
    for (let i = 0; i < pos; i++) if (it.next().done) break;
    return {
      map: src.map,
      it,
      pos,
      removals: src.removals,
      remaining: size - pos,
      nonce,
      lastUsed: 0,
    };
  }

  private dropIdle(now: number): void {
    for (const [cursor, iter] of this.live) {
      if (now - iter.lastUsed < this.maxIdleMs) break;
      this.live.delete(cursor);
    }
  }
}

function encode(pos: number, removals: number, nonce: number): bigint {
  return BigInt(pos * POS_SHIFT + (removals % REMOVALS_MOD) * NONCE_MOD + nonce);
}
