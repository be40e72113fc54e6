/**
 * ZUNION / ZINTER / ZDIFF over sorted sets and plain sets (members of a plain set score 1).
 * Floating-point results match Redis because sources are combined in the same order: sorted
 * by cardinality (stable) for union and intersection, weights applied before aggregation, and
 * a NaN from inf * 0 or inf + -inf becomes 0 exactly where Redis turns it into 0.
 */
import { SetValue } from './set.js';
import { ZSetValue } from './zset.js';

export type Aggregate = 'sum' | 'min' | 'max';

export interface Source {
  value: ZSetValue | SetValue | undefined;
  weight: number;
}

function size(s: Source): number {
  return s.value ? s.value.size : 0;
}

function* entries(v: ZSetValue | SetValue): Iterable<[string, number]> {
  if (v instanceof ZSetValue) yield* v.entries();
  else for (const m of v.members()) yield [m, 1];
}

function find(v: ZSetValue | SetValue, m: string): number | undefined {
  if (v instanceof ZSetValue) return v.score(m);
  return v.has(m) ? 1 : undefined;
}

function aggregate(target: number, val: number, how: Aggregate): number {
  if (how === 'sum') {
    const r = target + val;
    return Number.isNaN(r) ? 0 : r;
  }
  if (how === 'min') return val < target ? val : target;
  return val > target ? val : target;
}

export function union(sources: Source[], how: Aggregate): Map<string, number> {
  const srcs = [...sources].sort((a, b) => size(a) - size(b));
  const acc = new Map<string, number>();
  for (const s of srcs) {
    if (!s.value) continue;
    for (const [m, v] of entries(s.value)) {
      let score = s.weight * v;
      if (Number.isNaN(score)) score = 0;
      const cur = acc.get(m);
      acc.set(m, cur === undefined ? score : aggregate(cur, score, how));
    }
  }
  return acc;
}

/** The intersection; with `limit` > 0 and `countOnly`, stops counting at `limit`. */
export function inter(
  sources: Source[],
  how: Aggregate,
  countOnly = false,
  limit = 0,
): { result: Map<string, number>; count: number } {
  const srcs = [...sources].sort((a, b) => size(a) - size(b));
  const result = new Map<string, number>();
  let count = 0;
  const first = srcs[0];
  if (!first.value || first.value.size === 0) return { result, count };
  outer: for (const [m, v] of entries(first.value)) {
    let score = first.weight * v;
    if (Number.isNaN(score)) score = 0;
    for (let j = 1; j < srcs.length; j++) {
      const other = find(srcs[j].value!, m);
      if (other === undefined) continue outer;
      score = aggregate(score, other * srcs[j].weight, how);
    }
    count++;
    if (countOnly) {
      if (limit > 0 && count >= limit) break;
    } else {
      result.set(m, score);
    }
  }
  return { result, count };
}

export function diff(sources: Source[]): Map<string, number> {
  const result = new Map<string, number>();
  const first = sources[0].value;
  if (!first) return result;
  const others = sources.slice(1).filter((s) => s.value && s.value.size > 0);
  outer: for (const [m, v] of entries(first)) {
    for (const o of others) if (find(o.value!, m) !== undefined) continue outer;
    result.set(m, v);
  }
  return result;
}
