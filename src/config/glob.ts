/**
 * Redis's glob matcher (stringmatchlen) as CONFIG GET uses it: `*`, `?`, `[...]` sets with `^`
 * negation and `a-z` ranges, and `\` escapes; optionally case-insensitive.
 */

function eq(a: string, b: string, nocase: boolean): boolean {
  return nocase ? a.toLowerCase() === b.toLowerCase() : a === b;
}

function matchFrom(p: string, pi: number, s: string, si: number, nocase: boolean): boolean {
  while (pi < p.length) {
    const c = p[pi];
    if (c === '*') {
      while (p[pi + 1] === '*') pi++;
      if (pi + 1 === p.length) return true;
      for (let k = si; k <= s.length; k++) if (matchFrom(p, pi + 1, s, k, nocase)) return true;
      return false;
    }
    if (si >= s.length) return false;
    if (c === '?') {
      pi++;
      si++;
      continue;
    }
    if (c === '[') {
      pi++;
      const not = p[pi] === '^';
      if (not) pi++;
      let hit = false;
      for (;;) {
        if (pi >= p.length) {
          // An unterminated set ends the pattern, as in Redis.
          pi--;
          break;
        }
        if (p[pi] === ']') break;
        if (p[pi] === '\\' && pi + 1 < p.length) {
          pi++;
          if (eq(p[pi], s[si], nocase)) hit = true;
        } else if (p[pi + 1] === '-' && pi + 2 < p.length) {
          let lo = p[pi];
          let hi = p[pi + 2];
          let ch = s[si];
          if (lo > hi) [lo, hi] = [hi, lo];
          if (nocase) {
            lo = lo.toLowerCase();
            hi = hi.toLowerCase();
            ch = ch.toLowerCase();
          }
          if (ch >= lo && ch <= hi) hit = true;
          pi += 2;
        } else if (eq(p[pi], s[si], nocase)) hit = true;
        pi++;
      }
      if (not) hit = !hit;
      if (!hit) return false;
      pi++;
      si++;
      continue;
    }
    if (c === '\\' && pi + 1 < p.length) pi++;
    if (!eq(p[pi], s[si], nocase)) return false;
    pi++;
    si++;
  }
  return si === s.length;
}

export function globMatch(pattern: string, text: string, nocase = false): boolean {
  return matchFrom(pattern, 0, text, 0, nocase);
}
