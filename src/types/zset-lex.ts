/**
 * Lex-range lookups as Redis performs them. Lex ranges are only meaningful when all scores are
 * equal; otherwise the answer depends on the search algorithm, so each encoding follows Redis's
 * shape: a linear scan for listpack (reproducible, and matched exactly here) and a tree descent
 * for skiplist (in Redis a skiplist descent, which then depends on random node levels).
 * Positions are 0-based ranks; -1 means none.
 */
import type { ZSetValue } from './zset.js';
import { lexGteMin, lexLteMax, type LexRange } from './zset-range.js';

/** Redis's early-out: the range is empty or lies wholly outside [first, last]. */
function inLexRange(z: ZSetValue, r: LexRange): boolean {
  if (r.empty) return false;
  const last = z.last();
  const first = z.first();
  if (last === null || !lexGteMin(last.member, r)) return false;
  return first !== null && lexLteMax(first.member, r);
}

/** The rank of the first member not below the minimum (no maximum check); may be size. */
function afterMin(z: ZSetValue, r: LexRange): number {
  return z.countBefore((_s, m) => !lexGteMin(m, r));
}

/** The rank a forward lex range starts at, or -1. */
export function lexFirst(z: ZSetValue, r: LexRange): number {
  if (!inLexRange(z, r)) return -1;
  if (!z.listpack) {
    const i = afterMin(z, r);
    return i < z.size && lexLteMax(z.at(i).member, r) ? i : -1;
  }
  const c = z.first()!;
  for (let i = 0; ; i++) {
    if (lexGteMin(c.member, r)) return lexLteMax(c.member, r) ? i : -1;
    if (!c.next()) return -1;
  }
}

/** The rank a reverse lex range starts at, or -1. */
export function lexLast(z: ZSetValue, r: LexRange): number {
  if (!inLexRange(z, r)) return -1;
  if (!z.listpack) {
    const i = z.countBefore((_s, m) => lexLteMax(m, r)) - 1;
    return i >= 0 && lexGteMin(z.at(i).member, r) ? i : -1;
  }
  const c = z.last()!;
  for (let i = z.size - 1; ; i--) {
    if (lexLteMax(c.member, r)) return lexGteMin(c.member, r) ? i : -1;
    if (!c.prev()) return -1;
  }
}

/** ZLEXCOUNT: listpack counts forward from the first match; skiplist subtracts ranks. */
export function lexCount(z: ZSetValue, r: LexRange): number {
  const first = lexFirst(z, r);
  if (first < 0) return 0;
  if (z.listpack) {
    let count = 0;
    const c = z.at(first);
    do {
      if (!lexLteMax(c.member, r)) break;
      count++;
    } while (c.next());
    return count;
  }
  const last = lexLast(z, r);
  return last < 0 ? z.size - first : last - first + 1;
}

/** ZREMRANGEBYLEX: deletes forward from the first match while members are <= max. */
export function lexRemove(z: ZSetValue, r: LexRange): number {
  const start = z.listpack ? lexFirst(z, r) : afterMin(z, r);
  if (start < 0) return 0;
  let removed = 0;
  while (start < z.size && lexLteMax(z.at(start).member, r)) {
    z.removeRanks(start, start);
    removed++;
  }
  return removed;
}
