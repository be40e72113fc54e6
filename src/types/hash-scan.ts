/**
 * HSCAN's pieces: the cursor parse (C strtoul over the whole argument) and glob matching with
 * Redis's stringmatchlen rules (`*`, `?`, `[...]` with `^` and ranges, `\` escapes, an
 * unterminated `[` ending the class).
 */

const U64 = 2n ** 64n;

/** The cursor as strtoul reads it (sign allowed, "-1" wraps); null for "invalid cursor". */
export function parseScanCursor(s: string): bigint | null {
  if (s === '') return 0n;
  const m = /^([+-]?)(\d+)$/.exec(s);
  if (!m) return null;
  const v = BigInt(m[2]);
  if (v >= U64) return null;
  return m[1] === '-' && v !== 0n ? U64 - v : v;
}

/** Whether `s` matches the glob `pat` (bytes as latin1 chars, case-sensitive). */
export function globMatch(pat: string, s: string): boolean {
  return match(pat, 0, s, 0, { skipLonger: false });
}

function match(
  pat: string,
  p: number,
  s: string,
  si: number,
  st: { skipLonger: boolean },
): boolean {
  const plen = pat.length;
  const slen = s.length;
  while (p < plen && si < slen) {
    switch (pat[p]) {
      case '*': {
        while (p + 1 < plen && pat[p + 1] === '*') p++;
        if (p + 1 === plen) return true;
        while (si < slen) {
          if (match(pat, p + 1, s, si, st)) return true;
          // A later start cannot match when an earlier one ran out of string.
          if (st.skipLonger) return false;
          si++;
        }
        st.skipLonger = true;
        return false;
      }
      case '?':
        si++;
        break;
      case '[': {
        p++;
        const not = pat[p] === '^';
        if (not) p++;
        let hit = false;
        for (;;) {
          if (pat[p] === '\\' && plen - p >= 2) {
            p++;
            if (pat[p] === s[si]) hit = true;
          } else if (pat[p] === ']') {
            break;
          } else if (p >= plen) {
            p--;
            break;
          } else if (plen - p >= 3 && pat[p + 1] === '-') {
            let a = pat.charCodeAt(p);
            let b = pat.charCodeAt(p + 2);
            if (a > b) [a, b] = [b, a];
            const ch = s.charCodeAt(si);
            if (ch >= a && ch <= b) hit = true;
            p += 2;
          } else if (pat[p] === s[si]) {
            hit = true;
          }
          p++;
        }
        if (not) hit = !hit;
        if (!hit) return false;
        si++;
        break;
      }
      case '\\':
        if (plen - p >= 2) p++;
        if (pat[p] !== s[si]) return false;
        si++;
        break;
      default:
        if (pat[p] !== s[si]) return false;
        si++;
    }
    p++;
    if (si === slen) {
      while (p < plen && pat[p] === '*') p++;
      break;
    }
  }
  return p === plen && si === slen;
}
