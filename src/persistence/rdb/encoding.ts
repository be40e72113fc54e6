/**
 * RDB primitives: length encoding, string encoding (raw, INT8/16/32, LZF), millisecond times
 * and binary doubles, for a writer that appends to chunks and a reader over one buffer.
 */
import { lzfCompress, lzfDecompress, LzfError } from './lzf.js';

export class RdbFormatError extends Error {}

export const RDB_VERSION = 10;

export const RDB_TYPE = {
  STRING: 0,
  LIST: 1,
  SET: 2,
  ZSET: 3,
  HASH: 4,
  ZSET_2: 5,
  MODULE: 6,
  MODULE_2: 7,
  HASH_ZIPMAP: 9,
  LIST_ZIPLIST: 10,
  SET_INTSET: 11,
  ZSET_ZIPLIST: 12,
  HASH_ZIPLIST: 13,
  LIST_QUICKLIST: 14,
  STREAM_LISTPACKS: 15,
  HASH_LISTPACK: 16,
  ZSET_LISTPACK: 17,
  LIST_QUICKLIST_2: 18,
  STREAM_LISTPACKS_2: 19,
} as const;

export const RDB_OPCODE = {
  FUNCTION2: 0xf5,
  FUNCTION: 0xf6,
  MODULE_AUX: 0xf7,
  IDLE: 0xf8,
  FREQ: 0xf9,
  AUX: 0xfa,
  RESIZEDB: 0xfb,
  EXPIRETIME_MS: 0xfc,
  EXPIRETIME: 0xfd,
  SELECTDB: 0xfe,
  EOF: 0xff,
} as const;

const CANONICAL_INT = /^-?(0|[1-9]\d{0,10})$/;

/** Appends RDB-encoded values; `take()` returns and clears what was written. */
export class RdbWriter {
  private chunks: Buffer[] = [];
  private pending: number[] = [];
  size = 0;
  /** Compress strings longer than 20 bytes with LZF (rdbcompression). */
  compress = true;

  private flushBytes(): void {
    if (this.pending.length) {
      this.chunks.push(Buffer.from(this.pending));
      this.pending = [];
    }
  }

  byte(b: number): void {
    this.pending.push(b & 0xff);
    this.size++;
  }

  bytes(b: Buffer): void {
    this.flushBytes();
    this.chunks.push(b);
    this.size += b.length;
  }

  length(n: number): void {
    if (n < 64) this.byte(n);
    else if (n < 16384) {
      this.byte(0x40 | (n >> 8));
      this.byte(n & 0xff);
    } else if (n <= 0xffffffff) {
      const b = Buffer.alloc(5);
      b[0] = 0x80;
      b.writeUInt32BE(n, 1);
      this.bytes(b);
    } else {
      const b = Buffer.alloc(9);
      b[0] = 0x81;
      b.writeBigUInt64BE(BigInt(n), 1);
      this.bytes(b);
    }
  }

  /** A string with Redis's choices: integer encoding when canonical and small, LZF when long. */
  string(s: string): void {
    if (s.length <= 11 && CANONICAL_INT.test(s) && s !== '-0') {
      const v = Number(s);
      if (v >= -128 && v <= 127) {
        this.byte(0xc0);
        this.byte(v);
        return;
      }
      if (v >= -32768 && v <= 32767) {
        const b = Buffer.alloc(3);
        b[0] = 0xc1;
        b.writeInt16LE(v, 1);
        this.bytes(b);
        return;
      }
      if (v >= -2147483648 && v <= 2147483647) {
        const b = Buffer.alloc(5);
        b[0] = 0xc2;
        b.writeInt32LE(v, 1);
        this.bytes(b);
        return;
      }
    }
    this.blob(Buffer.from(s, 'latin1'));
  }

  /** Raw bytes as an RDB string (LZF-compressed when worthwhile). */
  blob(b: Buffer): void {
    if (this.compress && b.length > 20) {
      const c = lzfCompress(b);
      if (c && c.length + 4 <= b.length) {
        this.byte(0xc3);
        this.length(c.length);
        this.length(b.length);
        this.bytes(c);
        return;
      }
    }
    this.length(b.length);
    this.bytes(b);
  }

  millis(ms: number): void {
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(BigInt(ms), 0);
    this.bytes(b);
  }

  binaryDouble(d: number): void {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(d, 0);
    this.bytes(b);
  }

  take(): Buffer {
    this.flushBytes();
    const out = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    this.chunks = [];
    this.size = 0;
    return out;
  }
}

/** Reads RDB-encoded values from one buffer; throws RdbFormatError on anything malformed. */
export class RdbReader {
  pos = 0;

  constructor(readonly buf: Buffer) {}

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new RdbFormatError('Unexpected EOF reading RDB file');
  }

  byte(): number {
    this.need(1);
    return this.buf[this.pos++];
  }

  slice(n: number): Buffer {
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  /** A length, or {special} for the string encodings. */
  lengthOrSpecial(): { len: number; special: number } {
    const b = this.byte();
    const kind = b >> 6;
    if (kind === 0) return { len: b & 0x3f, special: -1 };
    if (kind === 1) return { len: ((b & 0x3f) << 8) | this.byte(), special: -1 };
    if (kind === 3) return { len: 0, special: b & 0x3f };
    if (b === 0x80) {
      const v = this.slice(4).readUInt32BE(0);
      return { len: v, special: -1 };
    }
    if (b === 0x81) {
      const v = this.slice(8).readBigUInt64BE(0);
      if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new RdbFormatError('length too large');
      return { len: Number(v), special: -1 };
    }
    throw new RdbFormatError(`Unknown length encoding ${b} in rdbLoadLen()`);
  }

  length(): number {
    const r = this.lengthOrSpecial();
    if (r.special >= 0)
      throw new RdbFormatError('unexpected string encoding where a length was expected');
    return r.len;
  }

  /** A string as raw bytes. */
  blob(): Buffer {
    const r = this.lengthOrSpecial();
    if (r.special < 0) return this.slice(r.len);
    switch (r.special) {
      case 0:
        return Buffer.from(String(this.slice(1).readInt8(0)), 'latin1');
      case 1:
        return Buffer.from(String(this.slice(2).readInt16LE(0)), 'latin1');
      case 2:
        return Buffer.from(String(this.slice(4).readInt32LE(0)), 'latin1');
      case 3: {
        const clen = this.length();
        const ulen = this.length();
        const data = this.slice(clen);
        try {
          return lzfDecompress(data, ulen);
        } catch (e) {
          if (e instanceof LzfError)
            throw new RdbFormatError(`Invalid LZF compressed string: ${e.message}`);
          throw e;
        }
      }
      default:
        throw new RdbFormatError(`Unknown RDB string encoding type ${r.special}`);
    }
  }

  string(): string {
    return this.blob().toString('latin1');
  }

  millis(): number {
    return Number(this.slice(8).readBigInt64LE(0));
  }

  seconds(): number {
    return this.slice(4).readInt32LE(0);
  }

  binaryDouble(): number {
    return this.slice(8).readDoubleLE(0);
  }

  /** Legacy string-encoded double (ZSET type 3). */
  stringDouble(): number {
    const n = this.byte();
    if (n === 253) return NaN;
    if (n === 254) return Infinity;
    if (n === 255) return -Infinity;
    const v = Number(this.slice(n).toString('latin1'));
    if (Number.isNaN(v)) throw new RdbFormatError('bad double value');
    return v;
  }
}
