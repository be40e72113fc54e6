/**
 * Shared pieces of the AOF tests: a write workload touching every type, TTLs, MULTI/EXEC and
 * several databases, and a dump of every key (value, type, absolute expiry) to compare data sets.
 */
import { readFileSync, readdirSync, cpSync } from 'node:fs';
import { join } from 'node:path';
import { RawConn } from '../helpers/raw.js';
import { rng } from '../helpers/diff.js';

/** Decodes a RESP2 reply into nested strings (errors keep their leading '-'). */
export function parse(raw: string): unknown {
  let pos = 0;
  const read = (): unknown => {
    const t = raw[pos];
    const cr = raw.indexOf('\r\n', pos);
    const head = raw.slice(pos + 1, cr);
    pos = cr + 2;
    if (t === '+' || t === ':') return head;
    if (t === '-') return `-${head}`;
    if (t === '$') {
      const n = Number(head);
      if (n < 0) return null;
      const s = raw.slice(pos, pos + n);
      pos += n + 2;
      return s;
    }
    if (t === '*') {
      const n = Number(head);
      if (n < 0) return null;
      const out: unknown[] = [];
      for (let i = 0; i < n; i++) out.push(read());
      return out;
    }
    throw new Error(`unexpected reply ${JSON.stringify(raw)}`);
  };
  return read();
}

export async function call(c: RawConn, ...args: string[]): Promise<unknown> {
  return parse(await c.call(...args));
}

/** Every key of databases 0..15 as "db key type expiry value" lines, sorted. */
export async function dumpAll(port: number, dbs = 16): Promise<string[]> {
  const c = await RawConn.open(port);
  const out: string[] = [];
  try {
    for (let db = 0; db < dbs; db++) {
      const sel = await call(c, 'SELECT', String(db));
      if (sel !== 'OK') break;
      const keys = (await call(c, 'KEYS', '*')) as string[];
      for (const k of keys) {
        const type = (await call(c, 'TYPE', k)) as string;
        // Listed by KEYS, then expired (the PX 30 keys of the workload).
        if (type === 'none') continue;
        const exp = (await call(c, 'PEXPIRETIME', k)) as string;
        let v: unknown;
        if (type === 'string') v = await call(c, 'GET', k);
        else if (type === 'list') v = await call(c, 'LRANGE', k, '0', '-1');
        else if (type === 'set') v = ((await call(c, 'SMEMBERS', k)) as string[]).sort();
        else if (type === 'zset') v = await call(c, 'ZRANGE', k, '0', '-1', 'WITHSCORES');
        else if (type === 'hash') {
          const flat = (await call(c, 'HGETALL', k)) as string[];
          const pairs: string[] = [];
          for (let i = 0; i < flat.length; i += 2) pairs.push(`${flat[i]}=${flat[i + 1]}`);
          v = pairs.sort();
        }
        out.push(`${db} ${JSON.stringify(k)} ${type} ${exp} ${JSON.stringify(v)}`);
      }
    }
  } finally {
    c.close();
  }
  return out.sort();
}

/**
 * A seeded mix of writes: strings, lists, hashes, sets, zsets, counters, TTLs (relative and
 * absolute, set and removed), deletions, renames, MULTI/EXEC, in databases 0, 1 and 3.
 */
