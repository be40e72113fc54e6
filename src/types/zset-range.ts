/**
 * Parsing of sorted-set range arguments as Redis does it: score bounds through C strtod with a
 * `(` exclusive prefix (leading spaces, overflow to inf and "" accepted, NaN rejected), lex
 * bounds `[x`, `(x`, `-`, `+`.
 */
import { strtodWhole } from '../util/parse.js';

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

function scoreBound(s: string): { v: number; ex: boolean } | null {
  const ex = s[0] === '(';
  const v = strtodWhole(ex ? s.slice(1) : s);
  return v === null ? null : { v, ex };
}

/** A score range, or null for `min or max is not a float`. */
export function parseScoreRange(min: string, max: string): ScoreRange | null {
  const a = scoreBound(min);
  const b = scoreBound(max);
  if (!a || !b) return null;
  return { min: a.v, minex: a.ex, max: b.v, maxex: b.ex };
}

type LexBound = { v: string; ex: boolean; inf: -1 | 0 | 1 };

function lexBound(s: string): LexBound | null {
  switch (s[0]) {
    case '+':
    case '-':
      if (s.length > 1 && s[1] !== '\0') return null;
      return { v: '', ex: true, inf: s[0] === '+' ? 1 : -1 };
    case '(':
      return { v: s.slice(1), ex: true, inf: 0 };
    case '[':
      return { v: s.slice(1), ex: false, inf: 0 };
    default:
      return null;
  }
}

function compareBounds(a: LexBound, b: LexBound): number {
  if (a.inf !== 0 || b.inf !== 0) {
    if (a.inf === b.inf) return 0;
    if (a.inf === -1 || b.inf === 1) return -1;
    return 1;
  }
  const x = a.v;
  const y = b.v;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** A lex range, or null for `min or max not valid string range item`. */
export function parseLexRange(min: string, max: string): LexRange | null {
  const a = lexBound(min);
  const b = lexBound(max);
  if (!a || !b) return null;
  // Redis answers nothing at all when min > max, or min == max with an exclusive end, comparing
  // `-` below and `+` above every string.
  const cmp = compareBounds(a, b);
  const empty = cmp > 0 || (cmp === 0 && (a.ex || b.ex));
  return {
    min: a.v,
    max: b.v,
    minInf: a.inf,
    maxInf: b.inf,
    minex: a.ex,
    maxex: b.ex,
    empty,
  };
}
