/**
 * Streaming request parser for the client protocol: RESP multibulk arrays and inline commands,
 * with the limits and exact error texts of Redis 7.0 (networking.c processMultibulkBuffer /
 * processInlineBuffer). Arguments come out as latin1 strings, which map bytes 1:1.
 *
 * Redis looks for line ends with strchr() on a NUL-terminated buffer, so a NUL byte before the
 * CR (or LF for inline commands) hides the line end: the server keeps waiting, and the 64 KB
 * "too big" limits apply. findLineEnd does the same.
 *
 * The 64 KB limits are checked against everything received so far. Redis checks them after each
 * read(2), whose size grows with its query buffer (16 KB first, then greedily more), so for a
 * line just over 64 KB its outcome depends on its allocation history; reading all that has
 * arrived matches it whenever the data is there at once.
 */
import type { Latin1Buffer } from '../util/latin1.js';

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

export type ParseResult = string[] | ProtocolError | null;

/** PROTO_INLINE_MAX_SIZE: longest line without its terminator that Redis waits for. */
const MAX_INLINE = 64 * 1024;
/** PROTO_MBULK_BIG_ARG: bulks this long are read in one piece. */
const BIG_ARG = 32 * 1024;
const MAX_UNAUTH_ARGS = 10;
const MAX_UNAUTH_BULK = 16384;
const CR = 13;
const LF = 10;
const STAR = 42;
const DOLLAR = 36;
const EMPTY = Buffer.alloc(0);

// Node does not document Latin1Buffer's methods (util/latin1.ts): fail at start-up, not on the
// first command, on a Node without them.
if (typeof (Buffer.prototype as unknown as Partial<Latin1Buffer>).latin1Slice !== 'function') {
  throw new Error('this Node.js has no Buffer#latin1Slice');
}
function slice(buf: Buffer, start: number, end: number): string {
  return (buf as unknown as Latin1Buffer).latin1Slice(start, end);
}

/**
 * An argument as a string. Short ones (keys, members, small values: most arguments) are built
 * by String.fromCharCode with one argument per byte: a call into Buffer's native slicing costs
 * 70-110 ns whatever the length, this 10-40 ns up to 16 bytes; beyond ~30 the native call wins.
 * Measured on the in-process pipeline, RPUSH and SET cost 10-15% less CPU than with slicing
 * from 5 bytes on.
 */
function arg(b: Buffer, i: number, end: number): string {
  const f = String.fromCharCode;
  // A table, one length per line.
  // prettier-ignore
  switch (end - i) {
    case 0: return '';
    case 1: return f(b[i]);
    case 2: return f(b[i], b[i + 1]);
    case 3: return f(b[i], b[i + 1], b[i + 2]);
    case 4: return f(b[i], b[i + 1], b[i + 2], b[i + 3]);
    case 5: return f(b[i], b[i + 1], b[i + 2], b[i + 3], b[i + 4]);
    case 6: return f(b[i], b[i + 1], b[i + 2], b[i + 3], b[i + 4], b[i + 5]);
    case 7: return f(b[i], b[i + 1], b[i + 2], b[i + 3], b[i + 4], b[i + 5], b[i + 6]);
    case 8: return f(b[i], b[i + 1], b[i + 2], b[i + 3], b[i + 4], b[i + 5], b[i + 6], b[i + 7]);
    case 9: return f(b[i], b[i + 1], b[i + 2], b[i + 3], b[i + 4], b[i + 5], b[i + 6], b[i + 7], b[i + 8]);
    case 10: return f(b[i], b[i + 1], b[i + 2], b[i + 3], b[i + 4], b[i + 5], b[i + 6], b[i + 7], b[i + 8], b[i + 9]);
    case 11: return f(b[i], b[i + 1], b[i + 2], b[i + 3], b[i + 4], b[i + 5], b[i + 6], b[i + 7], b[i + 8], b[i + 9], b[i + 10]);
    case 12: return f(b[i], b[i + 1], b[i + 2], b[i + 3], b[i + 4], b[i + 5], b[i + 6], b[i + 7], b[i + 8], b[i + 9], b[i + 10], b[i + 11]);
    case 13: return f(b[i], b[i + 1], b[i + 2], b[i + 3], b[i + 4], b[i + 5], b[i + 6], b[i + 7], b[i + 8], b[i + 9], b[i + 10], b[i + 11], b[i + 12]);
    case 14: return f(b[i], b[i + 1], b[i + 2], b[i + 3], b[i + 4], b[i + 5], b[i + 6], b[i + 7], b[i + 8], b[i + 9], b[i + 10], b[i + 11], b[i + 12], b[i + 13]);
    case 15: return f(b[i], b[i + 1], b[i + 2], b[i + 3], b[i + 4], b[i + 5], b[i + 6], b[i + 7], b[i + 8], b[i + 9], b[i + 10], b[i + 11], b[i + 12], b[i + 13], b[i + 14]);
    case 16: return f(b[i], b[i + 1], b[i + 2], b[i + 3], b[i + 4], b[i + 5], b[i + 6], b[i + 7], b[i + 8], b[i + 9], b[i + 10], b[i + 11], b[i + 12], b[i + 13], b[i + 14], b[i + 15]);
    default: return slice(b, i, end);
  }
}