export async function workload(
  port: number,
  seed: number,
  ops = 400,
  dbs = [0, 1, 3],
): Promise<void> {
  const r = rng(seed);
  const c = await RawConn.open(port);
  const n = (k: number): string => String(Math.floor(r() * k));
  const key = (p: string): string => `${p}:${n(20)}`;
  let sent = 0;
  const send = (...args: string[]): void => {
    c.send(...args);
    sent++;
  };
  try {
    for (let i = 0; i < ops; i++) {
      if (i % 50 === 0) send('SELECT', String(dbs[Math.floor(r() * dbs.length)]));
      const op = Math.floor(r() * 22);
      switch (op) {
        case 0:
          send('SET', key('s'), `v${n(1000)}\xff\x00bin`);
          break;
        case 1:
          send('SET', key('s'), n(100000), 'EX', String(1000 + Math.floor(r() * 1000)));
          break;
        case 2:
          send('INCRBY', key('n'), n(50));
          break;
        case 3:
          send('INCRBYFLOAT', key('f'), `${n(10)}.25`);
          break;
        case 4:
          send('RPUSH', key('l'), `a${n(10)}`, `b${n(10)}`, `c${n(10)}`);
          break;
        case 5:
          send('LPOP', key('l'));
          break;
        case 6:
          send('HSET', key('h'), `f${n(10)}`, n(100), `g${n(10)}`, `x${n(100)}`);
          break;
        case 7:
          send('HINCRBY', key('h'), `c${n(3)}`, n(10));
          break;
        case 8:
          send('SADD', key('t'), n(30), n(30), `m${n(30)}`);
          break;
        case 9:
          send('SPOP', key('t'));
          break;
        case 10:
          send('ZADD', key('z'), `${n(100)}.5`, `m${n(20)}`, String(-n(5)), `q${n(20)}`);
          break;
        case 11:
          send('ZINCRBY', key('z'), '1.75', `m${n(20)}`);
          break;
        case 12:
          send('EXPIRE', key('s'), String(500 + Math.floor(r() * 500)));
          break;
        case 13:
          send('PERSIST', key('s'));
          break;
        case 14:
          send('DEL', key(['s', 'l', 'h', 't', 'z'][Math.floor(r() * 5)]));
          break;
        case 15:
          send('RENAME', key('s'), key('s'));
          break;
        case 16:
          send('MULTI');
          send('SET', key('s'), 'tx');
          send('LPUSH', key('l'), 'tx');
          send('PEXPIREAT', key('h'), String(Date.now() + 900000));
          send('EXEC');
          break;
        case 17:
          send('SETEX', key('s'), '3000', 'sx');
          break;
        case 18:
          // Expires while the test runs: its DEL is in the AOF too.
          send('SET', key('s'), 'short', 'PX', '30');
          break;
        case 19:
          send('APPEND', key('s'), 'app');
          break;
        case 20:
          send('ZREM', key('z'), `m${n(20)}`);
          break;
        default:
          send('LSET', key('l'), '0', 'set');
      }
    }
    // Read every reply (errors such as RENAME of a missing key are fine).
    for (let i = 0; i < sent; i++) await c.readReply();
    // Let the PX 30 keys expire, so that no dump races their TTL.
    await new Promise((res) => setTimeout(res, 100));
  } finally {
    c.close();
  }
}

/** Polls INFO persistence until no rewrite runs and at least `n` rewrites completed. */
export async function waitRewrite(port: number, n = 1, timeoutMs = 15000): Promise<void> {
  const c = await RawConn.open(port);
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      const info = (await call(c, 'INFO', 'persistence')) as string;
      const done = /aof_rewrite_in_progress:0/.test(info) && !/aof_rewrite_scheduled:1/.test(info);
      const count = Number(/aof_rewrites:(\d+)/.exec(info)?.[1] ?? 0);
      if (done && count >= n) return;
      if (Date.now() > deadline) throw new Error(`rewrite did not finish:\n${info}`);
      await new Promise((res) => setTimeout(res, 50));
    }
  } finally {
    c.close();
  }
}

/** The manifest's lines. */
export function manifestOf(dir: string): string {
  return readFileSync(join(dir, 'appendonlydir', 'appendonly.aof.manifest'), 'latin1');
}

export function aofFiles(dir: string): string[] {
  return readdirSync(join(dir, 'appendonlydir')).sort();
}

/** Copies a node's appendonlydir into another directory. */
export function copyAof(from: string, to: string): void {
  cpSync(join(from, 'appendonlydir'), join(to, 'appendonlydir'), { recursive: true });
}

/** A log line without its "pid:role date time level " prefix. */
export function logLines(out: string, re: RegExp): string[] {
  return out
    .split('\n')
    .map((l) => l.replace(/^\d+:[A-Z] \d+ \w+ \d+ [\d:.]+ [*#.-] /, ''))
    .filter((l) => re.test(l));
}
