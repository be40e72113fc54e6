/**
 * MurmurHash64A (Austin Appleby's 64-bit hash for 64-bit platforms), the hash Redis's
 * HyperLogLog uses, over bytes, little-endian block reads as on x86-64.
 */

const M = 0xc6a4a7935bd1e995n;
const MASK = 0xffffffffffffffffn;

export function murmurHash64A(data: Buffer, seed: number): bigint {
  const len = data.length;
  let h = BigInt(seed) ^ ((BigInt(len) * M) & MASK);
  const tail = len - (len & 7);
  for (let i = 0; i < tail; i += 8) {
    let k = data.readBigUInt64LE(i);
    k = (k * M) & MASK;
    k ^= k >> 47n;
    k = (k * M) & MASK;
    h ^= k;
    h = (h * M) & MASK;
  }
  const rem = len & 7;
  if (rem !== 0) {
    for (let i = rem - 1; i >= 0; i--) h ^= BigInt(data[tail + i]) << BigInt(8 * i);
    h = (h * M) & MASK;
  }
  h ^= h >> 47n;
  h = (h * M) & MASK;
  h ^= h >> 47n;
  return h;
}