/** The most argument slots allocated before the arguments arrive (Redis allocates 1024 too). */
const ARGS_PREALLOC = 1024;
const NO_ARGS: string[] = [];

/** The longest name or key kept for reuse by the next command (see RequestParser.last). */
const REUSE_MAX = 64;

/**
 * Whether `s` holds exactly the bytes buf[start, stop). Compared from the end: keys that differ
 * (key:000000012345, key:000000067890) mostly differ there.
 */
function sameBytes(s: string, buf: Buffer, start: number, stop: number): boolean {
  if (s.length !== stop - start) return false;
  for (let i = s.length - 1; i >= 0; i--) if (s.charCodeAt(i) !== buf[start + i]) return false;
  return true;
}

export class RequestParser {
  /**
   * Received bytes are buf[pos, len). `buf` is either a chunk as it came from the socket (not
   * ours to write into) or a growable buffer we own.
   */
  private buf: Buffer = EMPTY;
  private owned = false;
  private len = 0;
  private pos = 0;
  /** Where an unfinished search for a line end stopped (see findLineEnd). */
  private scanLine = -1;
  private scanByte = 0;
  private scanned = 0;
  private scanHitNul = false;
  /** Multibulk state: arguments still expected (0 = between commands). */
  private pending = 0;
  private args: string[] = NO_ARGS;
  /** Arguments of the current command read so far. */
  private argc = 0;
  /** Length of the bulk argument being read, -1 when waiting for its `$` line. */
  private bulkLen = -1;
  /** Pieces of a large bulk argument collected without re-copying; joined once complete. */
  private bigChunks: Buffer[] = [];
  private bigHave = 0;

  /**
   * The previous command's name and first argument (its key, for most commands). Pipelines
   * repeat them (a load pushing into one list), and handing out the same string objects skips
   * copying the bytes and lets the command and key lookups reuse the strings' cached hashes.
   */
  private readonly last = ['', ''];

  /** Adds buf[start, stop) to the command being read; its first argument is the name. */
  private pushArg(buf: Buffer, start: number, stop: number): void {
    const n = this.argc++;
    if (n > 1 || stop - start > REUSE_MAX) {
      this.args[n] = arg(buf, start, stop);
      return;
    }
    const last = this.last;
    if (!sameBytes(last[n], buf, start, stop)) last[n] = arg(buf, start, stop);
    this.args[n] = last[n];
  }

  /** Bytes received but not yet consumed by a complete command. */
  get buffered(): number {
    return this.len - this.pos + this.bigHave;
  }

