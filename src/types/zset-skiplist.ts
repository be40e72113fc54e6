/**
 * An indexable skiplist ordered by (score, member): each forward link records how many nodes it
 * skips (its span), so rank lookups, rank ranges and inserts/deletes are O(log n). Members are
 * latin1 strings, whose `<` order equals Redis's memcmp byte order.
 */

const MAX_LEVEL = 32;
const P = 0.25;

/**
 * A skiplist node. Levels 0 and 1 are plain fields (level 0's span is always 1); the higher
 * levels of the sixteenth of nodes that have them live in one small array of (forward, span)
 * pairs. A search into a million-member set spends its time on cache misses, mostly in the two
 * bottom levels, so those cost one object each; most nodes are a single object.
 */
export class ZNode {
  backward: ZNode | null = null;
  next0: ZNode | null = null;
  next1: ZNode | null = null;
  span1 = 0;
  /** Levels 2..: lv[2(i-2)] is the forward link of level i, lv[2(i-2)+1] its span. */
  readonly lv: (ZNode | number | null)[] | null;

  constructor(
    readonly member: string,
    public score: number,
    level: number,
  ) {
    if (level > 2) {
      const lv = new Array<ZNode | number | null>(2 * (level - 2));
      for (let i = 0; i < lv.length; i += 2) {
        lv[i] = null;
        lv[i + 1] = 0;
      }
      this.lv = lv;
    } else {
      this.lv = null;
    }
  }
}

function fwd(x: ZNode, i: number): ZNode | null {
  return i === 0 ? x.next0 : i === 1 ? x.next1 : (x.lv![2 * i - 4] as ZNode | null);
}

function setFwd(x: ZNode, i: number, n: ZNode | null): void {
  if (i === 0) x.next0 = n;
  else if (i === 1) x.next1 = n;
  else x.lv![2 * i - 4] = n;
}

function span(x: ZNode, i: number): number {
  return i === 0 ? 1 : i === 1 ? x.span1 : (x.lv![2 * i - 3] as number);
}

function setSpan(x: ZNode, i: number, v: number): void {
  if (i === 1) x.span1 = v;
  else if (i !== 0) x.lv![2 * i - 3] = v;
}

/** A score interval; `minex`/`maxex` make an end exclusive. */
export interface ScoreRange {
  min: number;
  max: number;
  minex: boolean;
  maxex: boolean;
}

/**
 * A member interval. `minInf`/`maxInf` are -1 for `-`, 1 for `+` (below / above every string)
 * and 0 for a string bound.
 */
export interface LexRange {
  min: string;
  max: string;
  minInf: -1 | 0 | 1;
  maxInf: -1 | 0 | 1;
  minex: boolean;
  maxex: boolean;
  /** Redis's early-out: min > max, or min == max with an exclusive end. */
  empty: boolean;
}

/**
 * Scratch arrays for the per-level search paths. Skiplist operations never nest, so one set is
 * shared instead of allocating two 32-slot arrays per insert (less garbage with big ZADDs).
 */
const UPDATE: ZNode[] = [];
const RANK: number[] = new Array<number>(MAX_LEVEL).fill(0);

function randomLevel(): number {
  let l = 1;
  while (l < MAX_LEVEL && Math.random() < P) l++;
  return l;
}

/** (score, member) of `n` strictly before (s, m)? */
function before(n: ZNode, s: number, m: string): boolean {
  return n.score < s || (n.score === s && n.member < m);
}

export function scoreGteMin(s: number, r: ScoreRange): boolean {
  return r.minex ? s > r.min : s >= r.min;
}

export function scoreLteMax(s: number, r: ScoreRange): boolean {
  return r.maxex ? s < r.max : s <= r.max;
}

export function lexGteMin(m: string, r: LexRange): boolean {
  if (r.minInf !== 0) return r.minInf < 0;
  return r.minex ? m > r.min : m >= r.min;
}

export function lexLteMax(m: string, r: LexRange): boolean {
  if (r.maxInf !== 0) return r.maxInf > 0;
  return r.maxex ? m < r.max : m <= r.max;
}

export class SkipList {
  readonly head = new ZNode('', 0, MAX_LEVEL);
  tail: ZNode | null = null;
  length = 0;
  private level = 1;

