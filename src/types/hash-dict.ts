/**
 * A string-keyed dictionary that never rehashes much at once, for big hashes and sorted sets.
 *
 * A JS Map doubles its table when it fills up, rehashing every entry in one go: at 500K entries
 * that single `set` blocks the event loop for 40-60 ms, a stall for every other client (Redis
 * rehashes incrementally). Here a small dictionary is one Map; past SEG_MAX entries it becomes
 * an extendible hash table: a directory, indexed by the low bits of our own string hash, of
 * segment Maps of at most SEG_MAX entries each. A segment that fills up splits in two on its
 * next hash bit (moving about half of its entries, a few milliseconds at most), so no
 * operation ever touches more than one segment's worth of entries. It also lifts V8's limit of
 * 2^24 entries per Map.
 *
 * Iteration visits the segments in creation order, each with its live Map iterator. A split
 * keeps the old Map as one half and appends the new one, so a live iteration still reaches
 * every entry present throughout (an entry moved by a split it already passed comes again,
 * as Redis's SCAN may repeat).
 */

/**
 * Entries at which a segment splits: a power of two, so it splits when its Map's table is
 * exactly full, before V8 would double it.
 */
const SEG_MAX = 1 << 13;
/** Directory bits at most (65536 segments); a segment at this depth grows as one Map instead. */
const MAX_DEPTH = 16;

interface Seg<V> {
  map: Map<string, V>;
  /** How many low hash bits every key in the segment shares, and their value. */
  depth: number;
  bits: number;
  /** The size at which it splits. */
  limit: number;
}

/**
 * A segment's split size, between SEG_MAX / 2 and SEG_MAX, drawn from its bits. With one
 * fixed size, uniformly hashed segments would all fill up within the same few thousand writes
 * and split back to back (milliseconds each, a stall again); spread out, about one splits at a
 * time. Derived, not random, so a dictionary's layout is reproducible.
 */
function limitOf(depth: number, bits: number): number {
  const half = SEG_MAX >> 1;
  return half + ((Math.imul(bits ^ (depth << 24), 0x9e3779b1) >>> 8) % half);
}

function newSeg<V>(map: Map<string, V>, depth: number, bits: number): Seg<V> {
  return { map, depth, bits, limit: limitOf(depth, bits) };
}

/** Characters hashed at most: longer keys are sampled, so hashing stays cheap in a split. */
const HASH_SAMPLE = 64;

/**
 * FNV-1a over the bytes, with a final mix so the low bits depend on every byte. A key longer
 * than HASH_SAMPLE contributes its length and HASH_SAMPLE bytes spread over its whole length:
 * a split rehashes thousands of keys at once (V8's own rehash reuses hashes cached in the
 * strings, ours cannot), so a set of long members must not cost their full length each.
 * Keys that differ only between the sampled bytes share a segment, which then just grows
 * as one big Map would.
 */
export function hashOf(s: string): number {
  let h = 0x811c9dc5 | 0;
  const n = s.length;
  if (n <= HASH_SAMPLE) {
    for (let i = 0; i < n; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  } else {
    h = Math.imul(h ^ n, 0x01000193);
    const step = n / HASH_SAMPLE;
    for (let k = 0; k < HASH_SAMPLE; k++) {
      h = Math.imul(h ^ s.charCodeAt(Math.floor(k * step)), 0x01000193);
    }
    h = Math.imul(h ^ s.charCodeAt(n - 1), 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}

const NONE: never[] = [];

export class SegDict<V> {
  /** The only Map while small; null once segmented. */
  private small: Map<string, V> | null = new Map();
  // Both empty (shared, never written) until the dictionary outgrows one Map: most stay small.
  private dir: Seg<V>[] = NONE;
  /** Distinct segments in creation order (iteration order). */
  private segs: Seg<V>[] = NONE;
  private depth = 0;
  private count = 0;
  /**
   * The last key hashed and its hash: writes look a key up before setting it (HSET, ZADD), so
   * the second hash of the same string comes free.
   */
  private lastKey = '';
  private lastHash = 0;

  get size(): number {
    return this.small ? this.small.size : this.count;
  }

  private seg(k: string): Seg<V> {
    let h = this.lastHash;
    if (k !== this.lastKey) {
      h = this.lastHash = hashOf(k);
      this.lastKey = k;
    }
    return this.dir[h & ((1 << this.depth) - 1)];
  }

  get(k: string): V | undefined {
    return this.small ? this.small.get(k) : this.seg(k).map.get(k);
  }

  has(k: string): boolean {
    return this.small ? this.small.has(k) : this.seg(k).map.has(k);
  }

  /** Sets `k`; true when it was new. */
  set(k: string, v: V): boolean {
    const small = this.small;
    if (small) {
      const before = small.size;
      small.set(k, v);
      if (small.size === before) return false;
      if (small.size >= SEG_MAX) this.segment();
      return true;
    }
    const seg = this.seg(k);
    const before = seg.map.size;
    seg.map.set(k, v);
    if (seg.map.size === before) return false;
    this.count++;
    if (seg.map.size >= seg.limit && seg.depth < MAX_DEPTH) this.split(seg);
    return true;
  }

  delete(k: string): boolean {
    if (this.small) return this.small.delete(k);
    if (!this.seg(k).map.delete(k)) return false;
    this.count--;
    return true;
  }

  /** Turns the single Map into a one-segment directory and splits it. */
  private segment(): void {
    const seg = newSeg(this.small!, 0, 0);
    this.count = seg.map.size;
    this.small = null;
    this.dir = [seg];
    this.segs = [seg];
    this.depth = 0;
    this.split(seg);
  }

  /** Moves the keys of `seg` whose next hash bit is set into a new segment. */
  private split(seg: Seg<V>): void {
    if (seg.depth === this.depth) {
      this.dir = this.dir.concat(this.dir);
      this.depth++;
    }
    const bit = 1 << seg.depth;
    seg.depth++;
    seg.limit = limitOf(seg.depth, seg.bits);
    const high = newSeg(new Map<string, V>(), seg.depth, seg.bits | bit);
    const old = seg.map;
    old.forEach((v, k) => {
      if (hashOf(k) & bit) {
        high.map.set(k, v);
        old.delete(k);
      }
    });
    for (let i = 0; i < this.dir.length; i++) {
      if (this.dir[i] === seg && i & bit) this.dir[i] = high;
    }
    this.segs.push(high);
  }

  *entries(): IterableIterator<[string, V]> {
    // The small Map becomes the first segment when the dictionary grows, so a walk that
    // started small goes on through the segments added meanwhile; indexes rather than for-of
    // so that segments appended by splits during the walk are seen too.
    yield* this.small ?? this.segs[0].map;
    for (let i = 1; this.small === null && i < this.segs.length; i++) yield* this.segs[i].map;
  }

  [Symbol.iterator](): IterableIterator<[string, V]> {
    return this.entries();
  }

  *keys(): IterableIterator<string> {
    for (const [k] of this.entries()) yield k;
  }

  /** An independent copy; segment by segment, so no single Map copy is huge either. */
  clone(): SegDict<V> {
    const c = new SegDict<V>();
    if (this.small) {
      c.small = new Map(this.small);
      return c;
    }
    c.small = null;
    c.segs = [];
    c.depth = this.depth;
    c.count = this.count;
    const copies = new Map<Seg<V>, Seg<V>>();
    for (const s of this.segs) {
      const copy = { ...s, map: new Map(s.map) };
      copies.set(s, copy);
      c.segs.push(copy);
    }
    c.dir = this.dir.map((s) => copies.get(s)!);
    return c;
  }
}