  /**
   * Adds received bytes. A `borrowed` chunk belongs to the caller, who reuses it after the
   * commands in it ran: parsing happens in place, and detach() then copies what is left.
   */
  feed(chunk: Buffer, borrowed = false): void {
    if (this.bigChunks.length > 0) {
      this.bigChunks.push(borrowed ? Buffer.from(chunk) : chunk);
      this.bigHave += chunk.length;
      if (this.bigHave >= this.bulkLen + 2) {
        this.buf = Buffer.concat(this.bigChunks, this.bigHave);
        this.owned = true;
        this.len = this.bigHave;
        this.pos = 0;
        this.scanLine = -1;
        this.bigChunks = [];
        this.bigHave = 0;
      }
      return;
    }
    if (this.pos >= this.len) {
      // Nothing pending (the common case): parse the chunk in place.
      this.buf = chunk;
      this.owned = false;
      this.len = chunk.length;
      this.pos = 0;
      this.scanLine = -1;
      return;
    }
    this.append(chunk);
  }

  /** Copies unconsumed input out of a borrowed chunk before its owner reuses it. */
  detach(): void {
    if (this.owned) return;
    const rest = this.len - this.pos;
    if (rest <= 0) {
      this.buf = EMPTY;
      this.len = 0;
      this.pos = 0;
      this.scanLine = -1;
      return;
    }
    const copy = Buffer.allocUnsafe(Math.max(1024, rest * 2));
    this.buf.copy(copy, 0, this.pos, this.len);
    if (this.scanLine >= 0) {
      this.scanLine -= this.pos;
      this.scanned -= this.pos;
    }
    this.buf = copy;
    this.owned = true;
    this.len = rest;
    this.pos = 0;
  }

  /** Appends to the pending bytes with amortized growth, so a slow trickle stays linear. */
  private append(chunk: Buffer): void {
    const rest = this.len - this.pos;
    const need = rest + chunk.length;
    if (this.owned && need <= this.buf.length) {
      if (this.pos > 0) this.buf.copyWithin(0, this.pos, this.len);
    } else {
      const grown = Buffer.allocUnsafe(Math.max(1024, need + Math.min(need, 1 << 20)));
      this.buf.copy(grown, 0, this.pos, this.len);
      this.buf = grown;
      this.owned = true;
    }
    chunk.copy(this.buf, rest);
    this.len = need;
    if (this.scanLine >= 0) {
      this.scanLine -= this.pos;
      this.scanned -= this.pos;
    }
    this.pos = 0;
  }

  /** The next complete command, a protocol error, or null when more input is needed. */
  next(limits: ParserLimits): ParseResult {
    if (this.bigChunks.length > 0) return null;
    return this.pending === 0 ? this.request(limits) : this.bulks(limits);
  }

  /**
   * First `byte` in [from, len) unless a NUL comes first (strchr semantics); -1 if none. A line
   * still incomplete is not re-scanned from its start on every read (a slow client sending a
   * long line byte by byte would cost quadratic time otherwise).
   */
  private findLineEnd(from: number, byte: number): number {
    const buf = this.buf;
    const end = this.len;
    let i = from;
    if (this.scanLine === from && this.scanByte === byte) {
      if (this.scanHitNul) return -1;
      i = this.scanned;
    }
    for (; i < end; i++) {
      const b = buf[i];
      if (b === byte) {
        this.scanLine = -1;
        return i;
      }
      if (b === 0) break;
    }
    this.scanLine = from;
    this.scanByte = byte;
    this.scanned = i;
    this.scanHitNul = i < end;
    return -1;
  }

