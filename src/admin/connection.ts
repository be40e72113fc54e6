/**
 * A minimal async client connection: commands are written as RESP arrays, replies are matched to
 * callers in order (so pipelining is just several call()s before awaiting). Used by keyshard-cli
 * and by MIGRATE's cached links to target nodes.
 */
import { connect, type Socket } from 'node:net';
import { encodeCommand, RespReader, type RespValue } from './resp-reader.js';

export class ConnectionError extends Error {}

interface Pending {
  resolve(v: RespValue): void;
  reject(e: Error): void;
}

export class Connection {
  private readonly reader = new RespReader();
  private readonly pending: Pending[] = [];
  private failure: Error | null = null;
  /** Replies nobody asked for (RESP3 pushes). */
  onPush: ((v: RespValue) => void) | null = null;

  private constructor(
    readonly host: string,
    readonly port: number,
    private readonly socket: Socket,
  ) {
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('error', (e) => this.fail(e));
    socket.on('close', () => this.fail(new ConnectionError('Server closed the connection')));
  }

  /** Connects, rejecting after timeoutMs (0 = no limit). */
  static open(host: string, port: number, timeoutMs = 0): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const sock = connect({ host, port });
      sock.setNoDelay(true);
      let timer: NodeJS.Timeout | null = null;
      if (timeoutMs > 0)
        timer = setTimeout(() => {
          sock.destroy();
          reject(new ConnectionError('Connection timed out'));
        }, timeoutMs);
      const onError = (e: Error): void => {
        if (timer) clearTimeout(timer);
        reject(e);
      };
      sock.once('error', onError);
      sock.once('connect', () => {
        if (timer) clearTimeout(timer);
        sock.off('error', onError);
        resolve(new Connection(host, port, sock));
      });
    });
  }

  get closed(): boolean {
    return this.failure !== null;
  }

  call(argv: readonly string[]): Promise<RespValue> {
    return this.callRaw(encodeCommand(argv));
  }

  /** Sends already-encoded bytes that produce exactly one reply. */
  callRaw(bytes: string): Promise<RespValue> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.socket.write(bytes, 'latin1');
    });
  }

  close(): void {
    this.fail(new ConnectionError('Connection closed'));
    this.socket.destroy();
  }

  /** Fails every waiting call after ms without the whole batch answered. */
  withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
    if (ms <= 0) return p;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const e = new ConnectionError('timeout');
        this.fail(e);
        this.socket.destroy();
        reject(e);
      }, ms);
      p.then(
        (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        (e: Error) => {
          clearTimeout(timer);
          reject(e);
        },
      );
    });
  }

  private onData(d: Buffer): void {
    this.reader.push(d);
    for (;;) {
      let v: RespValue | undefined;
      try {
        v = this.reader.next();
      } catch (e) {
        this.fail(e as Error);
        this.socket.destroy();
        return;
      }
      if (v === undefined) return;
      if (v.t === 'push' && this.onPush && this.pending.length === 0) {
        this.onPush(v);
        continue;
      }
      const p = this.pending.shift();
      if (p) p.resolve(v);
      else if (this.onPush) this.onPush(v);
    }
  }

  private fail(e: Error): void {
    if (this.failure) return;
    this.failure = e;
    for (const p of this.pending.splice(0)) p.reject(e);
  }
}

/** The text of a simple/bulk/error reply ('' for anything else). */
export function textOf(v: RespValue): string {
  return v.t === 'simple' || v.t === 'bulk' || v.t === 'error' || v.t === 'int' ? v.s : '';
}
