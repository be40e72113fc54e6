/**
 * CRC16/XMODEM (polynomial 0x1021, init 0, no reflection, no final xor) and Redis Cluster's key
 * to hash-slot mapping with `{hash tags}`. Keys are latin1 strings (one char = one byte).
 */

const TABLE = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  let crc = i << 8;
  for (let b = 0; b < 8; b++)
    crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  TABLE[i] = crc;
}

/** CRC16 of the bytes `s[start..end)`. */
export function crc16(s: string, start = 0, end = s.length): number {
  let crc = 0;
  for (let i = start; i < end; i++) {
    crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ s.charCodeAt(i)) & 0xff];
  }
  return crc;
}

export const SLOTS = 16384;

/** The hash slot of a key: only the first non-empty `{...}` tag is hashed when there is one. */
export function keyHashSlot(key: string): number {
  const open = key.indexOf('{');
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) return crc16(key, open + 1, close) & 0x3fff;
  }
  return crc16(key) & 0x3fff;
}