  /** Starts a request: an inline line, or a multibulk header followed by its bulks. */
  private request(limits: ParserLimits): ParseResult {
    for (;;) {
      const start = this.pos;
      if (start >= this.len) return null;
      if (this.buf[start] !== STAR) return this.inline();
      const cr = this.findLineEnd(start, CR);
      if (cr < 0) {
        if (this.len - start > MAX_INLINE) return new ProtocolError('too big mbulk count string');
        return null;
      }
      if (cr + 1 >= this.len) return null; // the byte after CR (not checked) is not here yet
      const n = parseLongLong(this.buf, start + 1, cr);
      if (Number.isNaN(n) || n > 2147483647) return new ProtocolError('invalid multibulk length');
      if (n > MAX_UNAUTH_ARGS && limits.unauthenticated) {
        return new ProtocolError('unauthenticated multibulk length');
      }
      this.pos = cr + 2;
      if (n <= 0) continue; // `*0`, `*-1`: consumed, nothing to run
      this.pending = n;
      // Sized up front (no regrowth while filling it), but never by a huge claimed count alone.
      this.args = new Array<string>(Math.min(n, ARGS_PREALLOC));
      this.argc = 0;
      this.bulkLen = -1;
      return this.bulks(limits);
    }
  }

  private bulks(limits: ParserLimits): ParseResult {
    const buf = this.buf;
    const end = this.len;
    while (this.pending > 0) {
      if (this.bulkLen < 0) {
        if (this.quickBulk(buf, end, limits)) continue;
        const start = this.pos;
        const cr = this.findLineEnd(start, CR);
        if (cr < 0) {
          if (end - start > MAX_INLINE) return new ProtocolError('too big bulk count string');
          return null;
        }
        if (cr + 1 >= end) return null;
        if (buf[start] !== DOLLAR) {
          return new ProtocolError(`expected '$', got '${String.fromCharCode(buf[start])}'`);
        }
        const len = parseLongLong(buf, start + 1, cr);
        if (Number.isNaN(len) || len < 0 || len > limits.maxBulkLen) {
          return new ProtocolError('invalid bulk length');
        }
        if (limits.unauthenticated && len > MAX_UNAUTH_BULK) {
          return new ProtocolError('unauthenticated bulk length');
        }
        this.pos = cr + 2;
        this.bulkLen = len;
        if (len >= BIG_ARG && this.len - this.pos < len + 2) {
          // Collect a huge argument as chunks so it is copied once, not once per read.
          // A copy: the chunk may be borrowed (see feed).
          this.bigChunks.push(Buffer.from(buf.subarray(this.pos, this.len)));
          this.bigHave = this.len - this.pos;
          this.buf = EMPTY;
          this.owned = false;
          this.len = 0;
          this.pos = 0;
          return null;
        }
      }
      const stop = this.pos + this.bulkLen;
      if (stop + 2 > end) return null;
      this.pushArg(buf, this.pos, stop);
      // Like Redis, the two bytes after the payload are skipped without checking them.
      this.pos = stop + 2;
      this.bulkLen = -1;
      this.pending--;
    }
    const args = this.args;
    this.args = NO_ARGS;
    return args;
  }

  /**
   * The common case in one pass: `$<len>\r\n<payload>\r\n` all received, len a plain decimal
   * of up to 9 digits within the limits. Anything else (signs, leading zeros, NULs, partial
   * input, big arguments) is left to the general path, which owns the errors.
   */
  private quickBulk(buf: Buffer, end: number, limits: ParserLimits): boolean {
    const p = this.pos;
    if (buf[p] !== DOLLAR) return false;
    let i = p + 1;
    let len = 0;
    if (buf[i] === 0x30) {
      i++;
    } else {
      for (; i < end && i <= p + 9; i++) {
        const d = buf[i] - 0x30;
        if (d < 0 || d > 9) break;
        len = len * 10 + d;
      }
      if (i === p + 1) return false;
    }
    if (i >= end || buf[i] !== CR) return false;
    const start = i + 2;
    const stop = start + len;
    if (stop + 2 > end || len >= BIG_ARG || len > limits.maxBulkLen) return false;
    if (limits.unauthenticated && len > MAX_UNAUTH_BULK) return false;
    this.pushArg(buf, start, stop);
    this.pos = stop + 2;
    this.scanLine = -1;
    this.pending--;
    return true;
  }

