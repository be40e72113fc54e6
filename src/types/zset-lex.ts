/**
 * Lex-range lookups as Redis performs them. Lex ranges are only meaningful when all scores are
 * equal; otherwise the answer depends on the search algorithm, so each encoding uses Redis's:
 * a linear scan for listpack (reproducible, and matched exactly here) and a skiplist descent
 * for skiplist (which in Redis depends on random node levels).
 */
import type { ZSetValue } from './zset.js';
import { lexGteMin, lexLteMax, type LexRange, type ZNode } from './zset-skiplist.js';

/** Redis's early-out: the range is empty or lies wholly outside [first, last]. */
function inLexRange(z: ZSetValue, r: LexRange): boolean {
  if (r.empty) return false;
  const last = z.sl.tail;
  const first = z.sl.first();
  if (last === null || !lexGteMin(last.member, r)) return false;
  return first !== null && lexLteMax(first.member, r);
}

/** The node a forward lex range starts at, or null. */
export function lexFirst(z: ZSetValue, r: LexRange): ZNode | null {
  if (!inLexRange(z, r)) return null;
  if (!z.listpack) return z.sl.firstInLex(r);
  for (let n = z.sl.first(); n !== null; n = n.next0) {
    if (lexGteMin(n.member, r)) return lexLteMax(n.member, r) ? n : null;
  }
  return null;
}

/** The node a reverse lex range starts at, or null. */
export function lexLast(z: ZSetValue, r: LexRange): ZNode | null {
  if (!inLexRange(z, r)) return null;
  if (!z.listpack) return z.sl.lastInLex(r);
  for (let n = z.sl.tail; n !== null; n = n.backward) {
    if (lexLteMax(n.member, r)) return lexGteMin(n.member, r) ? n : null;
  }
  return null;
}

/** ZLEXCOUNT: listpack counts forward from the first match; skiplist subtracts ranks. */
export function lexCount(z: ZSetValue, r: LexRange): number {
  const first = lexFirst(z, r);
  if (first === null) return 0;
  if (z.listpack) {
    let count = 0;
    for (let n: ZNode | null = first; n !== null && lexLteMax(n.member, r); n = n.next0) count++;
    return count;
  }
  const len = z.size;
  let count = len - (z.sl.rank(first.score, first.member) - 1);
  const last = lexLast(z, r);
  if (last !== null) count -= len - z.sl.rank(last.score, last.member);
  return count;
}

/** ZREMRANGEBYLEX: deletes forward from the first match while members are <= max. */
export function lexRemove(z: ZSetValue, r: LexRange): number {
  let n = z.listpack ? lexFirst(z, r) : z.sl.afterLexMin(r);
  let removed = 0;
  while (n !== null && lexLteMax(n.member, r)) {
    const next: ZNode | null = n.next0;
    z.remove(n.member);
    removed++;
    n = next;
  }
  return removed;
}
