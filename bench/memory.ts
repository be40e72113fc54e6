/**
 * Memory per key: load N string keys through a pipelined connection, then compare the process
 * RSS (from /proc) and INFO used_memory before and after. Both figures are reported because
 * they mean different things: RSS is what the OS charges the process (for Node it includes the
 * V8 heap's slack and not-yet-collected garbage), used_memory is what the server says it uses.
 */
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import type { MemoryRow } from './rows.js';

export interface MemorySample {
  rssBytes: number;
  /** INFO used_memory, or null when the server does not report it. */
  usedMemory: number | null;
}

export interface MemoryResult {
  keys: number;
  /** Keys the server holds after loading (DBSIZE), null if it cannot say. */
  dbsize: number | null;
  rssPerKey: number;
  usedMemoryPerKey: number | null;
}

export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'latin1');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

/** A minimal pipelined connection: sends raw bytes, counts complete simple replies. */
class Pipe {
  private pending: { need: number; resolve: (text: string) => void } | null = null;
  private received = 0;
  private text = '';

  private constructor(private readonly sock: Socket) {
    sock.on('data', (b: Buffer) => {
      const s = b.toString('latin1');
      // Every reply the loader expects is a single line, so counting LFs counts replies.
      for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) this.received++;
      if (this.text.length < 1 << 20) this.text += s;
      const p = this.pending;
      if (p && this.received >= p.need) {
        this.pending = null;
        p.resolve(this.text);
      }
    });
  }

  static open(port: number): Promise<Pipe> {
    return new Promise((resolve, reject) => {
      const s = connect({ port, host: '127.0.0.1' }, () => resolve(new Pipe(s)));
      s.once('error', reject);
    });
  }

  /** Sends `data` holding `count` commands and waits for all their reply lines. */
  send(data: string, count: number): Promise<string> {
    this.received = 0;
    this.text = '';
    return new Promise((resolve) => {
      this.pending = { need: count, resolve };
      this.sock.write(data, 'latin1');
    });
  }

  close(): void {
    this.sock.destroy();
  }
}

function cmd(...args: string[]): string {
  let s = `*${args.length}\r\n`;
  for (const a of args) s += `$${a.length}\r\n${a}\r\n`;
  return s;
}

/** Reads one bulk reply with a small dedicated connection (INFO, DBSIZE). */
function query(port: number, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1' }, () => s.write(cmd(...args), 'latin1'));
    let buf = '';
    s.on('data', (b: Buffer) => {
      buf += b.toString('latin1');
      const nl = buf.indexOf('\r\n');
      if (nl < 0) return;
      const head = buf.slice(0, nl);
      if (head[0] === '$') {
        const len = Number(head.slice(1));
        if (len >= 0 && buf.length < nl + 2 + len + 2) return;
        s.destroy();
        resolve(len < 0 ? '' : buf.slice(nl + 2, nl + 2 + len));
        return;
      }
      s.destroy();
      resolve(head);
    });
    s.on('error', reject);
  });
}

export async function sampleMemory(port: number, pid: number): Promise<MemorySample> {
  const info = await query(port, 'INFO', 'memory');
  const m = /^used_memory:(\d+)\r?$/m.exec(info);
  return { rssBytes: rssOf(pid), usedMemory: m ? Number(m[1]) : null };
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** `key:000000000042` style names: fixed width, distinct, like redis-benchmark -r keys. */
export function keyName(i: number, size: number): string {
  return `key:${pad(i, size - 4)}`;
}

/** The command that creates key `i` of the row. */
function loadCommand(row: MemoryRow, i: number, filler: string): string {
  const key = keyName(i, row.keySize);
  const type = row.type ?? 'string';
  if (type === 'string')
    return cmd('SET', key, `val:${pad(i, 12)}${filler}`.slice(0, row.valueSize));
  const args: string[] = [];
  for (let e = 0; e < (row.elements ?? 1); e++) {
    const item = `e${e}:${pad(i, row.valueSize - 3)}`.slice(0, row.valueSize);
    if (type === 'hash') args.push(`f${e}`, item);
    else if (type === 'zset') args.push(String(e), item);
    else args.push(item);
  }
  const verb = { hash: 'HSET', list: 'RPUSH', set: 'SADD', zset: 'ZADD' }[type];
  return cmd(verb, key, ...args);
}

export async function loadKeys(port: number, row: MemoryRow): Promise<void> {
  const pipe = await Pipe.open(port);
  const batch = 10_000;
  const filler = 'x'.repeat(Math.max(0, row.valueSize - 16));
  try {
    for (let start = 0; start < row.keys; start += batch) {
      const end = Math.min(row.keys, start + batch);
      let data = '';
      for (let i = start; i < end; i++) data += loadCommand(row, i, filler);
      const replies = await pipe.send(data, end - start);
      if (replies[0] === '-') throw new Error(`loading failed: ${replies.split('\r\n')[0]}`);
    }
  } finally {
    pipe.close();
  }
}

async function dbsize(port: number): Promise<number | null> {
  const r = await query(port, 'DBSIZE');
  return r[0] === ':' ? Number(r.slice(1)) : null;
}

/** Loads the row's dataset into a fresh server and measures what it cost per key. */
export async function measureMemory(
  port: number,
  pid: number,
  row: MemoryRow,
): Promise<MemoryResult> {
  const before = await sampleMemory(port, pid);
  await loadKeys(port, row);
  // Let a Node server finish the incremental GC work the load started before sampling.
  await new Promise((r) => setTimeout(r, 2000));
  const after = await sampleMemory(port, pid);
  const used =
    before.usedMemory !== null && after.usedMemory !== null
      ? (after.usedMemory - before.usedMemory) / row.keys
      : null;
  return {
    keys: row.keys,
    dbsize: await dbsize(port),
    rssPerKey: (after.rssBytes - before.rssBytes) / row.keys,
    usedMemoryPerKey: used,
  };
}