  private inline(): ParseResult {
    const start = this.pos;
    const nl = this.findLineEnd(start, LF);
    if (nl < 0) {
      if (this.len - start > MAX_INLINE) return new ProtocolError('too big inline request');
      return null;
    }
    const stop = nl > start && this.buf[nl - 1] === CR ? nl - 1 : nl;
    const line = slice(this.buf, start, stop);
    this.pos = nl + 1;
    const args = splitArgs(line);
    if (args === null) return new ProtocolError('unbalanced quotes in request');
    return args;
  }
}

const LLONG_MAX_DIGITS = '9223372036854775807';
const LLONG_MIN_DIGITS = '9223372036854775808';

/**
 * A signed 64-bit decimal as Redis's string2ll accepts it (no sign but '-', no leading zeros,
 * no "-0", at most 20 characters, no overflow); NaN if malformed. Values beyond 2^53 are
 * approximate, which is fine: callers only compare them with limits far below that.
 */
export function parseLongLong(buf: Buffer, start: number, end: number): number {
  const len = end - start;
  if (len <= 0 || len > 20) return NaN;
  if (len === 1 && buf[start] === 0x30) return 0;
  let i = start;
  const neg = buf[i] === 0x2d;
  if (neg) i++;
  if (i >= end || buf[i] < 0x31 || buf[i] > 0x39) return NaN;
  let v = 0;
  for (let j = i; j < end; j++) {
    const d = buf[j] - 0x30;
    if (d < 0 || d > 9) return NaN;
    v = v * 10 + d;
  }
  const digits = end - i;
  if (digits > 19) return NaN;
  if (digits === 19) {
    const limit = neg ? LLONG_MIN_DIGITS : LLONG_MAX_DIGITS;
    if (buf.toString('latin1', i, end) > limit) return NaN;
  }
  return neg ? -v : v;
}

/** C isspace() in the C locale: the separators before an argument and after a closing quote. */
function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\v' || c === '\f' || c === '\r';
}

/** What ends an unquoted argument (a narrower set than isSpace: \v and \f do not). */
function endsWord(c: string): boolean {
  return c === ' ' || c === '\n' || c === '\r' || c === '\t' || c === '\0';
}

function isHex(c: string | undefined): boolean {
  return c !== undefined && /^[0-9a-fA-F]$/.test(c);
}

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', a: '\x07' };

/**
 * Splits a line into arguments the way inline commands and redis-cli do (sdssplitargs): blanks
 * (C isspace) separate arguments; an unquoted argument ends at space, tab, CR, LF or NUL;
 * "double quotes" take \xHH and C-like escapes (\n \r \t \b \a, any other char as itself);
 * 'single quotes' take only \'. A quote may start mid-argument (ab"c d" is `abc d`); a closing
 * quote must be followed by a blank or the end. Returns null on unbalanced quotes.
 */
export function splitArgs(line: string): string[] | null {
  const out: string[] = [];
  const n = line.length;
  let i = 0;
  for (;;) {
    while (i < n && isSpace(line[i])) i++;
    if (i >= n) return out;
    let cur = '';
    let quote = '';
    for (;;) {
      if (quote === '') {
        if (i >= n || endsWord(line[i])) break;
        const c = line[i++];
        if (c === '"' || c === "'") quote = c;
        else cur += c;
        continue;
      }
      if (i >= n) return null;
      const c = line[i];
      if (c === quote) {
        if (i + 1 < n && !isSpace(line[i + 1])) return null;
        i++;
        break;
      }
      if (c === '\\' && quote === "'" && line[i + 1] === "'") {
        cur += "'";
        i += 2;
      } else if (
        c === '\\' &&
        quote === '"' &&
        line[i + 1] === 'x' &&
        isHex(line[i + 2]) &&
        isHex(line[i + 3])
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
    // The separator that ended an unquoted argument is consumed with it.
    if (quote === '' && i < n) i++;
  }
}
