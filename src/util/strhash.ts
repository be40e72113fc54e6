/**
 * The hash of a latin1 string (one char per byte) that our own tables index by: FNV-1a over the
 * bytes, then murmur3's finalizer, so every output bit (the low ones pick a part or segment,
 * the high ones a position) depends on every input byte.
 *
 * With `sample`, a string longer than that many bytes contributes its length, `sample` bytes
 * spread over its whole length and its last byte: a caller hashing on every lookup (the
 * keyspace) stays cheap for long keys, at the price of equal hashes for strings that differ only
 * between the sampled bytes. Tables that store hashes and probe by them (FieldTable) hash every
 * byte.
 */
export function strHash(s: string, sample = Infinity): number {
  let h = 0x811c9dc5 | 0;
  const n = s.length;
  if (n <= sample) {
    for (let i = 0; i < n; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  } else {
    h = Math.imul(h ^ n, 0x01000193);
    const step = n / sample;
    for (let k = 0; k < sample; k++) {
      h = Math.imul(h ^ s.charCodeAt(Math.floor(k * step)), 0x01000193);
    }
    h = Math.imul(h ^ s.charCodeAt(n - 1), 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
