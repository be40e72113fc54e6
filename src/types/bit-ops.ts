/**
 * Bit-level primitives over string values (latin1 JS strings or byte buffers): counting and
 * searching bits in a range, bitwise combination, and reading/writing the integer fields of
 * BITFIELD. Bit 0 is the most significant bit of byte 0, as in Redis.
 */

const POPCOUNT = new Uint8Array(256);
for (let i = 1; i < 256; i++) POPCOUNT[i] = (i & 1) + POPCOUNT[i >> 1];

/** Number of set bits in bits [startBit, endBit] of `s` (both inside the string). */
export function countBits(s: string, startBit: number, endBit: number): number {
  const first = Math.floor(startBit / 8);
  const last = Math.floor(endBit / 8);
  let n = 0;
  for (let i = first; i <= last; i++) n += POPCOUNT[s.charCodeAt(i)];
  // Take back the bits of the edge bytes that lie outside the range.
  const headMask = (0xff00 >> (startBit % 8)) & 0xff;
  const tailMask = (1 << (7 - (endBit % 8))) - 1;
  n -= POPCOUNT[s.charCodeAt(first) & headMask];
  n -= POPCOUNT[s.charCodeAt(last) & tailMask];
  return n;
}

/** Index of the first bit equal to `bit` in bits [startBit, endBit] of `s`, or -1. */
export function findBit(s: string, startBit: number, endBit: number, bit: 0 | 1): number {
  const first = Math.floor(startBit / 8);
  const last = Math.floor(endBit / 8);
  const boring = bit ? 0 : 0xff;
  for (let i = first; i <= last; i++) {
    const b = s.charCodeAt(i);
    if (b === boring && i !== first && i !== last) continue;
    const lo = i === first ? startBit % 8 : 0;
    const hi = i === last ? endBit % 8 : 7;
    for (let k = lo; k <= hi; k++) if (((b >> (7 - k)) & 1) === bit) return i * 8 + k;
  }
  return -1;
}

export type BitOp = 'AND' | 'OR' | 'XOR' | 'NOT';

/** BITOP over the sources (missing keys are empty); the result is as long as the longest. */
export function combine(op: BitOp, sources: string[]): string {
  let maxlen = 0;
  for (const s of sources) if (s.length > maxlen) maxlen = s.length;
  const bufs = sources.map((s) => Buffer.from(s, 'latin1'));
  const out = Buffer.alloc(maxlen);
  const first = bufs[0];
  for (let i = 0; i < maxlen; i++) {
    let v = i < first.length ? first[i] : 0;
    if (op === 'NOT') v = ~v & 0xff;
    for (let k = 1; k < bufs.length; k++) {
      const b = i < bufs[k].length ? bufs[k][i] : 0;
      if (op === 'AND') v &= b;
      else if (op === 'OR') v |= b;
      else v ^= b;
    }
    out[i] = v;
  }
  return out.toString('latin1');
}

/** Bytes of a value for BITFIELD: zero beyond the end. */
export type ByteSource = string | Uint8Array;

function byteAt(src: ByteSource, i: number): number {
  if (typeof src === 'string') return i < src.length ? src.charCodeAt(i) : 0;
  return i < src.length ? src[i] : 0;
}

/** The `bits`-wide unsigned field at bit `offset` (bits <= 64). */
export function readField(src: ByteSource, offset: number, bits: number): bigint {
  let v = 0n;
  let pos = offset;
  let left = bits;
  while (left > 0) {
    const byte = Math.floor(pos / 8);
    const bitInByte = pos % 8;
    const take = Math.min(8 - bitInByte, left);
    const chunk = (byteAt(src, byte) >> (8 - bitInByte - take)) & ((1 << take) - 1);
    v = (v << BigInt(take)) | BigInt(chunk);
    pos += take;
    left -= take;
  }
  return v;
}

/** Writes the low `bits` bits of `value` at bit `offset` of `buf` (which is long enough). */
export function writeField(buf: Uint8Array, offset: number, bits: number, value: bigint): void {
  let v = BigInt.asUintN(bits, value);
  let pos = offset + bits;
  let left = bits;
  while (left > 0) {
    // Fill from the last bit backwards, a byte-aligned chunk at a time.
    const end = pos;
    const bitInByte = (end - 1) % 8;
    const take = Math.min(bitInByte + 1, left);
    const byte = Math.floor((end - 1) / 8);
    const shift = 7 - bitInByte;
    const mask = ((1 << take) - 1) << shift;
    const chunk = Number(v & ((1n << BigInt(take)) - 1n));
    buf[byte] = (buf[byte] & ~mask) | ((chunk << shift) & mask);
    v >>= BigInt(take);
    pos -= take;
    left -= take;
  }
}

const INT64_MAX = 9223372036854775807n;

/**
 * Whether value + incr leaves the range of a `bits`-wide field: 1 above, -1 below, 0 inside.
 * This follows Redis's checks literally, including their 64-bit wraparound: a signed SET of a
 * value far below the minimum (near -2^63) counts as overflowing upwards, so SAT stores the
 * maximum there, as redis-server does.
 */
export function fieldOverflow(signed: boolean, bits: number, value: bigint, incr: bigint): number {
  if (signed) {
    const max = bits === 64 ? INT64_MAX : (1n << BigInt(bits - 1)) - 1n;
    const min = -max - 1n;
    const maxIncr = BigInt.asIntN(64, max - value);
    const minIncr = BigInt.asIntN(64, min - value);
    if (value > max || (bits !== 64 && incr > maxIncr)) return 1;
    if (value >= 0n && incr > 0n && incr > maxIncr) return 1;
    if (value < min || (bits !== 64 && incr < minIncr)) return -1;
    if (value < 0n && incr < 0n && incr < minIncr) return -1;
    return 0;
  }
  const max = (1n << BigInt(bits)) - 1n;
  const maxIncr = BigInt.asIntN(64, max - value);
  const minIncr = BigInt.asIntN(64, -value);
  if (value > max || (incr > 0n && incr > maxIncr)) return 1;
  if (incr < 0n && incr < minIncr) return -1;
  return 0;
}
