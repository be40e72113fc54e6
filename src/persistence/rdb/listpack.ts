/**
 * The listpack blob format (RDB value types 16, 17, 18): encode a list of byte strings with
 * Redis's encoding choices (canonical integers become integer entries) and decode any valid blob.
 */

export class ListpackError extends Error {}

const INT_RE = /^-?(0|[1-9]\d{0,19})$/;

/** The element as an int64 when it is the canonical decimal form Redis stores as an integer. */
function asInt(s: string): bigint | null {
  if (s.length === 0 || s.length > 20 || !INT_RE.test(s) || s === '-0') return null;
  const v = BigInt(s);
  return v >= -(1n << 63n) && v < 1n << 63n ? v : null;
}

function backlenBytes(l: number): number[] {
  if (l < 128) return [l];
  if (l < 16383) return [l >> 7, (l & 127) | 128];
  if (l < 2097151) return [l >> 14, ((l >> 7) & 127) | 128, (l & 127) | 128];
  if (l < 268435455) {
    return [l >> 21, ((l >> 14) & 127) | 128, ((l >> 7) & 127) | 128, (l & 127) | 128];
  }
  return [
    Math.floor(l / 2 ** 28),
    (Math.floor(l / 2 ** 21) & 127) | 128,
    ((l >> 14) & 127) | 128,
    ((l >> 7) & 127) | 128,
    (l & 127) | 128,
  ];
}

function encodeEntry(s: string): Buffer {
  const v = asInt(s);
  let head: Buffer;
  if (v !== null) {
    const n = Number(v);
    if (v >= 0n && v <= 127n) head = Buffer.from([n]);
    else if (v >= -4096n && v <= 4095n) {
      const u = n < 0 ? n + 8192 : n;
      head = Buffer.from([0xc0 | (u >> 8), u & 0xff]);
    } else if (v >= -32768n && v <= 32767n) {
      head = Buffer.alloc(3);
      head[0] = 0xf1;
      head.writeInt16LE(n, 1);
    } else if (v >= -8388608n && v <= 8388607n) {
      head = Buffer.alloc(4);
      head[0] = 0xf2;
      head.writeIntLE(n, 1, 3);
    } else if (v >= -2147483648n && v <= 2147483647n) {
      head = Buffer.alloc(5);
      head[0] = 0xf3;
      head.writeInt32LE(n, 1);
    } else {
      head = Buffer.alloc(9);
      head[0] = 0xf4;
      head.writeBigInt64LE(v, 1);
    }
  } else {
    const len = s.length;
    if (len < 64) {
      head = Buffer.alloc(1 + len);
      head[0] = 0x80 | len;
      head.write(s, 1, 'latin1');
    } else if (len < 4096) {
      head = Buffer.alloc(2 + len);
      head[0] = 0xe0 | (len >> 8);
      head[1] = len & 0xff;
      head.write(s, 2, 'latin1');
    } else {
      head = Buffer.alloc(5 + len);
      head[0] = 0xf0;
      head.writeUInt32LE(len, 1);
      head.write(s, 5, 'latin1');
    }
  }
  return Buffer.concat([head, Buffer.from(backlenBytes(head.length))]);
}

export function encodeListpack(items: readonly string[]): Buffer {
  const entries = items.map(encodeEntry);
  const total = 6 + entries.reduce((a, e) => a + e.length, 0) + 1;
  const out = Buffer.allocUnsafe(total);
  out.writeUInt32LE(total, 0);
  out.writeUInt16LE(Math.min(items.length, 65535), 4);
  let p = 6;
  for (const e of entries) {
    e.copy(out, p);
    p += e.length;
  }
  out[p] = 0xff;
  return out;
}

function need(buf: Buffer, p: number, n: number): void {
  if (p + n > buf.length - 1) throw new ListpackError('entry out of range');
}

/** Decodes a listpack blob into its elements as latin1 strings. */
export function decodeListpack(buf: Buffer): string[] {
  if (buf.length < 7) throw new ListpackError('listpack too short');
  if (buf.readUInt32LE(0) !== buf.length) throw new ListpackError('listpack size mismatch');
  if (buf[buf.length - 1] !== 0xff) throw new ListpackError('listpack not terminated');
  const declared = buf.readUInt16LE(4);
  const out: string[] = [];
  let p = 6;
  while (buf[p] !== 0xff || p !== buf.length - 1) {
    if (p >= buf.length - 1) throw new ListpackError('entry out of range');
    const b = buf[p];
    const start = p;
    if (b < 0x80) {
      out.push(String(b));
      p += 1;
    } else if (b < 0xc0) {
      const len = b & 0x3f;
      need(buf, p, 1 + len);
      out.push(buf.toString('latin1', p + 1, p + 1 + len));
      p += 1 + len;
    } else if (b < 0xe0) {
      need(buf, p, 2);
      const u = ((b & 0x1f) << 8) | buf[p + 1];
      out.push(String(u >= 4096 ? u - 8192 : u));
      p += 2;
    } else if (b < 0xf0) {
      need(buf, p, 2);
      const len = ((b & 0x0f) << 8) | buf[p + 1];
      need(buf, p, 2 + len);
      out.push(buf.toString('latin1', p + 2, p + 2 + len));
      p += 2 + len;
    } else if (b === 0xf0) {
      need(buf, p, 5);
      const len = buf.readUInt32LE(p + 1);
      need(buf, p, 5 + len);
      out.push(buf.toString('latin1', p + 5, p + 5 + len));
      p += 5 + len;
    } else if (b === 0xf1) {
      need(buf, p, 3);
      out.push(String(buf.readInt16LE(p + 1)));
      p += 3;
    } else if (b === 0xf2) {
      need(buf, p, 4);
      out.push(String(buf.readIntLE(p + 1, 3)));
      p += 4;
    } else if (b === 0xf3) {
      need(buf, p, 5);
      out.push(String(buf.readInt32LE(p + 1)));
      p += 5;
    } else if (b === 0xf4) {
      need(buf, p, 9);
      out.push(String(buf.readBigInt64LE(p + 1)));
      p += 9;
    } else {
      throw new ListpackError('invalid entry encoding');
    }
    const bl = backlenBytes(p - start).length;
    need(buf, p, bl);
    p += bl;
  }
  if (declared !== 65535 && declared !== out.length) {
    throw new ListpackError('listpack count mismatch');
  }
  return out;
}
