/**
 * CRC-64/Jones as Redis uses it for RDB files and DUMP payloads: reflected polynomial
 * 0x95AC9329AC4BC9B5, initial value 0, no final XOR. Table-driven over two 32-bit halves, because
 * BigInt per byte would be far too slow for multi-gigabyte snapshots.
 */

const POLY_HI = 0x95ac9329;
const POLY_LO = 0xac4bc9b5;
const T_HI = new Uint32Array(256);
const T_LO = new Uint32Array(256);

for (let i = 0; i < 256; i++) {
  let hi = 0;
  let lo = i;
  for (let k = 0; k < 8; k++) {
    const lsb = lo & 1;
    lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
    hi = hi >>> 1;
    if (lsb) {
      hi = (hi ^ POLY_HI) >>> 0;
      lo = (lo ^ POLY_LO) >>> 0;
    }
  }
  T_HI[i] = hi;
  T_LO[i] = lo;
}

/** A running CRC-64 as two 32-bit halves. */
export class Crc64 {
  hi = 0;
  lo = 0;

  update(buf: Uint8Array, start = 0, end = buf.length): this {
    let hi = this.hi;
    let lo = this.lo;
    for (let i = start; i < end; i++) {
      const idx = (lo ^ buf[i]) & 0xff;
      // crc = T[idx] ^ (crc >> 8)
      lo = (T_LO[idx] ^ ((lo >>> 8) | ((hi & 0xff) << 24))) >>> 0;
      hi = (T_HI[idx] ^ (hi >>> 8)) >>> 0;
    }
    this.hi = hi;
    this.lo = lo;
    return this;
  }

  /** The 8 little-endian bytes Redis stores after the data. */
  bytes(): Buffer {
    const b = Buffer.alloc(8);
    b.writeUInt32LE(this.lo, 0);
    b.writeUInt32LE(this.hi, 4);
    return b;
  }

  value(): bigint {
    return (BigInt(this.hi) << 32n) | BigInt(this.lo);
  }
}

export function crc64(buf: Uint8Array): bigint {
  return new Crc64().update(buf).value();
}
