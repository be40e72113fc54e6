/**
 * An order-statistic B+tree of (score, member) entries, the ordered half of a sorted set. A
 * million-member set lives in about twenty thousand leaves of parallel arrays (scores, and the
 * members' slot numbers in the set's FieldTable, which holds their bytes outside the V8 heap)
 * instead of a million small linked objects: an insert touches a handful of cache lines. The
 * leaves' arrays are views into typed-array chunks (LeafStore), also outside the heap, so the
 * collector has a few objects per leaf to trace and none of the entries to copy.
 *
 * Order is by score, then by member bytes (memcmp; `<` on latin1 strings is the same order).
 * Inner nodes keep the size of every subtree, so rank, byRank, rank-range deletes and range
 * seeks are O(log n). A cursor (leaf + index) walks the entries both ways.
 *
 * Separators: an inner node's sepS/sepM[i] (i >= 1) is a key that is greater than every key
 * under child i-1 and at most every key under child i. A separator may outlive the entry it was
 * copied from (deletes do not touch it); it stays a valid bound. Separators are strings (one
 * per leaf), so a member's slot can be reused as soon as it leaves the tree.
 */
import type { BulkWriter } from './bulk-writer.js';
import { FieldRefs, type FieldTable } from './field-table.js';
import { blockF64, blockI32 } from '../util/offheap.js';

const LEAF_CAP = 64;
const LEAF_MIN = LEAF_CAP >> 2;
const INNER_CAP = 64;
const INNER_MIN = INNER_CAP >> 2;

/** Scratch for locating a leaf's members at once (writeRange). */
const REFS = new FieldRefs(LEAF_CAP);

/** Leaves in a tree's biggest chunk of leaf storage (512 KB of scores, 256 KB of slots). */
const MAX_CHUNK_LEAVES = 1024;

/**
 * A tree's leaf storage: regions of LEAF_CAP scores and slots cut out of typed-array chunks
 * whose sizes double up to MAX_CHUNK_LEAVES leaves, so a million-member set holds its entries
 * in a few dozen ArrayBuffers outside the V8 heap: the collector neither traces nor moves them,
 * and V8 sees no stream of small ArrayBuffers (which it answers with extra full collections).
 * Regions of leaves merged away are reused; the chunks go with the tree.
 */
class LeafStore {
  private scores: Float64Array | null = null;
  private ids: Int32Array | null = null;
  private used = 0;
  private chunkLeaves = 0;
  private readonly freeScores: Float64Array[] = [];
  private readonly freeIds: Int32Array[] = [];

  /** Gives `leaf` a region. */
  alloc(leaf: Leaf): void {
    const free = this.freeScores.pop();
    if (free !== undefined) {
      leaf.scores = free;
      leaf.ids = this.freeIds.pop()!;
      return;
    }
    if (this.scores === null || this.used === this.chunkLeaves) {
      this.chunkLeaves = Math.min(MAX_CHUNK_LEAVES, Math.max(1, this.chunkLeaves * 2));
      this.scores = blockF64(this.chunkLeaves * LEAF_CAP);
      this.ids = blockI32(this.chunkLeaves * LEAF_CAP);
      this.used = 0;
    }
    const at = this.used++ * LEAF_CAP;
    leaf.scores = this.scores.subarray(at, at + LEAF_CAP);
    leaf.ids = this.ids!.subarray(at, at + LEAF_CAP);
  }

  /** Takes back the region of a leaf that left the tree. */
  release(leaf: Leaf): void {
    this.freeScores.push(leaf.scores);
    this.freeIds.push(leaf.ids);
  }
}

export class Leaf {
  n = 0;
  /** Views of LEAF_CAP entries into the tree's LeafStore. */
  scores!: Float64Array;
  /** Member slots in `keys`. */
  ids!: Int32Array;
  prev: Leaf | null = null;
  next: Leaf | null = null;

  constructor(
    readonly keys: FieldTable,
    store: LeafStore,
  ) {
    store.alloc(this);
  }

  member(i: number): string {
    return this.keys.field(this.ids[i]);
  }
}

class Inner {
  /** Children and, for each, the number of entries under it. */
  children: (Inner | Leaf)[] = [];
  counts: number[] = [];
  /** Separators; index 0 is unused (kept so indexes line up with children). */
  sepS: number[] = [];
  sepM: string[] = [];
}

