/** The intset blob format (RDB value type 11): sorted unique integers of one width. */

export class IntsetError extends Error {}

export function encodeIntset(values: readonly bigint[]): Buffer {
  const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let width = 2;
  for (const v of sorted) {
    if (v < -2147483648n || v > 2147483647n) width = 8;
    else if ((v < -32768n || v > 32767n) && width < 4) width = 4;
  }
  const out = Buffer.alloc(8 + sorted.length * width);
  out.writeUInt32LE(width, 0);
  out.writeUInt32LE(sorted.length, 4);
  sorted.forEach((v, i) => {
    const p = 8 + i * width;
    if (width === 2) out.writeInt16LE(Number(v), p);
    else if (width === 4) out.writeInt32LE(Number(v), p);
    else out.writeBigInt64LE(v, p);
  });
  return out;
}

export function decodeIntset(buf: Buffer): bigint[] {
  if (buf.length < 8) throw new IntsetError('intset too short');
  const width = buf.readUInt32LE(0);
  const count = buf.readUInt32LE(4);
  if (width !== 2 && width !== 4 && width !== 8) throw new IntsetError('bad intset encoding');
  if (count === 0 || 8 + count * width !== buf.length) throw new IntsetError('bad intset size');
  const out: bigint[] = [];
  for (let i = 0; i < count; i++) {
    const p = 8 + i * width;
    if (width === 2) out.push(BigInt(buf.readInt16LE(p)));
    else if (width === 4) out.push(BigInt(buf.readInt32LE(p)));
    else out.push(buf.readBigInt64LE(p));
  }
  return out;
}
