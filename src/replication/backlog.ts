import { randomBytes } from 'node:crypto';

/**
 * The replication backlog: the most recent bytes of the replication stream, so a replica that
 * reconnects can continue from its offset (PSYNC) instead of a full resync.
 */

export class Backlog {
  private buf: Buffer;
  /** Write position in the ring. */
  private idx = 0;
  /** Bytes held (<= size). */
  histlen = 0;

  constructor(
    size: number,
    /** master_repl_offset when the backlog was created; the next byte is offset+1. */
    public offset: number,
  ) {
    this.buf = Buffer.alloc(Math.max(size, 16384));
  }

  get size(): number {
    return this.buf.length;
  }

  /** Offset of the oldest byte held. */
  get firstByteOffset(): number {
    return this.offset - this.histlen + 1;
  }

  append(data: Buffer): void {
    this.offset += data.length;
    const size = this.buf.length;
    let src = data;
    if (src.length >= size) src = src.subarray(src.length - size);
    const first = Math.min(src.length, size - this.idx);
    src.copy(this.buf, this.idx, 0, first);
    if (first < src.length) src.copy(this.buf, 0, first);
    this.idx = (this.idx + src.length) % size;
    this.histlen = Math.min(size, this.histlen + src.length);
  }

  /** Whether offset `from` (the next byte a replica wants) can be served from here. */
  canServe(from: number): boolean {
    return from >= this.firstByteOffset && from <= this.offset + 1;
  }

  /** The bytes from offset `from` to the end. */
  readFrom(from: number): Buffer {
    const n = this.offset + 1 - from;
    if (n <= 0) return Buffer.alloc(0);
    const size = this.buf.length;
    const start = (this.idx - n + size * 2) % size;
    if (start + n <= size) return Buffer.from(this.buf.subarray(start, start + n));
    return Buffer.concat([this.buf.subarray(start), this.buf.subarray(0, (start + n) % size)]);
  }

  resize(size: number): void {
    const keep = this.readFrom(this.offset + 1 - Math.min(this.histlen, Math.max(size, 16384)));
    this.buf = Buffer.alloc(Math.max(size, 16384));
    this.idx = 0;
    this.histlen = 0;
    const offset = this.offset;
    this.offset -= keep.length;
    this.append(keep);
    this.offset = offset;
  }
}

/** Encodes one command as a RESP array of bulk strings (the replication stream form). */
export function encodeArgv(argv: readonly string[]): string {
  let s = `*${argv.length}\r\n`;
  for (const a of argv) s += `$${a.length}\r\n${a}\r\n`;
  return s;
}

/** A fresh replication id (also used for the diskless EOF mark): 40 random hex chars. */
export function randomReplId(): string {
  return randomBytes(20).toString('hex');
}

export const NULL_REPLID = '0'.repeat(40);
