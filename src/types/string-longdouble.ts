/**
 * x87 80-bit `long double` arithmetic, exactly as Redis on x86-64 does it for INCRBYFLOAT (and
 * HINCRBYFLOAT): strtold parsing, one addition, and `%.17Lf` printing with trailing zeros
 * removed. Plain doubles do not match: Redis prints 0.1 + 0.2 as "0.3" because the sum is
 * computed with a 64-bit significand and then rounded to 17 decimals.
 *
 * A finite value is m * 2^e with 0 <= m < 2^64, held exactly in a bigint; rounding is to
 * nearest, ties to even, with the format's limits (largest exponent 16383, smallest quantum
 * 2^-16445 for subnormals).
 */

export interface LongDouble {
  neg: boolean;
  /** Significand; 0n for zero. Ignored when `inf`. */
  m: bigint;
  e: number;
  inf: boolean;
}

const PRECISION = 64;
/** Exponent of the least significant bit of the smallest subnormal. */
const MIN_QUANTUM_EXP = -16445;
/** Values at or above 2^16384 overflow. */
const OVERFLOW_EXP = 16384;
/** Redis refuses float arguments this long or longer (MAX_LONG_DOUBLE_CHARS). */
const MAX_CHARS = 5 * 1024;

const ZERO: LongDouble = { neg: false, m: 0n, e: 0, inf: false };

function bitLength(n: bigint): number {
  const hex = n.toString(16);
  return (hex.length - 1) * 4 + (32 - Math.clz32(parseInt(hex[0], 16)));
}

/**
 * The long double nearest to n * 2^e (n > 0). `sticky` says the exact value is a little more
 * than that (nonzero bits were cut below 2^e); callers supply enough extra bits that it only
 * breaks ties. Returns inf on overflow and a zero on complete underflow.
 */
function roundToLongDouble(neg: boolean, n: bigint, e: number, sticky: boolean): LongDouble {
  const top = e + bitLength(n) - 1;
  if (top >= OVERFLOW_EXP) return { neg, m: 0n, e: 0, inf: true };
  const lsb = Math.max(top - (PRECISION - 1), MIN_QUANTUM_EXP);
  const shift = lsb - e;
  if (shift <= 0) return { neg, m: n << BigInt(-shift), e: lsb, inf: false };
  const s = BigInt(shift);
  let q = n >> s;
  const rem = n - (q << s);
  const half = 1n << (s - 1n);
  if (rem > half || (rem === half && (sticky || (q & 1n) === 1n))) q++;
  let exp = lsb;
  if (q >> BigInt(PRECISION) !== 0n) {
    q >>= 1n;
    exp++;
  }
  if (q !== 0n && exp + bitLength(q) - 1 >= OVERFLOW_EXP) return { neg, m: 0n, e: 0, inf: true };
  return { neg, m: q, e: exp, inf: false };
}

const DECIMAL_RE = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const HEX_RE = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/;
const INF_RE = /^([+-]?)(?:inf|infinity)$/i;

/** Decimal digits * 10^exp10, rounded once. */
function fromDecimal(neg: boolean, digits: string, exp10: number): LongDouble | null {
  const trimmed = digits.replace(/^0+/, '');
  if (trimmed === '') return { ...ZERO, neg };
  // Magnitude is in [10^(len-1+exp10), 10^(len+exp10)): settle far out-of-range values without
  // building enormous powers of ten. The largest value is ~1.19e4932, the smallest ~3.6e-4951.
  if (trimmed.length - 1 + exp10 > 4933) return null;
  if (trimmed.length + exp10 < -4951) return null;
  const d = BigInt(trimmed);
  if (exp10 >= 0) {
    const r = roundToLongDouble(neg, d * 10n ** BigInt(exp10), 0, false);
    return r.inf ? null : r;
  }
  const den = 10n ** BigInt(-exp10);
  const k = Math.max(0, bitLength(den) - bitLength(d) + PRECISION + 2);
  const num = d << BigInt(k);
  const q = num / den;
  const r = roundToLongDouble(neg, q, -k, num - q * den !== 0n);
  if (r.inf || r.m === 0n) return null;
  return r;
}

/**
 * strtold over the whole string, with Redis's extra rules (string2ld): no leading space, no
 * trailing bytes (a NUL byte included), no NaN, no overflow, no underflow to zero, under 5120
 * bytes.
 * Null if Redis would answer "not a valid float".
 */
export function parseLongDouble(s: string): LongDouble | null {
  if (s.length === 0 || s.length >= MAX_CHARS) return null;
  let m = DECIMAL_RE.exec(s);
  if (m) {
    const int = m[2];
    const frac = m[3] ?? '';
    if (int === '' && frac === '') return null;
    const exp = m[4] === undefined ? 0 : Number(m[4]);
    return fromDecimal(m[1] === '-', int + frac, exp - frac.length);
  }
  m = HEX_RE.exec(s);
  if (m) {
    const int = m[2];
    const frac = m[3] ?? '';
    if (int === '' && frac === '') return null;
    const neg = m[1] === '-';
    const n = BigInt(`0x${int}${frac}`);
    if (n === 0n) return { ...ZERO, neg };
    const exp = (m[4] === undefined ? 0 : Number(m[4])) - 4 * frac.length;
    const top = exp + bitLength(n) - 1;
    if (top >= OVERFLOW_EXP) return null;
    if (top < MIN_QUANTUM_EXP - 1) return null;
    const r = roundToLongDouble(neg, n, exp, false);
    return r.inf || r.m === 0n ? null : r;
  }
  m = INF_RE.exec(s);
  if (m) return { neg: m[1] === '-', m: 0n, e: 0, inf: true };
  return null;
}

/** a + b rounded to a long double; null when the result is NaN or infinite. */
export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble | null {
  if (a.inf || b.inf) return null;
  if (a.m === 0n && b.m === 0n) return { ...ZERO, neg: a.neg && b.neg };
  if (a.m === 0n) return b;
  if (b.m === 0n) return a;
  const e = Math.min(a.e, b.e);
  const na = a.m << BigInt(a.e - e);
  const nb = b.m << BigInt(b.e - e);
  const sum = (a.neg ? -na : na) + (b.neg ? -nb : nb);
  if (sum === 0n) return { ...ZERO };
  const r = roundToLongDouble(sum < 0n, sum < 0n ? -sum : sum, e, false);
  return r.inf ? null : r;
}

const TEN17 = 10n ** 17n;

/**
 * `%.17Lf`, then trailing zeros (and a bare '.') removed, and "-0" printed as "0": Redis's
 * "human friendly" long double format.
 */
export function formatLongDoubleHuman(v: LongDouble): string {
  if (v.inf) return v.neg ? '-inf' : 'inf';
  let scaled: bigint;
  if (v.e >= 0) {
    scaled = (v.m << BigInt(v.e)) * TEN17;
  } else {
    const s = BigInt(-v.e);
    const x = v.m * TEN17;
    scaled = x >> s;
    const rem = x - (scaled << s);
    const half = 1n << (s - 1n);
    if (rem > half || (rem === half && (scaled & 1n) === 1n)) scaled++;
  }
  const digits = scaled.toString().padStart(18, '0');
  const intPart = digits.slice(0, -17);
  const frac = digits.slice(-17).replace(/0+$/, '');
  const body = frac === '' ? intPart : `${intPart}.${frac}`;
  if (!v.neg || body === '0') return body;
  return `-${body}`;
}
