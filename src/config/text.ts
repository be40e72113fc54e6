/**
 * The small text conversions the configuration needs, with Redis's exact acceptance rules:
 * memory values with units (memtoull), plain 64-bit integers (string2ll), octal numbers (strtoll
 * base 8), C-style quoting for rewritten lines (sdscatrepr) and the unit notation CONFIG REWRITE
 * writes memory values in.
 */
import { parseInt64 } from '../util/parse.js';

export const U64 = 1n << 64n;
export const I64_MAX = (1n << 63n) - 1n;
export const I64_MIN = -(1n << 63n);
export const U64_MAX = U64 - 1n;
export const I32_MAX = 2147483647n;
export const I32_MIN = -2147483648n;
export const U32_MAX = 4294967295n;

const UNITS: Record<string, bigint> = {
  '': 1n,
  b: 1n,
  k: 1000n,
  kb: 1024n,
  m: 1000n * 1000n,
  mb: 1024n * 1024n,
  g: 1000n * 1000n * 1000n,
  gb: 1024n * 1024n * 1024n,
};

/**
 * A memory value as Redis reads it: decimal digits then an optional unit (b, k, kb, m, mb, g,
 * gb; any case). No sign, no spaces. Digits saturate at 2^64-1 as strtoull does, and an empty
 * number counts as 0 ("kb" is 0 bytes). Null when malformed or when the unit overflows.
 */
export function parseMemory(s: string): bigint | null {
  if (s.startsWith('-')) return null;
  let i = 0;
  while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
  const mul = UNITS[s.slice(i).toLowerCase()];
  if (mul === undefined) return null;
  let v = i === 0 ? 0n : BigInt(s.slice(0, i));
  if (v > U64_MAX) v = U64_MAX;
  if (v > U64_MAX / mul) return null;
  return v * mul;
}

/** A plain integer as string2ll accepts it (no '+', no leading zeros, no spaces). */
export function parseInteger(s: string): bigint | null {
  return parseInt64(s);
}

/** An octal number as strtoll(s, &end, 8) with a full-string check accepts it. */
export function parseOctal(s: string): bigint | null {
  if (s === '') return 0n;
  const m = /^[ \t\n\v\f\r]*([+-]?)([0-7]+)$/.exec(s);
  if (!m) return null;
  const v = BigInt('0o' + m[2]) * (m[1] === '-' ? -1n : 1n);
  return v > I64_MAX || v < I64_MIN ? null : v;
}

/** A strtoll(s, &end, 10) parse that must consume the whole string (save, buffer limits). */
export function parseStrtoll(s: string): bigint | null {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)$/.exec(s);
  if (!m) return s === '' ? 0n : null;
  let v = BigInt(m[1]);
  if (v > I64_MAX) v = I64_MAX;
  if (v < I64_MIN) v = I64_MIN;
  return v;
}

/** The unit notation of CONFIG REWRITE: the largest of gb/mb/kb that divides the value. */
export function formatMemory(bytes: bigint): string {
  const GB = 1024n * 1024n * 1024n;
  const MB = 1024n * 1024n;
  const KB = 1024n;
  if (bytes !== 0n && bytes % GB === 0n) return `${bytes / GB}gb`;
  if (bytes !== 0n && bytes % MB === 0n) return `${bytes / MB}mb`;
  if (bytes !== 0n && bytes % KB === 0n) return `${bytes / KB}kb`;
  return String(bytes);
}

const REPR: Record<string, string> = {
  '\\': '\\\\',
  '"': '\\"',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\x07': '\\a',
  '\b': '\\b',
};

/** Double-quoted with C escapes, bytes outside printable ASCII as \xHH (sdscatrepr). */
export function quote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.charCodeAt(0);
    if (REPR[ch]) out += REPR[ch];
    else if (code >= 0x20 && code <= 0x7e) out += ch;
    else out += '\\x' + code.toString(16).padStart(2, '0');
  }
  return out + '"';
}

/** printf("%f") with trailing zeros (and a trailing dot) removed, as Redis prints percentiles. */
export function formatPercentile(d: number): string {
  const s = d.toFixed(6);
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}