/** A position in a sorted set's order, which steps both ways (a tree's or a packed set's). */
export interface ZPos {
  readonly member: string;
  readonly score: number;
  /** Moves to the next entry; false (position unusable) past the last. */
  next(): boolean;
  /** Moves to the previous entry; false (position unusable) before the first. */
  prev(): boolean;
}

/** A position in the tree: entry `i` of `leaf`. */
export class ZCursor implements ZPos {
  constructor(
    public leaf: Leaf,
    public i: number,
  ) {}

  get member(): string {
    return this.leaf.member(this.i);
  }

  /** The member's slot in the set's FieldTable. */
  get id(): number {
    return this.leaf.ids[this.i];
  }

  get score(): number {
    return this.leaf.scores[this.i];
  }

  /** Moves to the next entry; false (cursor unusable) past the last. */
  next(): boolean {
    if (++this.i < this.leaf.n) return true;
    const nx = this.leaf.next;
    if (nx === null) return false;
    this.leaf = nx;
    this.i = 0;
    return true;
  }

  /** Moves to the previous entry; false (cursor unusable) before the first. */
  prev(): boolean {
    if (--this.i >= 0) return true;
    const pv = this.leaf.prev;
    if (pv === null) return false;
    this.leaf = pv;
    this.i = pv.n - 1;
    return true;
  }
}

