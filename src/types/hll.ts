/**
 * Redis's HyperLogLog string format, bit for bit: a 16-byte header ("HYLL", encoding byte,
 * three unused bytes, the cached cardinality as 8 little-endian bytes whose top bit marks it
 * stale) followed by 16384 6-bit registers, either dense (12288 bytes) or sparse (ZERO, XZERO
 * and VAL run-length opcodes). Updates follow Redis's exact opcode rewriting and merging so
 * PFADD leaves the same bytes, and the cardinality uses 7.0's estimator (Ertl's sigma/tau).
 */
import { murmurHash64A } from './hll-murmur.js';

export const HLL_P = 14;
export const HLL_REGISTERS = 1 << HLL_P;
const HLL_Q = 64 - HLL_P;
const HDR = 16;
const DENSE_SIZE = HDR + Math.ceil((HLL_REGISTERS * 6) / 8);
const DENSE = 0;
const SPARSE = 1;
const VAL_MAX_VALUE = 32;
const VAL_MAX_LEN = 4;
const ZERO_MAX_LEN = 64;
const XZERO_MAX_LEN = 16384;
const SEED = 0xadc83b19;
/** 1 / (2 ln 2), as a double. */
const ALPHA_INF = 0.7213475204444817;

/** Thrown for a sparse HLL whose opcodes do not cover exactly 16384 registers. */
export class CorruptHll extends Error {}

/** Whether a string value is a HyperLogLog Redis would accept (isHLLObjectOrReply). */
export function isHll(s: string): boolean {
  if (s.length < HDR || !s.startsWith('HYLL')) return false;
  const enc = s.charCodeAt(4);
  if (enc > SPARSE) return false;
  return enc !== DENSE || s.length === DENSE_SIZE;
}

/** An empty sparse HLL: one XZERO opcode covering every register. */
export function createHll(): Buffer {
  const b = Buffer.alloc(HDR + 2);
  b.write('HYLL', 0, 'latin1');
  b[4] = SPARSE;
  const len = XZERO_MAX_LEN - 1;
  b[HDR] = 0x40 | (len >> 8);
  b[HDR + 1] = len & 0xff;
  return b;
}

/** Register index and run length of leading-zero-plus-one for an element (hllPatLen). */
export function patLen(ele: Buffer): { index: number; count: number } {
  const [hi, lo] = murmurHash64A(ele, SEED);
  const index = lo & (HLL_REGISTERS - 1);
  // The remaining 50 bits, with bit 50 set as a sentinel; count = trailing zeros + 1.
  const rlo = ((lo >>> HLL_P) | (hi << (32 - HLL_P))) >>> 0;
  const rhi = (hi >>> HLL_P) | (1 << (HLL_Q - 32));
  if (rlo !== 0) return { index, count: 32 - Math.clz32(rlo & -rlo) };
  return { index, count: 64 - Math.clz32(rhi & -rhi) };
}

// --- dense --------------------------------------------------------------------------------

export function denseGet(b: Buffer, i: number): number {
  const byte = HDR + ((i * 6) >> 3);
  const fb = (i * 6) & 7;
  const b0 = b[byte];
  const b1 = byte + 1 < b.length ? b[byte + 1] : 0;
  return ((b0 >> fb) | (b1 << (8 - fb))) & 63;
}

function denseSetRaw(b: Buffer, i: number, v: number): void {
  const byte = HDR + ((i * 6) >> 3);
  const fb = (i * 6) & 7;
  b[byte] = (b[byte] & ~(63 << fb)) | ((v << fb) & 0xff);
  if (fb > 2) b[byte + 1] = (b[byte + 1] & ~(63 >> (8 - fb))) | (v >> (8 - fb));
}

/** Raises register `i` to `count`; true if it changed. */
function denseSet(b: Buffer, i: number, count: number): boolean {
  if (count <= denseGet(b, i)) return false;
  denseSetRaw(b, i, count);
  return true;
}

// --- sparse -------------------------------------------------------------------------------

const isZero = (op: number) => (op & 0xc0) === 0;
const isXzero = (op: number) => (op & 0xc0) === 0x40;
const zeroLen = (op: number) => (op & 0x3f) + 1;
const xzeroLen = (b: Buffer, p: number) => (((b[p] & 0x3f) << 8) | b[p + 1]) + 1;
const valValue = (op: number) => ((op >> 2) & 0x1f) + 1;
const valLen = (op: number) => (op & 0x3) + 1;
const valOp = (v: number, len: number) => 0x80 | ((v - 1) << 2) | (len - 1);

function pushZeros(seq: number[], len: number): void {
  if (len > ZERO_MAX_LEN) seq.push(0x40 | ((len - 1) >> 8), (len - 1) & 0xff);
  else seq.push(len - 1);
}

