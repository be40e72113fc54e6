/**
 * Reads the RESP command log of an AOF file (INCR files, non-RDB BASE files, the tail of a legacy
 * preamble file) one command at a time, telling a clean end from a truncated last command and
 * from a malformed file, with the offsets needed to truncate back to the last whole command.
 */

/** The file ends inside a command: `aof-load-truncated` decides. */
export const TRUNCATED = 'truncated';
/** Something that is not the AOF command format: always fatal. */
export const BAD_FORMAT = 'bad-format';

export type ReadResult = string[] | null | typeof TRUNCATED | typeof BAD_FORMAT;

const MAX_LINE = 1024;

export class AofCommandReader {
  /** Offset just after the last complete command (where a truncated file is cut). */
  validUpTo: number;

  constructor(
    private readonly buf: Buffer,
    public pos: number,
  ) {
    this.validUpTo = pos;
  }

  /** A line without its CRLF, or null at the end of the file (a partial last line counts). */
  private line(): string | null {
    const buf = this.buf;
    if (this.pos >= buf.length) return null;
    const limit = Math.min(buf.length, this.pos + MAX_LINE - 1);
    let end = buf.indexOf(10, this.pos);
    // Like fgets() into a 1024-byte buffer: a longer line is read in pieces.
    if (end < 0 || end >= limit) end = limit - 1;
    const s = buf.toString('latin1', this.pos, end + 1);
    this.pos = end + 1;
    return s;
  }

  /** The next command, null at a clean end of file, or why it cannot be read. */
  next(): ReadResult {
    for (;;) {
      const head = this.line();
      if (head === null) return null;
      if (head.startsWith('#')) {
        this.validUpTo = this.pos;
        continue;
      }
      if (head[0] !== '*') return BAD_FORMAT;
      if (head.length === 1) return TRUNCATED;
      const argc = atoi(head.slice(1));
      if (argc < 1) return BAD_FORMAT;
      const argv: string[] = [];
      for (let j = 0; j < argc; j++) {
        const h = this.line();
        if (h === null) return TRUNCATED;
        if (h[0] !== '$') return BAD_FORMAT;
        const len = atoi(h.slice(1));
        if (this.pos + len > this.buf.length) return TRUNCATED;
        argv.push(this.buf.toString('latin1', this.pos, this.pos + len));
        this.pos += len;
        // The CRLF after the bytes is skipped, not checked (as Redis).
        if (this.pos + 2 > this.buf.length) return TRUNCATED;
        this.pos += 2;
      }
      return argv;
    }
  }

  /** Marks the current position as the end of a complete command. */
  commit(): void {
    this.validUpTo = this.pos;
  }
}

/** C atoi/strtol: leading digits (with an optional sign), 0 when there are none. */
function atoi(s: string): number {
  const m = /^\s*([+-]?\d+)/.exec(s);
  return m ? Number.parseInt(m[1], 10) : 0;
}
