/**
 * Streaming request parser for the client protocol: RESP multibulk arrays and inline commands,
 * with the limits and exact error texts of Redis 7.0 (networking.c processMultibulkBuffer /
 * processInlineBuffer). Arguments come out as latin1 strings, which map bytes 1:1.
 */

/** A protocol violation: the client gets `-ERR Protocol error: ...` and is closed. */
export class ProtocolError {
  constructor(readonly message: string) {}
}

export interface ParserLimits {
  /** proto-max-bulk-len; not enforced for the master link. */
  maxBulkLen: number;
  /** Whether the connection still has to authenticate (tighter limits apply). */
  unauthenticated: boolean;
}

const MAX_INLINE = 64 * 1024;
const BIG_ARG = 32 * 1024;
const CR = 13;
const LF = 10;

export type ParseResult = string[] | ProtocolError | null;

export class RequestParser {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  /** Multibulk state: arguments still expected (0 = between commands). */
  private pending = 0;
  private args: string[] = [];
  /** Length of the bulk argument being read, -1 when waiting for its `$` line. */
  private bulkLen = -1;
  /** Chunks of a large bulk argument collected without re-copying the buffer. */
  private bigChunks: Buffer[] = [];
  private bigHave = 0;

  /** Bytes received but not yet consumed by a complete command. */
  get buffered(): number {
    return this.buf.length - this.pos + this.bigHave;
  }

  feed(chunk: Buffer): void {
    if (this.bulkLen >= BIG_ARG && this.pending > 0) {
      // Collect a large argument as a list of chunks; joined once it is complete.
      if (this.bigChunks.length === 0 && this.pos < this.buf.length) {
        this.bigChunks.push(this.buf.subarray(this.pos));
        this.bigHave = this.buf.length - this.pos;
        this.buf = Buffer.alloc(0);
        this.pos = 0;
      }
      this.bigChunks.push(chunk);
      this.bigHave += chunk.length;
      if (this.bigHave >= this.bulkLen + 2) {
        this.buf = Buffer.concat(this.bigChunks, this.bigHave);
        this.pos = 0;
        this.bigChunks = [];
        this.bigHave = 0;
      }
      return;
    }
    if (this.pos >= this.buf.length) {
      this.buf = chunk;
    } else {
      this.buf = Buffer.concat([this.buf.subarray(this.pos), chunk]);
    }
    this.pos = 0;
  }

  /** The next complete command, a protocol error, or null when more input is needed. */
  next(limits: ParserLimits): ParseResult {
    if (this.bigChunks.length > 0) return null;
    for (;;) {
      if (this.pending === 0) {
        if (this.pos >= this.buf.length) return null;
        if (this.buf[this.pos] !== 0x2a /* '*' */) return this.inline();
        const r = this.multibulkHeader(limits);
        if (r !== undefined) return r;
        if (this.pending === 0) continue; // *0 or negative: nothing to run
      }
      const r = this.bulks(limits);
      if (r !== undefined) return r;
      return null;
    }
  }

  private lineEnd(from: number): number {
    return this.buf.indexOf(CR, from);
  }

  /** Parses `*<n>\r\n`; undefined means state advanced (or need more when pending stays 0). */
  private multibulkHeader(limits: ParserLimits): ParseResult | undefined {
    const cr = this.lineEnd(this.pos);
    if (cr < 0) {
      if (this.buf.length - this.pos > MAX_INLINE) {
        return new ProtocolError('too big mbulk count string');
      }
      return null;
    }
    if (cr + 1 >= this.buf.length) return null; // wait for the \n
    const n = parseStrictInt(this.buf, this.pos + 1, cr);
    if (n === null || n > 2147483647) return new ProtocolError('invalid multibulk length');
    if (n > 10 && limits.unauthenticated) {
      return new ProtocolError('unauthenticated multibulk length');
    }
    this.pos = cr + 2;
    if (n <= 0) return undefined;
    this.pending = n;
    this.args = [];
    this.bulkLen = -1;
    return undefined;
  }

