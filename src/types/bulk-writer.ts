/**
 * Encodes a long multi-element reply (LRANGE 0 -1 of a million elements, HGETALL, ZRANGE ...)
 * byte by byte into buffers instead of appending a string per element: a million small strings
 * in the reply make a rope of millions of objects that V8 must then flatten and collect, a
 * stall for every other client. A reply that fits in CHUNK bytes is encoded in one reused
 * scratch buffer and handed over as a string; a longer one goes out as buffers filled in
 * place, which the socket writes as they are: no string for V8 to copy between generations,
 * join, and turn back into bytes. They are ordinary (uninitialized) Buffers, not blocks
 * (util/offheap.ts): they live until the socket has written them, mostly dying young, and V8
 * takes them off its count when they are freed, so they start no full collection.
 * Same bytes as the Reply methods, including the RESP2 forms of RESP3 types.
 */
import type { Reply } from '../resp/reply.js';
import type { Latin1Buffer } from '../util/latin1.js';
import { formatG17 } from '../util/numfmt.js';

/**
 * Element counts from which a reply goes through a BulkWriter. Already at 100 short elements
 * (redis-benchmark's LRANGE_100) it takes half the time of appending to the reply string.
 */
export const BULK_WRITER_MIN = 16;

const CR = 13;
const LF = 10;

/** Elements longer than this go into the pieces as they are, without a copy. */
const BIG_ELEMENT = 4096;
const CHUNK = 64 * 1024;
/**
 * Shared by every writer: a writer is created, filled and ended within one command handler,
 * so two are never in use at once.
 */
const SCRATCH = Buffer.allocUnsafeSlow(CHUNK);

export class BulkWriter {
  /** SCRATCH until the reply outgrows it, then the block being filled. */
  private buf: Buffer = SCRATCH;
  private pos = 0;
  /** What precedes buf[0, pos): filled blocks, big elements. Empty while buf is SCRATCH. */
  private pieces: (string | Buffer)[] = [];

  constructor(readonly resp: 2 | 3) {}

  /** An aggregate header: `*n` (array), `%n` / `~n` for RESP3 maps and sets. */
  array(n: number): void {
    this.header(42 /* * */, n);
  }

  map(pairs: number): void {
    if (this.resp === 3) this.header(37 /* % */, pairs);
    else this.header(42, pairs * 2);
  }

  set(n: number): void {
    this.header(this.resp === 3 ? 126 /* ~ */ : 42, n);
  }

  bulk(s: string): void {
    const len = s.length;
    if (len > BIG_ELEMENT) return this.bigBulk(s);
    this.ensure(len + 24);
    this.header(36 /* $ */, len);
    const b = this.buf;
    let p = this.pos;
    // Short strings are copied in JS: a native call per element costs more than the bytes.
    if (len <= 32) {
      for (let i = 0; i < len; i++) b[p++] = s.charCodeAt(i);
    } else {
      p += (b as unknown as Latin1Buffer).latin1Write(s, p, len);
    }
    b[p++] = CR;
    b[p++] = LF;
    this.pos = p;
  }

  /** A bulk string too long to copy: its header, then the string itself as a piece. */
  private bigBulk(s: string): void {
    this.header(36 /* $ */, s.length);
    this.flushPiece();
    this.pieces.push(s);
    this.ensure(2);
    this.buf[this.pos++] = CR;
    this.buf[this.pos++] = LF;
  }

  /** b[start, end), which already holds RESP-encoded elements (packed list blocks). */
  encoded(b: Buffer, start: number, end: number): void {
    if (end - start > CHUNK) {
      // A copy: the reply may wait in the socket while the list changes.
      this.flushPiece();
      const copy = Buffer.allocUnsafeSlow(end - start);
      b.copy(copy, 0, start, end);
      this.pieces.push(copy);
      return;
    }
    this.ensure(end - start);
    this.copyIn(b, start, end);
  }

  /** A bulk string of the bytes b[start, end) (elements stored outside the V8 heap). */
  bulkBytes(b: Buffer, start: number, end: number): void {
    const len = end - start;
    if (len > BIG_ELEMENT)
      return this.bigBulk((b as unknown as Latin1Buffer).latin1Slice(start, end));
    this.ensure(len + 24);
    this.header(36 /* $ */, len);
    this.copyIn(b, start, end);
    this.buf[this.pos++] = CR;
    this.buf[this.pos++] = LF;
  }

  /** Appends b[start, end), which fits. */
  private copyIn(b: Buffer, start: number, end: number): void {
    const out = this.buf;
    let p = this.pos;
    // Short runs are copied in JS: a native call costs more than the bytes.
    if (end - start <= 32) {
      for (let i = start; i < end; i++) out[p++] = b[i];
    } else {
      p += b.copy(out, p, start, end);
    }
    this.pos = p;
  }

  /** A double as Redis prints it: `,d` in RESP3, a bulk string in RESP2. */
  double(d: number): void {
    const s = formatG17(d);
    if (this.resp === 2) return this.bulk(s);
    this.ensure(s.length + 3);
    const b = this.buf;
    let p = this.pos;
    b[p++] = 44; // ,
    for (let i = 0; i < s.length; i++) b[p++] = s.charCodeAt(i);
    b[p++] = CR;
    b[p++] = LF;
    this.pos = p;
  }

  /** Appends the encoded reply to `reply`. */
  end(reply: Reply): void {
    if (this.buf === SCRATCH && this.pieces.length === 0) {
      reply.raw((SCRATCH as unknown as Latin1Buffer).latin1Slice(0, this.pos));
    } else {
      if (this.pos > 0) this.pieces.push(this.filled());
      reply.pieces(this.pieces);
    }
    this.pieces = [];
    this.buf = SCRATCH;
    this.pos = 0;
  }

  private header(type: number, n: number): void {
    this.ensure(24);
    const b = this.buf;
    let p = this.pos;
    b[p++] = type;
    // One and two digits (every short element's length) without making a string.
    if (n < 10) {
      b[p++] = 48 + n;
    } else if (n < 100) {
      const tens = (n / 10) | 0;
      b[p++] = 48 + tens;
      b[p++] = 48 + n - tens * 10;
    } else {
      const digits = String(n);
      for (let i = 0; i < digits.length; i++) b[p++] = digits.charCodeAt(i);
    }
    b[p++] = CR;
    b[p++] = LF;
    this.pos = p;
  }

  /** Makes room for `extra` bytes (at most BIG_ELEMENT + 24) by starting a new block. */
  private ensure(extra: number): void {
    if (this.pos + extra > CHUNK) this.flushPiece();
  }

  /** Moves what buf holds into the pieces and gives buf a fresh block. */
  private flushPiece(): void {
    if (this.pos === 0) return;
    this.pieces.push(this.filled());
    this.buf = Buffer.allocUnsafeSlow(CHUNK);
    this.pos = 0;
  }

  /** buf[0, pos) as a piece of its own (SCRATCH's bytes copied out). */
  private filled(): Buffer {
    if (this.buf !== SCRATCH) return this.buf.subarray(0, this.pos);
    const first = Buffer.allocUnsafeSlow(this.pos);
    SCRATCH.copy(first, 0, 0, this.pos);
    return first;
  }
}