/** Converts a sparse HLL to dense (the header, cached cardinality included, is kept). */
export function sparseToDense(b: Buffer): Buffer {
  if (b[4] === DENSE) return b;
  const d = Buffer.alloc(DENSE_SIZE);
  b.copy(d, 0, 0, HDR);
  d[4] = DENSE;
  let idx = 0;
  let p = HDR;
  while (p < b.length) {
    const op = b[p];
    let run: number;
    if (isZero(op)) {
      run = zeroLen(op);
      p++;
    } else if (isXzero(op)) {
      run = xzeroLen(b, p);
      p += 2;
    } else {
      run = valLen(op);
      if (run + idx > HLL_REGISTERS) break;
      const v = valValue(op);
      for (let k = 0; k < run; k++) denseSetRaw(d, idx + k, v);
      p++;
    }
    if (run + idx > HLL_REGISTERS) break;
    idx += run;
  }
  if (idx !== HLL_REGISTERS) throw new CorruptHll();
  return d;
}

/**
 * Raises register `index` of a sparse HLL to `count`, rewriting the covering opcode as Redis
 * does (and merging neighbouring equal VAL runs); promotes to dense when the value does not fit
 * a VAL opcode or the string would pass `maxBytes`. Returns the (possibly new) buffer and
 * whether anything changed.
 */
export function sparseSet(
  b: Buffer,
  index: number,
  count: number,
  maxBytes: number,
): { hll: Buffer; changed: boolean } {
  if (count > VAL_MAX_VALUE) return promote(b, index, count);
  let p = HDR;
  let first = 0;
  let prev = -1;
  let span = 0;
  const end = b.length;
  while (p < end) {
    const op = b[p];
    let oplen = 1;
    if (isZero(op)) span = zeroLen(op);
    else if (isXzero(op)) {
      span = xzeroLen(b, p);
      oplen = 2;
    } else span = valLen(op);
    if (index <= first + span - 1) break;
    prev = p;
    p += oplen;
    first += span;
  }
  if (span === 0 || p >= end) throw new CorruptHll();
  const op = b[p];
  const zero = isZero(op);
  const xzero = isXzero(op);
  const runlen = zero ? zeroLen(op) : xzero ? xzeroLen(b, p) : valLen(op);
  let out = b;
  if (!zero && !xzero) {
    if (valValue(op) >= count) return { hll: b, changed: false };
    if (runlen === 1) {
      b[p] = valOp(count, 1);
      return { hll: merged(b, prev), changed: true };
    }
  }
  if (zero && runlen === 1) {
    b[p] = valOp(count, 1);
    return { hll: merged(b, prev), changed: true };
  }
  // Split the run into up to three opcodes: before, the new value, after.
  const seq: number[] = [];
  const last = first + span - 1;
  if (zero || xzero) {
    if (index !== first) pushZeros(seq, index - first);
    seq.push(valOp(count, 1));
    if (index !== last) pushZeros(seq, last - index);
  } else {
    const cur = valValue(op);
    if (index !== first) seq.push(valOp(cur, index - first));
    seq.push(valOp(count, 1));
    if (index !== last) seq.push(valOp(cur, last - index));
  }
  const oldlen = xzero ? 2 : 1;
  const delta = seq.length - oldlen;
  if (delta > 0 && end + delta > maxBytes) return promote(b, index, count);
  out = Buffer.concat([b.subarray(0, p), Buffer.from(seq), b.subarray(p + oldlen)]);
  return { hll: merged(out, prev), changed: true };
}

/** Merges adjacent VAL opcodes with equal values over the few opcodes after `prev`. */
function merged(b: Buffer, prev: number): Buffer {
  let p = prev >= 0 ? prev : HDR;
  let end = b.length;
  let scan = 5;
  while (p < end && scan-- > 0) {
    const op = b[p];
    if (isXzero(op)) {
      p += 2;
      continue;
    }
    if (isZero(op)) {
      p++;
      continue;
    }
    if (p + 1 < end && !isZero(b[p + 1]) && !isXzero(b[p + 1])) {
      const v1 = valValue(op);
      const v2 = valValue(b[p + 1]);
      if (v1 === v2) {
        const len = valLen(op) + valLen(b[p + 1]);
        if (len <= VAL_MAX_LEN) {
          b[p + 1] = valOp(v1, len);
          b = Buffer.concat([b.subarray(0, p), b.subarray(p + 1)]);
          end--;
          continue;
        }
      }
    }
    p++;
  }
  return b;
}

function promote(b: Buffer, index: number, count: number): { hll: Buffer; changed: boolean } {
  const d = sparseToDense(b);
  denseSet(d, index, count);
  return { hll: d, changed: true };
}