  private bulks(limits: ParserLimits): ParseResult | undefined {
    const buf = this.buf;
    while (this.pending > 0) {
      if (this.bulkLen < 0) {
        const cr = buf.indexOf(CR, this.pos);
        if (cr < 0) {
          if (buf.length - this.pos > MAX_INLINE) {
            return new ProtocolError('too big bulk count string');
          }
          return null;
        }
        if (cr + 1 >= buf.length) return null;
        if (buf[this.pos] !== 0x24 /* '$' */) {
          return new ProtocolError(`expected '$', got '${String.fromCharCode(buf[this.pos])}'`);
        }
        const len = parseStrictInt(buf, this.pos + 1, cr);
        if (len === null || len < 0 || len > limits.maxBulkLen) {
          return new ProtocolError('invalid bulk length');
        }
        if (limits.unauthenticated && len > 16384) {
          return new ProtocolError('unauthenticated bulk length');
        }
        this.pos = cr + 2;
        this.bulkLen = len;
        if (len >= BIG_ARG && buf.length - this.pos < len + 2) {
          // Switch to chunk collection so a huge argument is copied once, not per read.
          if (this.pos < buf.length) {
            this.bigChunks.push(buf.subarray(this.pos));
            this.bigHave = buf.length - this.pos;
          }
          this.buf = Buffer.alloc(0);
          this.pos = 0;
          return null;
        }
      }
      if (buf.length - this.pos < this.bulkLen + 2) return null;
      this.args.push(buf.toString('latin1', this.pos, this.pos + this.bulkLen));
      // Like Redis, the two bytes after the payload are skipped without checking them.
      this.pos += this.bulkLen + 2;
      this.bulkLen = -1;
      this.pending--;
    }
    const args = this.args;
    this.args = [];
    return args;
  }

  private inline(): ParseResult {
    const nl = this.buf.indexOf(LF, this.pos);
    if (nl < 0) {
      if (this.buf.length - this.pos > MAX_INLINE) {
        return new ProtocolError('too big inline request');
      }
      return null;
    }
    let end = nl;
    if (end > this.pos && this.buf[end - 1] === CR) end--;
    const line = this.buf.toString('latin1', this.pos, end);
    this.pos = nl + 1;
    const args = splitArgs(line);
    if (args === null) return new ProtocolError('unbalanced quotes in request');
    return args;
  }
}

/** A strict signed decimal as Redis's string2ll accepts it; null if malformed. */
function parseStrictInt(buf: Buffer, start: number, end: number): number | null {
  if (start >= end || end - start > 20) return null;
  let i = start;
  let neg = false;
  if (buf[i] === 0x2d) {
    neg = true;
    i++;
    if (i === end) return null;
  }
  if (buf[i] === 0x30 && end - i > 1) return null;
  let v = 0;
  for (; i < end; i++) {
    const d = buf[i] - 0x30;
    if (d < 0 || d > 9) return null;
    v = v * 10 + d;
  }
  if (v > Number.MAX_SAFE_INTEGER) return neg ? -Infinity : Infinity;
  return neg ? -v : v;
}

function isSep(c: string): boolean {
  return c === ' ' || c === '\n' || c === '\r' || c === '\t' || c === '\0';
}

const HEX2 = /^[0-9a-fA-F]{2}$/;
const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', a: '\x07' };

/**
 * Splits a line into arguments the way redis-cli and inline commands do (sdssplitargs):
 * separators are whitespace and NUL; double quotes take C-like escapes, single quotes only \'.
 * A closing quote must end the argument. Returns null on unbalanced quotes.
 */
export function splitArgs(line: string): string[] | null {
  const out: string[] = [];
  const n = line.length;
  let i = 0;
  for (;;) {
    while (i < n && isSep(line[i])) i++;
    if (i >= n) return out;
    let cur = '';
    let quote = '';
    for (let done = false; !done;) {
      if (quote === '') {
        if (i >= n || isSep(line[i])) {
          done = true;
        } else if (line[i] === '"' || line[i] === "'") {
          quote = line[i++];
        } else {
          cur += line[i++];
        }
        continue;
      }
      if (i >= n) return null;
      const c = line[i];
      if (c === quote) {
        if (i + 1 < n && !isSep(line[i + 1])) return null;
        i++;
        done = true;
      } else if (c === '\\' && quote === "'" && line[i + 1] === "'") {
        cur += "'";
        i += 2;
      } else if (
        c === '\\' &&
        quote === '"' &&
        line[i + 1] === 'x' &&
        HEX2.test(line.substr(i + 2, 2))
      ) {
        cur += String.fromCharCode(parseInt(line.substr(i + 2, 2), 16));
        i += 4;
      } else if (c === '\\' && quote === '"' && i + 1 < n) {
        cur += ESCAPES[line[i + 1]] ?? line[i + 1];
        i += 2;
      } else {
        cur += c;
        i++;
      }
    }
    out.push(cur);
  }
}
