/** The legacy ziplist blob (read only): lists, hashes and zsets in RDB files of Redis < 7.0. */
import { RdbFormatError } from './encoding.js';

export function decodeZiplist(buf: Buffer): string[] {
  if (buf.length < 11 || buf.readUInt32LE(0) !== buf.length || buf[buf.length - 1] !== 0xff) {
    throw new RdbFormatError('Ziplist integrity check failed');
  }
  const out: string[] = [];
  let p = 10;
  const need = (n: number): void => {
    if (p + n > buf.length - 1) throw new RdbFormatError('Ziplist integrity check failed');
  };
  while (buf[p] !== 0xff) {
    need(1);
    p += buf[p] === 0xfe ? 5 : 1; // prevlen
    need(1);
    const b = buf[p];
    const kind = b >> 6;
    if (kind === 0) {
      const len = b & 0x3f;
      need(1 + len);
      out.push(buf.toString('latin1', p + 1, p + 1 + len));
      p += 1 + len;
    } else if (kind === 1) {
      need(2);
      const len = ((b & 0x3f) << 8) | buf[p + 1];
      need(2 + len);
      out.push(buf.toString('latin1', p + 2, p + 2 + len));
      p += 2 + len;
    } else if (b === 0x80) {
      need(5);
      const len = buf.readUInt32BE(p + 1);
      need(5 + len);
      out.push(buf.toString('latin1', p + 5, p + 5 + len));
      p += 5 + len;
    } else if (b === 0xc0) {
      need(3);
      out.push(String(buf.readInt16LE(p + 1)));
      p += 3;
    } else if (b === 0xd0) {
      need(5);
      out.push(String(buf.readInt32LE(p + 1)));
      p += 5;
    } else if (b === 0xe0) {
      need(9);
      out.push(String(buf.readBigInt64LE(p + 1)));
      p += 9;
    } else if (b === 0xf0) {
      need(4);
      out.push(String(buf.readIntLE(p + 1, 3)));
      p += 4;
    } else if (b === 0xfe) {
      need(2);
      out.push(String(buf.readInt8(p + 1)));
      p += 2;
    } else if (b >= 0xf1 && b <= 0xfd) {
      out.push(String((b & 0x0f) - 1));
      p += 1;
    } else {
      throw new RdbFormatError('Ziplist integrity check failed');
    }
  }
  return out;
}
