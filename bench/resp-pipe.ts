/**
 * A pipelined RESP connection for benchmarks: sends raw command bytes and counts complete
 * top-level replies without materializing them, so a 1M-element reply costs the client a byte
 * scan rather than a million strings (the client shares the machine's CPUs with the server).
 */
import { connect, type Socket } from 'node:net';

/** One RESP command in wire form. */
export function cmd(...args: string[]): string {
  let s = `*${args.length}\r\n`;
  for (const a of args) s += `$${a.length}\r\n${a}\r\n`;
  return s;
}

const CR = 13;
const LF = 10;

export class RespPipe {
  /** Top-level replies received so far. */
  private replies = 0;
  /** Waiters resolved once `replies` reaches their target, in target order. */
  private waiters: { target: number; resolve: () => void }[] = [];
  private expected = 0;
  /** Remaining child counts of the aggregates being read (innermost last). */
  private stack: number[] = [];
  /** Bytes of a bulk body (plus its CRLF) still to skip. */
  private skip = 0;
  /** An incomplete header line carried over from the previous chunk. */
  private partial: Buffer | null = null;
  /** The first error reply seen, for the caller to report. */
  firstError: string | null = null;

  private constructor(private readonly sock: Socket) {
    sock.setNoDelay(true);
    sock.on('data', (b: Buffer) => this.feed(b));
  }

  static open(port: number): Promise<RespPipe> {
    return new Promise((resolve, reject) => {
      const s = connect({ port, host: '127.0.0.1' }, () => resolve(new RespPipe(s)));
      s.once('error', reject);
    });
  }

  /** Sends `data` holding `count` commands; resolves once all their replies arrived. */
  send(data: string | Buffer, count: number): Promise<void> {
    this.expected += count;
    const target = this.expected;
    const done = new Promise<void>((resolve) => this.waiters.push({ target, resolve }));
    if (typeof data === 'string') this.sock.write(data, 'latin1');
    else this.sock.write(data);
    return done;
  }

  close(): void {
    this.sock.destroy();
  }

  private feed(chunk: Buffer): void {
    let b = chunk;
    if (this.partial) {
      b = Buffer.concat([this.partial, chunk]);
      this.partial = null;
    }
    let i = 0;
    while (i < b.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, b.length - i);
        this.skip -= n;
        i += n;
        if (this.skip === 0) this.elementDone();
        continue;
      }
      const nl = b.indexOf(LF, i);
      if (nl < 0) {
        this.partial = Buffer.from(b.subarray(i));
        return;
      }
      this.header(b, i, nl);
      i = nl + 1;
    }
  }

  /** Handles the header line b[start..lf) (ending in CR). */
  private header(b: Buffer, start: number, lf: number): void {
    const type = b[start];
    const end = b[lf - 1] === CR ? lf - 1 : lf;
    if (type === 0x2d /* - */) {
      this.firstError ??= b.toString('latin1', start, end);
      return this.elementDone();
    }
    if (type !== 0x24 && type !== 0x2a && type !== 0x25 && type !== 0x7e && type !== 0x3e) {
      return this.elementDone(); // simple string, integer, double, null, bool ...
    }
    let n = 0;
    let neg = false;
    for (let k = start + 1; k < end; k++) {
      if (b[k] === 0x2d) neg = true;
      else n = n * 10 + (b[k] - 48);
    }
    if (neg) n = -n;
    if (type === 0x24 /* $ */) {
      if (n < 0) return this.elementDone();
      this.skip = n + 2;
      return;
    }
    if (type === 0x25 /* % */) n *= 2;
    if (n <= 0) return this.elementDone();
    this.stack.push(n);
  }

  private elementDone(): void {
    const st = this.stack;
    while (st.length > 0) {
      if (--st[st.length - 1] > 0) return;
      st.pop();
    }
    this.replies++;
    while (this.waiters.length > 0 && this.waiters[0].target <= this.replies) {
      this.waiters.shift()!.resolve();
    }
  }
}