/** Entries of `leaf` before (s, m). */
function leafPos(leaf: Leaf, s: number, m: string): number {
  const sc = leaf.scores;
  const ids = leaf.ids;
  const keys = leaf.keys;
  let lo = 0;
  let hi = leaf.n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const x = sc[mid];
    if (x < s || (x === s && keys.compare(ids[mid], m) < 0)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The child of `node` that holds (s, m) if present: the last whose separator is <= it. */
function childFor(node: Inner, s: number, m: string): number {
  const ss = node.sepS;
  const sm = node.sepM;
  let lo = 1;
  let hi = node.children.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const x = ss[mid];
    if (x < s || (x === s && sm[mid] <= m)) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

function sum(a: number[], from: number, to: number): number {
  let t = 0;
  for (let i = from; i < to; i++) t += a[i];
  return t;
}

function sizeOf(node: Inner | Leaf): number {
  return node instanceof Leaf ? node.n : sum(node.counts, 0, node.counts.length);
}

/** Moves `k` entries from `src` at `from` to `dst` at `to`; within one leaf they may overlap. */
function moveEntries(src: Leaf, from: number, dst: Leaf, to: number, k: number): void {
  const ss = src.scores;
  const si = src.ids;
  const ds = dst.scores;
  const di = dst.ids;
  if (src === dst && to > from) {
    for (let j = k - 1; j >= 0; j--) {
      ds[to + j] = ss[from + j];
      di[to + j] = si[from + j];
    }
  } else {
    for (let j = 0; j < k; j++) {
      ds[to + j] = ss[from + j];
      di[to + j] = si[from + j];
    }
  }
}

export class ZTree {
  private readonly store = new LeafStore();
  private root: Inner | Leaf;
  /** Levels of inner nodes above the leaves. */
  private height = 0;
  /**
   * The inner nodes and child indexes of this tree's last descent, reused so that no operation
   * allocates one. Per tree: a path shared by all trees kept the last-used tree's nodes, and
   * through them every leaf and page, alive after the sorted set was deleted (90 MB for a
   * million members).
   */
  private readonly path: Inner[] = [];
  private readonly pathI: number[] = [];
  /** The first and last leaves (the same, empty one for an empty tree). */
  head: Leaf;
  tail: Leaf;
  length = 0;
  /** The position at() returned last; any insert or delete forgets it. */
  private hintRank = -1;
  private hintLeaf: Leaf | null = null;
  private hintI = 0;

  constructor(readonly keys: FieldTable) {
    this.root = this.head = this.tail = new Leaf(keys, this.store);
  }

  /** Descends towards (s, m), recording the path; returns the leaf. */
  private descendKey(s: number, m: string): Leaf {
    let node = this.root;
    for (let d = 0; d < this.height; d++) {
      const inner = node as Inner;
      const i = childFor(inner, s, m);
      this.path[d] = inner;
      this.pathI[d] = i;
      node = inner.children[i];
    }
    return node as Leaf;
  }

  /** Descends to 0-based `rank` (< length), recording the path; returns the leaf and index. */
  private descendRank(rank: number): ZCursor {
    let node = this.root;
    for (let d = 0; d < this.height; d++) {
      const inner = node as Inner;
      const counts = inner.counts;
      let i = 0;
      while (rank >= counts[i]) rank -= counts[i++];
      this.path[d] = inner;
      this.pathI[d] = i;
      node = inner.children[i];
    }
    return new ZCursor(node as Leaf, rank);
  }

  /** Inserts (s, m), whose member is in slot `id` of the keys, and must be absent. */
  insert(s: number, m: string, id: number): void {
    const leaf = this.descendKey(s, m);
    for (let d = 0; d < this.height; d++) this.path[d].counts[this.pathI[d]]++;
    this.length++;
    this.hintLeaf = null;
    const p = leafPos(leaf, s, m);
    if (leaf.n < LEAF_CAP) {
      this.leafInsert(leaf, p, s, id);
      return;
    }
    // Full: split. Appending at the very end or prepending at the very start (ordered loads,
    // RDB loads in descending order) leaves the old leaf full instead of two half-full ones.
    const at =
      p === LEAF_CAP && leaf.next === null
        ? LEAF_CAP
        : p === 0 && leaf.prev === null
          ? 0
          : LEAF_CAP >> 1;
    const right = new Leaf(this.keys, this.store);
    moveEntries(leaf, at, right, 0, LEAF_CAP - at);
    right.n = LEAF_CAP - at;
    leaf.n = at;
    right.next = leaf.next;
    right.prev = leaf;
    if (leaf.next) leaf.next.prev = right;
    else this.tail = right;
    leaf.next = right;
    if (p < at || at === 0) this.leafInsert(leaf, p, s, id);
    else this.leafInsert(right, p - at, s, id);
    this.addChild(this.height - 1, leaf, right, right.scores[0], right.member(0));
  }

  private leafInsert(leaf: Leaf, p: number, s: number, id: number): void {
    const n = leaf.n;
    if (p < n) {
      moveEntries(leaf, p, leaf, p + 1, n - p);
    }
    leaf.scores[p] = s;
    leaf.ids[p] = id;
    leaf.n = n + 1;
  }

  /**
   * `left` (the child at PATH level `d`, or the root when d < 0) was split and `right` goes
   * after it with separator (s, m); splits the parent in turn when it overflows.
   */
  private addChild(d: number, left: Inner | Leaf, right: Inner | Leaf, s: number, m: string): void {
    if (d < 0) {
      const root = new Inner();
      root.children = [left, right];
      root.counts = [sizeOf(left), sizeOf(right)];
      root.sepS = [0, s];
      root.sepM = ['', m];
      this.root = root;
      this.height++;
      return;
    }
    const parent = this.path[d];
    const i = this.pathI[d];
    const total = parent.counts[i];
    const rc = sizeOf(right);
    parent.counts[i] = total - rc;
    parent.children.splice(i + 1, 0, right);
    parent.counts.splice(i + 1, 0, rc);
    parent.sepS.splice(i + 1, 0, s);
    parent.sepM.splice(i + 1, 0, m);
    if (parent.children.length <= INNER_CAP) return;
    const half = parent.children.length >> 1;
    const sib = new Inner();
    sib.children = parent.children.splice(half);
    sib.counts = parent.counts.splice(half);
    sib.sepS = parent.sepS.splice(half);
    sib.sepM = parent.sepM.splice(half);
    // The sibling's first separator moves up: it bounds the sibling from below.
    const us = sib.sepS[0];
    const um = sib.sepM[0];
    sib.sepS[0] = 0;
    sib.sepM[0] = '';
    this.addChild(d - 1, parent, sib, us, um);
  }

  /** Deletes (s, m), whose member is in slot `id`; false if absent. */
  delete(s: number, m: string, id: number): boolean {
    const leaf = this.descendKey(s, m);
    const p = leafPos(leaf, s, m);
    if (p >= leaf.n || leaf.scores[p] !== s || leaf.ids[p] !== id) return false;
    this.removeAt(leaf, p);
    return true;
  }

  /** Deletes the entry at 0-based `rank` (< length); returns its member's slot. */
  deleteAt(rank: number): number {
    const c = this.descendRank(rank);
    const id = c.id;
    this.removeAt(c.leaf, c.i);
    return id;
  }

  /**
   * Deletes `count` entries from 0-based rank `start` (all within range), calling `gone` with
   * each member's slot in order. One descent per leaf's worth of entries, not per entry.
   */
  deleteRange(start: number, count: number, gone: (id: number) => void): void {
    while (count > 0) {
      const c = this.descendRank(start);
      const k = Math.min(count, c.leaf.n - c.i);
      for (let j = 0; j < k; j++) gone(c.leaf.ids[c.i + j]);
      this.removeAt(c.leaf, c.i, k);
      count -= k;
    }
  }

  /** Removes `k` entries from `p` of `leaf`, reached by the recorded path, and rebalances. */
  private removeAt(leaf: Leaf, p: number, k = 1): void {
    for (let d = 0; d < this.height; d++) this.path[d].counts[this.pathI[d]] -= k;
    this.length -= k;
    this.hintLeaf = null;
    const n = leaf.n - k;
    if (p < n) {
      moveEntries(leaf, p + k, leaf, p, n - p);
    }
    leaf.n = n;
    if (n < LEAF_MIN && this.height > 0) this.fixLeaf();
  }

  /** Refills or merges the underfull leaf at the end of the path with a sibling. */
  private fixLeaf(): void {
    const d = this.height - 1;
    const parent = this.path[d];
    const i = this.pathI[d];
    if (parent.children.length < 2) return;
    // Work on the pair (left, right) at child indexes (li, li + 1).
    const li = i + 1 < parent.children.length ? i : i - 1;
    const left = parent.children[li] as Leaf;
    const right = parent.children[li + 1] as Leaf;
    const total = left.n + right.n;
    if (total <= LEAF_CAP) {
      moveEntries(right, 0, left, left.n, right.n);
      left.n = total;
      left.next = right.next;
      if (right.next) right.next.prev = left;
      else this.tail = left;
      parent.counts[li] = total;
      this.removeChild(d, li + 1);
      this.store.release(right);
      return;
    }
    const want = total >> 1;
    if (left.n < want) {
      const k = want - left.n;
      moveEntries(right, 0, left, left.n, k);
      moveEntries(right, k, right, 0, right.n - k);
      left.n = want;
      right.n -= k;
    } else {
      const k = left.n - want;
      moveEntries(right, 0, right, k, right.n);
      moveEntries(left, want, right, 0, k);
      left.n = want;
      right.n += k;
    }
    parent.counts[li] = left.n;
    parent.counts[li + 1] = right.n;
    parent.sepS[li + 1] = right.scores[0];
    parent.sepM[li + 1] = right.member(0);
  }

  /** Drops child `ci` of the inner node at path level `d` (merged away) and rebalances. */
  private removeChild(d: number, ci: number): void {
    const node = this.path[d];
    node.children.splice(ci, 1);
    node.counts.splice(ci, 1);
    node.sepS.splice(ci, 1);
    node.sepM.splice(ci, 1);
    if (d === 0) {
      if (node.children.length === 1) {
        this.root = node.children[0];
        this.height--;
      }
      return;
    }
    if (node.children.length >= INNER_MIN) return;
    const parent = this.path[d - 1];
    const i = this.pathI[d - 1];
    if (parent.children.length < 2) return;
    const li = i + 1 < parent.children.length ? i : i - 1;
    const left = parent.children[li] as Inner;
    const right = parent.children[li + 1] as Inner;
    // The parent's separator between the two comes down as the right part's first separator.
    const downS = parent.sepS[li + 1];
    const downM = parent.sepM[li + 1];
    const total = left.children.length + right.children.length;
    if (total <= INNER_CAP) {
      right.sepS[0] = downS;
      right.sepM[0] = downM;
      left.children.push(...right.children);
      left.counts.push(...right.counts);
      left.sepS.push(...right.sepS);
      left.sepM.push(...right.sepM);
      parent.counts[li] += parent.counts[li + 1];
      this.removeChild(d - 1, li + 1);
      return;
    }
    const want = total >> 1;
    right.sepS[0] = downS;
    right.sepM[0] = downM;
    if (left.children.length < want) {
      const k = want - left.children.length;
      left.children.push(...right.children.splice(0, k));
      left.counts.push(...right.counts.splice(0, k));
      left.sepS.push(...right.sepS.splice(0, k));
      left.sepM.push(...right.sepM.splice(0, k));
    } else {
      right.children.unshift(...left.children.splice(want));
      right.counts.unshift(...left.counts.splice(want));
      right.sepS.unshift(...left.sepS.splice(want));
      right.sepM.unshift(...left.sepM.splice(want));
    }
    parent.sepS[li + 1] = right.sepS[0];
    parent.sepM[li + 1] = right.sepM[0];
    right.sepS[0] = 0;
    right.sepM[0] = '';
    parent.counts[li] = sum(left.counts, 0, left.counts.length);
    parent.counts[li + 1] = sum(right.counts, 0, right.counts.length);
  }

  /**
   * Moves `m` (slot `id`) from score `cur` to `s`: in place when it keeps its position and both
   * of its neighbours are in the same leaf (so no separator can be crossed), else delete +
   * insert.
   */
  updateScore(cur: number, m: string, id: number, s: number): void {
    const leaf = this.descendKey(cur, m);
    const p = leafPos(leaf, cur, m);
    const sc = leaf.scores;
    const ids = leaf.ids;
    const keys = this.keys;
    const prevOk =
      p > 0
        ? sc[p - 1] < s || (sc[p - 1] === s && keys.compare(ids[p - 1], m) < 0)
        : leaf.prev === null;
    const nextOk =
      p < leaf.n - 1
        ? sc[p + 1] > s || (sc[p + 1] === s && keys.compare(ids[p + 1], m) > 0)
        : leaf.next === null;
    if (prevOk && nextOk) {
      sc[p] = s;
      return;
    }
    this.removeAt(leaf, p);
    this.insert(s, m, id);
  }

  /** 0-based rank of (s, m), member slot `id`, or -1 if absent. */
  rank(s: number, m: string, id: number): number {
    let node = this.root;
    let rank = 0;
    for (let d = 0; d < this.height; d++) {
      const inner = node as Inner;
      const i = childFor(inner, s, m);
      rank += sum(inner.counts, 0, i);
      node = inner.children[i];
    }
    const leaf = node as Leaf;
    const p = leafPos(leaf, s, m);
    if (p >= leaf.n || leaf.scores[p] !== s || leaf.ids[p] !== id) return -1;
    return rank + p;
  }

  /**
   * How many entries satisfy `before`, which must hold for a prefix of the order (score below a
   * bound, member below a bound among equal scores): the rank of the first entry it rejects.
   */
  countBefore(before: (s: number, m: string) => boolean): number {
    return this.search(before, true);
  }

  /** countBefore for a predicate on the score alone: no member is read from the keys. */
  countScoresBefore(before: (s: number) => boolean): number {
    return this.search(before, false);
  }

  private search(before: (s: number, m: string) => boolean, members: boolean): number {
    let node = this.root;
    let rank = 0;
    for (let d = 0; d < this.height; d++) {
      const inner = node as Inner;
      let lo = 1;
      let hi = inner.children.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (before(inner.sepS[mid], inner.sepM[mid])) lo = mid + 1;
        else hi = mid;
      }
      rank += sum(inner.counts, 0, lo - 1);
      node = inner.children[lo - 1];
    }
    const leaf = node as Leaf;
    let lo = 0;
    let hi = leaf.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(leaf.scores[mid], members ? leaf.member(mid) : '')) lo = mid + 1;
      else hi = mid;
    }
    return rank + lo;
  }

  /**
   * A cursor at 0-based `rank`, or null when out of range. Asking for the rank after the one
   * asked last steps from there instead of descending again, so a caller walking by rank
   * (DEBUG DIGEST, an AOF rewrite) pays O(1) per entry.
   */
  at(rank: number): ZCursor | null {
    if (rank < 0 || rank >= this.length) return null;
    let c: ZCursor;
    if (rank === this.hintRank + 1 && this.hintLeaf !== null) {
      c = new ZCursor(this.hintLeaf, this.hintI);
      c.next();
    } else {
      c = this.descendRank(rank);
    }
    this.hintRank = rank;
    this.hintLeaf = c.leaf;
    this.hintI = c.i;
    return c;
  }

  /** A cursor at the first entry, or null when empty. */
  first(): ZCursor | null {
    return this.length === 0 ? null : new ZCursor(this.head, 0);
  }

  /** A cursor at the last entry, or null when empty. */
  last(): ZCursor | null {
    return this.length === 0 ? null : new ZCursor(this.tail, this.tail.n - 1);
  }

  /**
   * Writes the entries of `count` ranks from `start` (< length), downwards when `rev`: each
   * member as a bulk string followed, when `withscores`, by its score (the two nested in an
   * array of 2 in RESP3), the shape of a ZRANGE reply. Members are located a leaf at a time
   * (FieldTable.locateMany), which overlaps their cache misses.
   */
  writeRange(start: number, count: number, rev: boolean, withscores: boolean, w: BulkWriter): void {
    const nested = withscores && w.resp === 3;
    const cur = this.at(start)!;
    let leaf: Leaf | null = cur.leaf;
    let i = cur.i;
    for (let left = count; left > 0 && leaf !== null;) {
      const m = Math.min(left, rev ? i + 1 : leaf.n - i);
      const from = rev ? i - m + 1 : i;
      this.keys.locateMany(leaf.ids, from, from + m, REFS);
      for (let s = 0; s < m; s++) {
        const k = rev ? m - 1 - s : s;
        if (nested) w.array(2);
        const off = REFS.off[k];
        w.bulkBytes(this.keys.page(REFS.page[k]), off, off + REFS.len[k]);
        if (withscores) w.double(leaf.scores[from + k]);
      }
      left -= m;
      leaf = rev ? leaf.prev : leaf.next;
      i = rev && leaf !== null ? leaf.n - 1 : 0;
    }
  }

  /** Rewrites every score through `f`, which must keep the order (e.g. -0 to 0). */
  mapScores(f: (s: number) => number): void {
    for (let l: Leaf | null = this.head; l !== null; l = l.next) {
      for (let i = 0; i < l.n; i++) l.scores[i] = f(l.scores[i]);
    }
  }

  /** An independent copy with the same shape over `keys`, a copy of this tree's keys; O(n). */
  clone(keys: FieldTable): ZTree {
    const t = new ZTree(keys);
    const leaves: Leaf[] = [];
    const copy = (node: Inner | Leaf): Inner | Leaf => {
      if (node instanceof Leaf) {
        const l = new Leaf(keys, t.store);
        l.n = node.n;
        l.scores.set(node.scores);
        l.ids.set(node.ids);
        leaves.push(l);
        return l;
      }
      const c = new Inner();
      c.children = node.children.map(copy);
      c.counts = node.counts.slice();
      c.sepS = node.sepS.slice();
      c.sepM = node.sepM.slice();
      return c;
    };
    t.root = copy(this.root);
    t.height = this.height;
    t.length = this.length;
    for (let i = 1; i < leaves.length; i++) {
      leaves[i - 1].next = leaves[i];
      leaves[i].prev = leaves[i - 1];
    }
    t.head = leaves[0];
    t.tail = leaves[leaves.length - 1];
    return t;
  }

  /** Checks every invariant (tests only): throws on the first violation. */
  verify(): void {
    const leaves: Leaf[] = [];
    const walk = (
      node: Inner | Leaf,
      d: number,
      lo: [number, string] | null,
      hi: [number, string] | null,
    ): number => {
      const lt = (a: [number, string], b: [number, string]) =>
        a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
      if (d === this.height) {
        if (!(node instanceof Leaf)) throw new Error('inner node at leaf depth');
        if (node !== this.root && node.n < 1) throw new Error('empty leaf');
        for (let i = 0; i < node.n; i++) {
          const k: [number, string] = [node.scores[i], node.member(i)];
          if (i > 0 && !lt([node.scores[i - 1], node.member(i - 1)], k))
            throw new Error('leaf order');
          if (lo && lt(k, lo)) throw new Error('below separator');
          if (hi && !lt(k, hi)) throw new Error('not below next separator');
        }
        leaves.push(node);
        return node.n;
      }
      if (!(node instanceof Inner)) throw new Error('leaf above leaf depth');
      const k = node.children.length;
      if (k < 1 || (node !== this.root && k < 2)) throw new Error('inner too small');
      if (node.counts.length !== k || node.sepS.length !== k || node.sepM.length !== k) {
        throw new Error('inner arrays out of step');
      }
      let total = 0;
      for (let i = 0; i < k; i++) {
        const clo: [number, string] | null = i === 0 ? lo : [node.sepS[i], node.sepM[i]];
        const chi: [number, string] | null =
          i === k - 1 ? hi : [node.sepS[i + 1], node.sepM[i + 1]];
        const c = walk(node.children[i], d + 1, clo, chi);
        if (c !== node.counts[i]) throw new Error('count mismatch');
        total += c;
      }
      return total;
    };
    if (walk(this.root, 0, null, null) !== this.length) throw new Error('length mismatch');
    if (leaves[0] !== this.head || leaves[leaves.length - 1] !== this.tail) {
      throw new Error('head/tail');
    }
    for (let i = 0; i < leaves.length; i++) {
      if (leaves[i].prev !== (i > 0 ? leaves[i - 1] : null)) throw new Error('prev link');
      if (leaves[i].next !== (i + 1 < leaves.length ? leaves[i + 1] : null)) {
        throw new Error('next link');
      }
    }
  }
}