  insert(score: number, member: string): ZNode {
    const update = UPDATE;
    const rank = RANK;
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      rank[i] = i === this.level - 1 ? 0 : rank[i + 1];
      for (let n = fwd(x, i); n !== null && before(n, score, member); n = fwd(x, i)) {
        rank[i] += span(x, i);
        x = n;
      }
      update[i] = x;
    }
    const level = randomLevel();
    if (level > this.level) {
      for (let i = this.level; i < level; i++) {
        rank[i] = 0;
        update[i] = this.head;
        setSpan(update[i], i, this.length);
      }
      this.level = level;
    }
    const node = new ZNode(member, score, level);
    for (let i = 0; i < level; i++) {
      setFwd(node, i, fwd(update[i], i));
      setFwd(update[i], i, node);
      setSpan(node, i, span(update[i], i) - (rank[0] - rank[i]));
      setSpan(update[i], i, rank[0] - rank[i] + 1);
    }
    for (let i = level; i < this.level; i++) setSpan(update[i], i, span(update[i], i) + 1);
    node.backward = update[0] === this.head ? null : update[0];
    if (node.next0) node.next0.backward = node;
    else this.tail = node;
    this.length++;
    return node;
  }

  /** A copy with the same elements, built in order in O(n) (levels drawn afresh). */
  clone(): SkipList {
    const c = new SkipList();
    const last: ZNode[] = new Array<ZNode>(MAX_LEVEL).fill(c.head);
    const lastRank: number[] = new Array<number>(MAX_LEVEL).fill(0);
    let rank = 0;
    let prev: ZNode | null = null;
    for (let n = this.head.next0; n !== null; n = n.next0) {
      rank++;
      const level = randomLevel();
      if (level > c.level) c.level = level;
      const node = new ZNode(n.member, n.score, level);
      for (let i = 0; i < level; i++) {
        setFwd(last[i], i, node);
        setSpan(last[i], i, rank - lastRank[i]);
        last[i] = node;
        lastRank[i] = rank;
      }
      node.backward = prev;
      prev = node;
    }
    // A link to the end spans the nodes after it, as insert() keeps it (last[i] is the head or
    // a node with more than i levels).
    for (let i = 0; i < MAX_LEVEL; i++) setSpan(last[i], i, rank - lastRank[i]);
    c.tail = prev;
    c.length = rank;
    return c;
  }

  private unlink(x: ZNode, update: ZNode[]): void {
    for (let i = 0; i < this.level; i++) {
      if (fwd(update[i], i) === x) {
        setSpan(update[i], i, span(update[i], i) + span(x, i) - 1);
        setFwd(update[i], i, fwd(x, i));
      } else {
        setSpan(update[i], i, span(update[i], i) - 1);
      }
    }
    if (x.next0) x.next0.backward = x.backward;
    else this.tail = x.backward;
    while (this.level > 1 && fwd(this.head, this.level - 1) === null) this.level--;
    this.length--;
  }

  /** The predecessors of (score, member) on every level. */
  private path(score: number, member: string): ZNode[] {
    const update = UPDATE;
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      for (let n = fwd(x, i); n !== null && before(n, score, member); n = fwd(x, i)) x = n;
      update[i] = x;
    }
    return update;
  }

  delete(score: number, member: string): boolean {
    const update = this.path(score, member);
    const x = update[0].next0;
    if (!x || x.score !== score || x.member !== member) return false;
    this.unlink(x, update);
    return true;
  }

  /** Moves `member` from `cur` to `score`, in place when its position does not change. */
  updateScore(cur: number, member: string, score: number): ZNode {
    const update = this.path(cur, member);
    const x = update[0].next0!;
    const prev = x.backward;
    const next = x.next0;
    if (
      (prev === null || prev.score < score || (prev.score === score && prev.member < member)) &&
      (next === null || next.score > score || (next.score === score && next.member > member))
    ) {
      x.score = score;
      return x;
    }
    this.unlink(x, update);
    return this.insert(score, member);
  }

  /** 1-based rank of (score, member), 0 if absent. */
  rank(score: number, member: string): number {
    let rank = 0;
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      for (
        let n = fwd(x, i);
        n !== null && (before(n, score, member) || (n.score === score && n.member === member));
        n = fwd(x, i)
      ) {
        rank += span(x, i);
        x = n;
      }
      if (x !== this.head && x.member === member && x.score === score) return rank;
    }
    return 0;
  }

  /** The node at 1-based `rank`, or null. */
  byRank(rank: number): ZNode | null {
    if (rank < 1 || rank > this.length) return null;
    let traversed = 0;
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      for (let n = fwd(x, i); n !== null && traversed + span(x, i) <= rank; n = fwd(x, i)) {
        traversed += span(x, i);
        x = n;
      }
      if (traversed === rank) return x;
    }
    return null;
  }

  first(): ZNode | null {
    return this.head.next0;
  }

  /** First node whose score is within `r`, or null. */
  firstInRange(r: ScoreRange): ZNode | null {
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      for (let n = fwd(x, i); n !== null && !scoreGteMin(n.score, r); n = fwd(x, i)) x = n;
    }
    const n = x.next0;
    return n !== null && scoreLteMax(n.score, r) ? n : null;
  }

  /** Last node whose score is within `r`, or null. */
  lastInRange(r: ScoreRange): ZNode | null {
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      for (let n = fwd(x, i); n !== null && scoreLteMax(n.score, r); n = fwd(x, i)) x = n;
    }
    return x !== this.head && scoreGteMin(x.score, r) ? x : null;
  }

  firstInLex(r: LexRange): ZNode | null {
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      for (let n = fwd(x, i); n !== null && !lexGteMin(n.member, r); n = fwd(x, i)) x = n;
    }
    const n = x.next0;
    return n !== null && lexLteMax(n.member, r) ? n : null;
  }

  /** The first node not below the range minimum (no max check), as ZREMRANGEBYLEX starts. */
  afterLexMin(r: LexRange): ZNode | null {
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      for (let n = fwd(x, i); n !== null && !lexGteMin(n.member, r); n = fwd(x, i)) x = n;
    }
    return x.next0;
  }

  lastInLex(r: LexRange): ZNode | null {
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      for (let n = fwd(x, i); n !== null && lexLteMax(n.member, r); n = fwd(x, i)) x = n;
    }
    return x !== this.head && lexGteMin(x.member, r) ? x : null;
  }

  /** Removes the nodes with 1-based ranks start..end; calls `gone` for each. */
  deleteRankRange(start: number, end: number, gone: (n: ZNode) => void): number {
    const update = UPDATE;
    let traversed = 0;
    let x = this.head;
    for (let i = this.level - 1; i >= 0; i--) {
      for (let n = fwd(x, i); n !== null && traversed + span(x, i) < start; n = fwd(x, i)) {
        traversed += span(x, i);
        x = n;
      }
      update[i] = x;
    }
    let removed = 0;
    let n = x.next0;
    traversed++;
    while (n !== null && traversed <= end) {
      const nx = n.next0;
      this.unlink(n, update);
      gone(n);
      removed++;
      traversed++;
      n = nx;
    }
    return removed;
  }
}
