/**
 * MurmurHash64A (Austin Appleby's 64-bit hash for 64-bit platforms), the hash Redis's
 * HyperLogLog uses, over bytes with little-endian block reads as on x86-64. 64-bit values are
 * kept as two uint32 halves (much faster than BigInt on the PFADD path).
 */

const M_HI = 0xc6a4a793;
const M_LO = 0x5bd1e995;

/** The low 64 bits of (ah:al) * (bh:bl), written to out[0] = hi, out[1] = lo. */
function mul64(ah: number, al: number, bh: number, bl: number, out: Uint32Array): void {
  const a0 = al & 0xffff;
  const a1 = al >>> 16;
  const b0 = bl & 0xffff;
  const b1 = bl >>> 16;
  const p00 = a0 * b0;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const p11 = a1 * b1;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  out[1] = ((mid & 0xffff) << 16) | (p00 & 0xffff);
  const carry = (mid >>> 16) + (p01 >>> 16) + (p10 >>> 16) + p11;
  out[0] = carry + Math.imul(al, bh) + Math.imul(ah, bl);
}

const t = new Uint32Array(2);

/** The hash as [hi, lo] uint32 halves. */
export function murmurHash64A(data: Buffer, seed: number): [number, number] {
  const len = data.length;
  mul64(0, len, M_HI, M_LO, t);
  let hi = t[0];
  let lo = (t[1] ^ seed) >>> 0;
  const tail = len - (len & 7);
  for (let i = 0; i < tail; i += 8) {
    mul64(data.readUInt32LE(i + 4), data.readUInt32LE(i), M_HI, M_LO, t);
    let kh = t[0];
    let kl = (t[1] ^ (kh >>> 15)) >>> 0;
    mul64(kh, kl, M_HI, M_LO, t);
    kh = t[0];
    kl = t[1];
    mul64((hi ^ kh) >>> 0, (lo ^ kl) >>> 0, M_HI, M_LO, t);
    hi = t[0];
    lo = t[1];
  }
  const rem = len & 7;
  if (rem !== 0) {
    for (let i = rem - 1; i >= 0; i--) {
      const b = data[tail + i];
      if (i >= 4) hi = (hi ^ (b << (8 * (i - 4)))) >>> 0;
      else lo = (lo ^ (b << (8 * i))) >>> 0;
    }
    mul64(hi, lo, M_HI, M_LO, t);
    hi = t[0];
    lo = t[1];
  }
  lo = (lo ^ (hi >>> 15)) >>> 0;
  mul64(hi, lo, M_HI, M_LO, t);
  hi = t[0];
  lo = (t[1] ^ (t[0] >>> 15)) >>> 0;
  return [hi, lo];
}
