/**
 * Reply builder for one connection. Replies accumulate in a latin1 string (bytes 1:1) and the
 * server flushes them once per event-loop turn, so a pipeline of N commands costs one write.
 * RESP3 types degrade to their RESP2 forms when the client speaks RESP2.
 *
 * A big multi-element reply (BulkWriter) comes as pieces instead: Buffers outside the V8 heap
 * and big strings, queued ahead of the string and written as they are. As one string, a
 * million-element LRANGE made 17 MB of young strings, a join and a conversion back to bytes,
 * and the collections that copied them took more of the stall than encoding the reply.
 */
import type { Writable } from 'node:stream';
import { formatG17, integerLine } from '../util/numfmt.js';

export interface ErrorCounter {
  /** Called with the error code (first word) of every error reply sent. */
  countError(code: string): void;
}

export class Reply {
  /** The latest replies, after those in `ahead`. */
  out = '';
  resp: 2 | 3 = 2;
  /** Pieces queued before `out`, oldest first, and their bytes. */
  private ahead: (string | Buffer)[] = [];
  private aheadBytes = 0;

  constructor(private readonly errors: ErrorCounter) {}

  /** Bytes pending; also a mark to truncate() back to. */
  get size(): number {
    return this.aheadBytes + this.out.length;
  }

  /** Drops what was added after size was `mark`. */
  truncate(mark: number): void {
    if (mark >= this.aheadBytes) {
      this.out = this.out.slice(0, mark - this.aheadBytes);
      return;
    }
    this.out = '';
    while (this.aheadBytes > mark) {
      const last = this.ahead.pop()!;
      this.aheadBytes -= last.length;
      const keep = mark - this.aheadBytes;
      if (keep > 0) {
        this.ahead.push(typeof last === 'string' ? last.slice(0, keep) : last.subarray(0, keep));
        this.aheadBytes = mark;
      }
    }
  }

  /** Drops everything pending. */
  clear(): void {
    this.out = '';
    if (this.aheadBytes > 0) {
      this.ahead = [];
      this.aheadBytes = 0;
    }
  }

  /** Appends encoded pieces (latin1 strings or bytes), kept as they are. */
  pieces(list: readonly (string | Buffer)[]): void {
    if (this.out.length > 0) {
      this.ahead.push(this.out);
      this.aheadBytes += this.out.length;
      this.out = '';
    }
    for (const p of list) {
      this.ahead.push(p);
      this.aheadBytes += p.length;
    }
  }

  /** Everything pending as one latin1 string; empties the reply. */
  take(): string {
    let all = '';
    for (const p of this.ahead) all += typeof p === 'string' ? p : p.toString('latin1');
    all += this.out;
    this.clear();
    return all;
  }

  /** Writes everything pending to `sock` and empties the reply. */
  writeTo(sock: Writable): void {
    if (this.aheadBytes === 0) {
      sock.write(this.out, 'latin1');
      this.out = '';
      return;
    }
    sock.cork();
    for (const p of this.ahead) {
      if (typeof p === 'string') sock.write(p, 'latin1');
      else sock.write(p);
    }
    if (this.out.length > 0) sock.write(this.out, 'latin1');
    sock.uncork();
    this.clear();
  }

  ok(): void {
    this.out += '+OK\r\n';
  }

  simple(s: string): void {
    this.out += `+${s}\r\n`;
  }

  /**
   * An error reply; `msg` starts with its code (`ERR ...`, `WRONGTYPE ...`). CR/LF inside are
   * replaced by spaces, as Redis does.
   */
  error(msg: string): void {
    if (/[\r\n]/.test(msg)) msg = msg.replace(/[\r\n]/g, ' ');
    const sp = msg.indexOf(' ');
    this.errors.countError(sp < 0 ? msg : msg.slice(0, Math.min(sp, 32)));
    this.out += `-${msg}\r\n`;
  }

  /** An `ERR <text>` error reply. */
  err(text: string): void {
    this.error(`ERR ${text}`);
  }

  integer(n: number | bigint): void {
    this.out += typeof n === 'number' ? integerLine(n) : `:${n}\r\n`;
  }

  bulk(s: string): void {
    this.out += `$${s.length}\r\n${s}\r\n`;
  }

  /** A bulk string, or the null reply when `s` is null/undefined. */
  bulkOrNull(s: string | null | undefined): void {
    if (s === null || s === undefined) this.nil();
    else this.out += `$${s.length}\r\n${s}\r\n`;
  }

  nil(): void {
    this.out += this.resp === 3 ? '_\r\n' : '$-1\r\n';
  }

  /** The null Redis sends where it historically replied with a null array. */
  nilArray(): void {
    this.out += this.resp === 3 ? '_\r\n' : '*-1\r\n';
  }

  array(n: number): void {
    this.out += `*${n}\r\n`;
  }

  map(pairs: number): void {
    this.out += this.resp === 3 ? `%${pairs}\r\n` : `*${pairs * 2}\r\n`;
  }

  set(n: number): void {
    this.out += this.resp === 3 ? `~${n}\r\n` : `*${n}\r\n`;
  }

  push(n: number): void {
    this.out += this.resp === 3 ? `>${n}\r\n` : `*${n}\r\n`;
  }

  /** A double as Redis prints it (`%.17g`, `inf`, `-inf`). */
  double(d: number): void {
    const s = formatG17(d);
    this.out += this.resp === 3 ? `,${s}\r\n` : `$${s.length}\r\n${s}\r\n`;
  }

  bool(b: boolean): void {
    this.out += this.resp === 3 ? (b ? '#t\r\n' : '#f\r\n') : b ? ':1\r\n' : ':0\r\n';
  }

  /** A verbatim string (INFO, CLIENT LIST, ...): `=` with a format in RESP3, bulk in RESP2. */
  verbatim(s: string, format = 'txt'): void {
    if (this.resp === 3) this.out += `=${s.length + 4}\r\n${format}:${s}\r\n`;
    else this.out += `$${s.length}\r\n${s}\r\n`;
  }

  bulkArray(items: readonly string[]): void {
    let o = `*${items.length}\r\n`;
    for (const s of items) o += `$${s.length}\r\n${s}\r\n`;
    this.out += o;
  }

  /** An array whose null entries are null bulk replies (MGET, HMGET, ...). */
  bulkOrNullArray(items: readonly (string | null | undefined)[]): void {
    this.array(items.length);
    for (const s of items) this.bulkOrNull(s);
  }

  /** Raw protocol bytes, already encoded. */
  raw(s: string): void {
    this.out += s;
  }
}
