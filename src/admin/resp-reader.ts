/**
 * A streaming parser for RESP2/RESP3 *replies* (the server's own parser reads requests). Used by
 * keyshard-cli and by MIGRATE's connection to its target. Bytes stay latin1 strings.
 */

export type RespValue =
  | { t: 'simple'; s: string }
  | { t: 'error'; s: string }
  | { t: 'int'; s: string }
  | { t: 'bulk'; s: string }
  | { t: 'verbatim'; fmt: string; s: string }
  | { t: 'double'; s: string }
  | { t: 'bignum'; s: string }
  | { t: 'bool'; b: boolean }
  | { t: 'nil' }
  | { t: 'array' | 'set' | 'push'; items: RespValue[] }
  | { t: 'map'; items: RespValue[] };

export class RespProtocolError extends Error {}

/** Feed bytes with push(); next() returns a complete reply or undefined when more is needed. */
export class RespReader {
  private buf = '';
  private pos = 0;

  push(chunk: Buffer | string): void {
    const s = typeof chunk === 'string' ? chunk : chunk.toString('latin1');
    this.buf = this.pos > 0 ? this.buf.slice(this.pos) + s : this.buf + s;
    this.pos = 0;
  }

  next(): RespValue | undefined {
    const start = this.pos;
    const v = this.parse();
    if (v === undefined) {
      this.pos = start;
      return undefined;
    }
    return v;
  }

  private line(): string | undefined {
    const end = this.buf.indexOf('\r\n', this.pos);
    if (end < 0) return undefined;
    const s = this.buf.slice(this.pos, end);
    this.pos = end + 2;
    return s;
  }

  private parse(): RespValue | undefined {
    // RESP3 attributes precede the reply they describe; the CLI ignores them like redis-cli.
    for (;;) {
      if (this.pos >= this.buf.length) return undefined;
      const type = this.buf[this.pos++];
      const head = this.line();
      if (head === undefined) return undefined;
      switch (type) {
        case '+':
          return { t: 'simple', s: head };
        case '-':
          return { t: 'error', s: head };
        case ':':
          return { t: 'int', s: head };
        case ',':
          return { t: 'double', s: head };
        case '(':
          return { t: 'bignum', s: head };
        case '#':
          return { t: 'bool', b: head === 't' };
        case '_':
          return { t: 'nil' };
        case '$':
        case '=':
        case '!': {
          const n = Number(head);
          if (n < 0) return { t: 'nil' };
          if (this.buf.length < this.pos + n + 2) return undefined;
          const s = this.buf.slice(this.pos, this.pos + n);
          this.pos += n + 2;
          if (type === '!') return { t: 'error', s };
          if (type === '=') return { t: 'verbatim', fmt: s.slice(0, 3), s: s.slice(4) };
          return { t: 'bulk', s };
        }
        case '*':
        case '~':
        case '>':
        case '%':
        case '|': {
          const n = Number(head);
          if (n < 0) return { t: 'nil' };
          const count = type === '%' || type === '|' ? n * 2 : n;
          const items: RespValue[] = [];
          for (let i = 0; i < count; i++) {
            const v = this.parse();
            if (v === undefined) return undefined;
            items.push(v);
          }
          if (type === '|') continue;
          const t = type === '*' ? 'array' : type === '~' ? 'set' : type === '>' ? 'push' : 'map';
          return { t, items };
        }
        default:
          throw new RespProtocolError(`Protocol error, got "${type}" as reply type byte`);
      }
    }
  }
}

/** Encodes a command as a RESP array of bulk strings (latin1). */
export function encodeCommand(argv: readonly string[]): string {
  let out = `*${argv.length}\r\n`;
  for (const a of argv) out += `$${a.length}\r\n${a}\r\n`;
  return out;
}
