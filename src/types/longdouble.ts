/**
 * Exact emulation of the x86 80-bit `long double` that Redis uses for HINCRBYFLOAT (and
 * blocking timeouts): strtold's acceptance and rounding, addition, and `%.17Lf` output with
 * trailing zeros removed. JS doubles would print 0.1 + 0.2 as 0.30000000000000004 where Redis
 * prints 0.3, so the arithmetic is done on 64-bit mantissas with BigInt.
 */

/** A finite value m * 2^e (m < 2^64), or an infinity. */
export interface LongDouble {
  neg: boolean;
  m: bigint;
  e: number;
  inf: boolean;
}

const MANT_BITS = 64;
/** Exponent of the least significant mantissa bit of the smallest subnormal. */
const MIN_E = -16445;
/** Values at or above 2^16384 overflow. */
const MAX_BITS = 16384;
/** Redis's MAX_LONG_DOUBLE_CHARS: longer strings are rejected outright. */
const MAX_CHARS = 5 * 1024;

const DEC_RE = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const HEX_RE = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/;
const INF_RE = /^([+-]?)(inf|infinity)$/i;

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/** Divides and rounds half to even. */
function divRound(p: bigint, q: bigint): bigint {
  const d = p / q;
  const r2 = (p % q) * 2n;
  if (r2 > q || (r2 === q && (d & 1n) === 1n)) return d + 1n;
  return d;
}

/**
 * Rounds the positive rational p/q * 2^shift to a long double. Returns null on underflow to
 * zero (strtold's ERANGE with a zero result, which Redis rejects).
 */
function round(neg: boolean, p: bigint, q: bigint, shift: number): LongDouble | null {
  if (p === 0n) return { neg, m: 0n, e: 0, inf: false };
  // Pick e so that the quotient has MANT_BITS bits (or fewer for subnormals).
  let e = bitLength(p) - bitLength(q) + shift - MANT_BITS;
  if (e < MIN_E) e = MIN_E;
  const scale = e - shift;
  let m = scale >= 0 ? divRound(p, q << BigInt(scale)) : divRound(p << BigInt(-scale), q);
  if (bitLength(m) > MANT_BITS) {
    // The estimate was one bit short (or rounding carried): redo one bit coarser.
    e++;
    const s = e - shift;
    m = s >= 0 ? divRound(p, q << BigInt(s)) : divRound(p << BigInt(-s), q);
  }
  if (m === 0n) return null;
  if (bitLength(m) + e > MAX_BITS) return { neg, m: 0n, e: 0, inf: true };
  return { neg, m, e, inf: false };
}

function parseDecimal(neg: boolean, int: string, frac: string, exp: number): LongDouble | null {
  const digits = (int + frac).replace(/^0+/, '');
  if (digits === '') return { neg, m: 0n, e: 0, inf: false };
  const e10 = exp - frac.length;
  // Far outside the long double range: overflow or underflow without big arithmetic.
  const magnitude = digits.length + e10;
  if (magnitude > 4940) return { neg, m: 0n, e: 0, inf: true };
  if (magnitude < -4960) return null;
  const d = BigInt(digits);
  return e10 >= 0
    ? round(neg, d * 10n ** BigInt(e10), 1n, 0)
    : round(neg, d, 10n ** BigInt(-e10), 0);
}

/** strtold over the whole string as Redis's string2ld accepts it; null when rejected. */
export function parseLD(input: string): LongDouble | null {
  if (input.length === 0 || input.length >= MAX_CHARS) return null;
  const s = input;
  const dec = DEC_RE.exec(s);
  if (dec && (dec[2] !== '' || (dec[3] ?? '') !== '')) {
    const exp = dec[4] === undefined ? 0 : Number(dec[4]);
    if (!Number.isFinite(exp) || Math.abs(exp) > 1e9) {
      // Zero stays zero; anything else overflows or underflows, which Redis rejects.
      const zero = /^0*$/.test(dec[2] + (dec[3] ?? ''));
      return zero ? { neg: dec[1] === '-', m: 0n, e: 0, inf: false } : null;
    }
    const r = parseDecimal(dec[1] === '-', dec[2], dec[3] ?? '', exp);
    return r && r.inf ? null : r;
  }
  const hex = HEX_RE.exec(s);
  if (hex && (hex[2] !== '' || (hex[3] ?? '') !== '')) {
    const frac = hex[3] ?? '';
    const mant = BigInt('0x0' + hex[2] + frac);
    const p = hex[4] === undefined ? 0 : Number(hex[4]);
    if (mant === 0n) return { neg: hex[1] === '-', m: 0n, e: 0, inf: false };
    if (Math.abs(p) > 100000) return null;
    const r = round(hex[1] === '-', mant, 1n, p - 4 * frac.length);
    return r && r.inf ? null : r;
  }
  const inf = INF_RE.exec(s);
  if (inf) return { neg: inf[1] === '-', m: 0n, e: 0, inf: true };
  return null;
}

export function addLD(a: LongDouble, b: LongDouble): LongDouble {
  if (a.inf || b.inf) return a.inf ? a : b;
  if (a.m === 0n) return b.m === 0n ? { ...a, neg: a.neg && b.neg } : b;
  if (b.m === 0n) return a;
  const e = Math.min(a.e, b.e);
  const sa = (a.neg ? -a.m : a.m) << BigInt(a.e - e);
  const sb = (b.neg ? -b.m : b.m) << BigInt(b.e - e);
  const sum = sa + sb;
  if (sum === 0n) return { neg: false, m: 0n, e: 0, inf: false };
  const neg = sum < 0n;
  const r = round(neg, neg ? -sum : sum, 1n, e);
  return r ?? { neg, m: 0n, e: 0, inf: false };
}

export function isInf(x: LongDouble): boolean {
  return x.inf;
}

/** `%.17Lf` with trailing zeros (and a bare '.') removed, and "-0" printed as "0". */
export function formatLDHuman(x: LongDouble): string {
  if (x.inf) return x.neg ? '-inf' : 'inf';
  const scaled =
    x.e >= 0 ? (x.m << BigInt(x.e)) * 10n ** 17n : divRound(x.m * 10n ** 17n, 1n << BigInt(-x.e));
  let digits = scaled.toString().padStart(18, '0');
  digits = `${digits.slice(0, -17)}.${digits.slice(-17)}`.replace(/0+$/, '').replace(/\.$/, '');
  if (x.neg && digits !== '0') return `-${digits}`;
  return digits;
}

/** The long double as the nearest JS number (Infinity beyond the double range). */
export function ldToNumber(x: LongDouble): number {
  if (x.inf) return x.neg ? -Infinity : Infinity;
  const v = Number(x.m) * 2 ** x.e;
  return x.neg ? -v : v;
}

/** A long double argument (string2ld rules) as a JS number; null when Redis rejects it. */
export function parseLongDouble(s: string): number | null {
  const x = parseLD(s);
  return x === null ? null : ldToNumber(x);
}
