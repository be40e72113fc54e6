/**
 * Memory per key: load N keys (strings or small collections) through a pipelined connection,
 * then compare the process RSS (from /proc) and INFO used_memory before and after. Both figures
 * are reported because they mean different things: RSS is what the OS charges the process (for
 * Node it includes the V8 heap's slack and not-yet-collected garbage), used_memory is what the
 * server says it uses.
 */
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import type { MemoryRow } from './rows.js';
import { cmd, RespPipe } from './resp-pipe.js';

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
  const pipe = await RespPipe.open(port);
  const batch = 10_000;
  const filler = 'x'.repeat(Math.max(0, row.valueSize - 16));
  try {
    for (let start = 0; start < row.keys; start += batch) {
      const end = Math.min(row.keys, start + batch);
      let data = '';
      for (let i = start; i < end; i++) data += loadCommand(row, i, filler);
      await pipe.send(data, end - start);
      if (pipe.firstError) throw new Error(`loading failed: ${pipe.firstError}`);
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
