/**
 * Glob-style matching with the exact rules of Redis 7.0 (KEYS, SCAN MATCH, CONFIG GET, PSUBSCRIBE
 * and friends): `*` any run of bytes, `?` one byte, `[abc]` / `[^abc]` classes with `a-z` ranges,
 * `\x` a literal x. Patterns and subjects are latin1 strings (one char per byte).
 *
 * Redis's own quirks are kept on purpose, because clients observe them:
 * - an empty subject matches only the empty pattern (even `*` does not match it);
 * - a class left open at the end of the pattern (`[ab`) acts as if closed there;
 * - in a range the end may be `]` itself (`[a-]x]` is the range `]`..`a` plus `x`), reversed
 *   ranges are swapped, and bytes compare as C's signed `char` (0x80..0xff sort below 0x00);
 * - a trailing lone `\` matches a literal backslash.
 *
 * Every token other than `*` consumes exactly one byte, so the classic single-backtrack
 * algorithm (remember the last `*` and retry one byte further) decides a match in
 * O(pattern * subject) without recursion.
 */

/** C `char` value of a latin1 byte (signed on the platforms Redis ships for). */
function signedByte(code: number): number {
  return (code << 24) >> 24;
}

function lower(code: number): number {
  return code >= 65 && code <= 90 ? code + 32 : code;
}

/**
 * Tries the single-byte token at p[pi] against byte `ch`. Returns the index just after the
 * token when it matches, or the bitwise complement of that index (negative) when it does not.
 */
function token(p: string, pi: number, ch: number, nocase: boolean): number {
  const pn = p.length;
  const t = p.charCodeAt(pi);
  if (t === 63 /* ? */) return pi + 1;
  if (t === 91 /* [ */) return bracket(p, pi + 1, ch, nocase);
  if (t === 92 /* \ */ && pn - pi >= 2) pi++;
  const lit = p.charCodeAt(pi);
  const ok = nocase ? lower(lit) === lower(ch) : lit === ch;
  return ok ? pi + 1 : ~(pi + 1);
}

/** A `[...]` class whose body starts at p[i]; same return convention as token(). */
function bracket(p: string, i: number, ch: number, nocase: boolean): number {
  const pn = p.length;
  const negate = i < pn && p.charCodeAt(i) === 94; /* ^ */
  if (negate) i++;
  let hit = false;
  for (;;) {
    if (i >= pn) {
      // Unterminated: the class ends with the pattern.
      i = pn - 1;
      break;
    }
    const c = p.charCodeAt(i);
    if (c === 92 /* \ */ && pn - i >= 2) {
      // Escapes inside a class compare exactly, even when matching without case.
      i++;
      if (p.charCodeAt(i) === ch) hit = true;
    } else if (c === 93 /* ] */) {
      break;
    } else if (pn - i >= 3 && p.charCodeAt(i + 1) === 45 /* - */) {
      let lo = signedByte(c);
      let hi = signedByte(p.charCodeAt(i + 2));
      let x = signedByte(ch);
      if (lo > hi) [lo, hi] = [hi, lo];
      if (nocase) {
        lo = lower(lo);
        hi = lower(hi);
        x = lower(x);
      }
      if (x >= lo && x <= hi) hit = true;
      i += 2;
    } else if (nocase ? lower(c) === lower(ch) : c === ch) {
      hit = true;
    }
    i++;
  }
  const next = i + 1;
  return hit !== negate ? next : ~next;
}

/** Whether `subject` matches the glob `pattern` exactly as Redis's stringmatchlen decides. */
export function globMatch(pattern: string, subject: string, nocase = false): boolean {
  const pn = pattern.length;
  const sn = subject.length;
  if (sn === 0) return pn === 0;
  let pi = 0;
  let si = 0;
  // Where to resume after the most recent `*`: pattern index after it, subject index it took.
  let starP = -1;
  let starS = 0;
  while (si < sn) {
    if (pi < pn && pattern.charCodeAt(pi) === 42 /* * */) {
      while (pi < pn && pattern.charCodeAt(pi) === 42) pi++;
      if (pi === pn) return true;
      starP = pi;
      starS = si;
      continue;
    }
    if (pi < pn) {
      const r = token(pattern, pi, subject.charCodeAt(si), nocase);
      if (r >= 0) {
        pi = r;
        si++;
        continue;
      }
    }
    if (starP < 0) return false;
    // Let the last `*` swallow one more byte and retry the rest of the pattern from there.
    starS++;
    si = starS;
    pi = starP;
  }
  while (pi < pn && pattern.charCodeAt(pi) === 42) pi++;
  return pi === pn;
}

/** A pattern that matches every non-empty subject, so callers can skip matching. */
export function matchesAll(pattern: string): boolean {
  return pattern === '*';
}