/** Adds one element; returns the (possibly new) buffer and whether a register changed. */
export function hllAdd(
  b: Buffer,
  ele: Buffer,
  maxBytes: number,
): { hll: Buffer; changed: boolean } {
  const { index, count } = patLen(ele);
  if (b[4] === DENSE) return { hll: b, changed: denseSet(b, index, count) };
  return sparseSet(b, index, count, maxBytes);
}

/** max[i] = max(max[i], register i) over one HLL (hllMerge). */
export function mergeInto(max: Uint8Array, b: Buffer): void {
  if (b[4] === DENSE) {
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const v = denseGet(b, i);
      if (v > max[i]) max[i] = v;
    }
    return;
  }
  let i = 0;
  let p = HDR;
  while (p < b.length) {
    const op = b[p];
    if (isZero(op)) {
      i += zeroLen(op);
      p++;
    } else if (isXzero(op)) {
      i += xzeroLen(b, p);
      p += 2;
    } else {
      const run = valLen(op);
      if (run + i > HLL_REGISTERS) break;
      const v = valValue(op);
      for (let k = 0; k < run; k++) if (v > max[i + k]) max[i + k] = v;
      i += run;
      p++;
    }
  }
  if (i !== HLL_REGISTERS) throw new CorruptHll();
}

/** Raises the registers of `b` to `max` one by one, as PFMERGE does. */
export function applyMax(b: Buffer, max: Uint8Array, maxBytes: number): Buffer {
  for (let j = 0; j < HLL_REGISTERS; j++) {
    if (max[j] === 0) continue;
    if (b[4] === DENSE) denseSet(b, j, max[j]);
    else {
      try {
        b = sparseSet(b, j, max[j], maxBytes).hll;
      } catch (e) {
        // Redis ignores a failed sparse update while merging.
        if (!(e instanceof CorruptHll)) throw e;
      }
    }
  }
  return b;
}

// --- cardinality --------------------------------------------------------------------------

function histogram(b: Buffer): number[] {
  const h = new Array<number>(64).fill(0);
  if (b[4] === DENSE) {
    for (let i = 0; i < HLL_REGISTERS; i++) h[denseGet(b, i)]++;
    return h;
  }
  let idx = 0;
  let p = HDR;
  while (p < b.length) {
    const op = b[p];
    let run: number;
    if (isZero(op)) {
      run = zeroLen(op);
      h[0] += run;
      p++;
    } else if (isXzero(op)) {
      run = xzeroLen(b, p);
      h[0] += run;
      p += 2;
    } else {
      run = valLen(op);
      h[valValue(op)] += run;
      p++;
    }
    idx += run;
    if (idx > HLL_REGISTERS) break;
  }
  if (idx !== HLL_REGISTERS) throw new CorruptHll();
  return h;
}

function sigma(x: number): number {
  if (x === 1) return Infinity;
  let zPrime;
  let y = 1;
  let z = x;
  do {
    x *= x;
    zPrime = z;
    z += x * y;
    y += y;
  } while (zPrime !== z);
  return z;
}

function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let zPrime;
  let y = 1;
  let z = 1 - x;
  do {
    x = Math.sqrt(x);
    zPrime = z;
    y *= 0.5;
    const d = 1 - x;
    z -= d * d * y;
  } while (zPrime !== z);
  return z / 3;
}

/** The estimate from a register histogram (7.0's hllCount). */
function estimate(h: number[]): number {
  const m = HLL_REGISTERS;
  let z = m * tau((m - h[HLL_Q + 1]) / m);
  for (let j = HLL_Q; j >= 1; j--) {
    z += h[j];
    z *= 0.5;
  }
  z += m * sigma(h[0] / m);
  const e = (ALPHA_INF * m * m) / z;
  const f = Math.floor(e);
  return e - f >= 0.5 ? f + 1 : f;
}

export function countHll(b: Buffer): number {
  return estimate(histogram(b));
}

export function countRegisters(max: Uint8Array): number {
  const h = new Array<number>(64).fill(0);
  for (let i = 0; i < HLL_REGISTERS; i++) h[max[i]]++;
  return estimate(h);
}

// --- cached cardinality -------------------------------------------------------------------

export function cacheValid(b: Buffer): boolean {
  return (b[15] & 0x80) === 0;
}

export function invalidateCache(b: Buffer): void {
  b[15] |= 0x80;
}

export function readCache(b: Buffer): bigint {
  return b.readBigUInt64LE(8);
}

export function writeCache(b: Buffer, card: number): void {
  b.writeBigUInt64LE(BigInt(card), 8);
}

export function isDense(b: Buffer): boolean {
  return b[4] === DENSE;
}
