/**
 * Parsing of numeric arguments with Redis's exact acceptance rules (string2ll for integers,
 * strtod for doubles), shared by every command family.
 */

const INT_RE = /^-?(0|[1-9]\d*)$/;
const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/** Exact 64-bit parse (string2ll): no spaces, no '+', no leading zeros. Null if invalid. */
export function parseInt64(s: string): bigint | null {
  if (s.length === 0 || s.length > 20 || !INT_RE.test(s) || s === '-0') return null;
  const v = BigInt(s);
  return v > INT64_MAX || v < INT64_MIN ? null : v;
}

/**
 * A 64-bit integer argument as a JS number (exact within +-2^53, approximate beyond, which is
 * fine for counts, indexes and ranges). Null if Redis would reject it.
 */
export function parseLong(s: string): number | null {
  if (s.length <= 15) {
    if (!INT_RE.test(s) || s === '-0') return null;
    return Number(s);
  }
  const v = parseInt64(s);
  return v === null ? null : Number(v);
}

function allDigits(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

const DEC_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const HEX_RE = /^([+-]?)0[xX]([0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)([pP]([+-]?\d+))?$/;
const INF_RE = /^[+-]?(inf|infinity)$/i;

function parseHexFloat(m: RegExpExecArray): number {
  const [intPart, fracPart = ''] = m[2].split('.');
  let v = 0;
  for (const ch of intPart + fracPart) v = v * 16 + parseInt(ch, 16);
  v /= 16 ** fracPart.length;
  if (m[4]) v *= 2 ** Number(m[4]);
  return m[1] === '-' ? -v : v;
}

/**
 * A double as Redis's getDoubleFromObject accepts it (C strtod over the whole string): decimal,
 * hex floats, inf/infinity; rejects empty, leading space, trailing garbage, NaN, overflow and
 * underflow to zero. Null if invalid.
 */
export function parseDouble(s: string): number | null {
  if (s.length === 0) return null;
  if (s.length <= 15 && allDigits(s)) return Number(s); // the usual score: nothing to check
  if (DEC_RE.test(s)) {
    const v = Number(s);
    if (!Number.isFinite(v)) return null; // overflow (ERANGE)
    if (v === 0 && /[1-9]/.test(s.replace(/[eE].*$/, ''))) return null; // underflow
    return v;
  }
  if (INF_RE.test(s)) return s[0] === '-' ? -Infinity : Infinity;
  const hex = HEX_RE.exec(s);
  if (hex) {
    const v = parseHexFloat(hex);
    return Number.isFinite(v) ? v : null;
  }
  return null;
}

/**
 * C strtod over a whole C string (it stops at a NUL): leading whitespace skipped, "" read as 0.
 * Null when not all of it is read or it is NaN; with `rangeErrors` also on overflow and
 * underflow (errno ERANGE), which SORT checks and score ranges do not (they take inf).
 */
export function strtodWhole(s: string, rangeErrors = false): number | null {
  const nul = s.indexOf('\0');
  if (nul >= 0) s = s.slice(0, nul);
  if (s.length === 0) return 0;
  const t = s.replace(/^[ \t\n\v\f\r]+/, '');
  if (rangeErrors) return parseDouble(t);
  if (DEC_RE.test(t)) return Number(t);
  if (INF_RE.test(t)) return t[0] === '-' ? -Infinity : Infinity;
  if (/^[+-]?0[xX]/.test(t)) return parseDouble(t);
  return null;
}
