/**
 * Expiry on a live keyshard: keys with short TTLs disappear on their own (the active expire
 * cycle) without ever being read, DBSIZE and INFO reflect it, and lazily expired keys are gone
 * on access. The bounds are generous: they check that expiry happens, not how fast.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startKeyshard, type ServerProc } from '../helpers/procs.js';
import { RawConn } from '../helpers/raw.js';

let srv: ServerProc;
let conn: RawConn;

before(async () => {
  srv = await startKeyshard();
  conn = await RawConn.open(srv.port);
});

after(async () => {
  conn.close();
  await srv.stop();
});

async function pipeline(cmds: string[][]): Promise<string[]> {
  for (const argv of cmds) conn.send(...argv);
  const out: string[] = [];
  for (let i = 0; i < cmds.length; i++) out.push(await conn.readReply());
  return out;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function dbsize(): Promise<number> {
  const r = await conn.call('DBSIZE');
  return Number(r.slice(1, -2));
}

async function info(section: string): Promise<string> {
  const r = await conn.call('INFO', section);
  return r.slice(r.indexOf('\r\n') + 2);
}

/** Polls DBSIZE (which reads no key) until it equals `want`, for at most `ms`. */
async function waitDbsize(want: number, ms: number): Promise<number> {
  const deadline = Date.now() + ms;
  let n = await dbsize();
  while (n !== want && Date.now() < deadline) {
    await sleep(50);
    n = await dbsize();
  }
  return n;
}

test('untouched keys with short TTLs are removed by the active cycle', async () => {
  await conn.call('FLUSHALL');
  const before = Number(/expired_keys:(\d+)/.exec(await info('stats'))?.[1] ?? 'NaN');
  const cmds: string[][] = [];
  for (let i = 0; i < 1000; i++) cmds.push(['SET', `short:${i}`, 'v']);
  for (let i = 0; i < 1000; i++) cmds.push(['PEXPIRE', `short:${i}`, String(400 + (i % 200))]);
  for (let i = 0; i < 300; i++) cmds.push(['SET', `long:${i}`, 'v']);
  for (let i = 0; i < 100; i++) cmds.push(['EXPIRE', `long:${i}`, '1000']);
  await pipeline(cmds);
  assert.equal(await waitDbsize(300, 5000), 300);
  const ks = await info('keyspace');
  assert.match(ks, /db0:keys=300,expires=100,avg_ttl=(\d+)/);
  // avg_ttl is a slow running average (2% per sample, as in Redis) of the TTLs sampled.
  const avg = Number(/avg_ttl=(\d+)/.exec(ks)![1]);
  assert.ok(avg > 0 && avg <= 1000000, `avg_ttl ${avg}`);
  const after = Number(/expired_keys:(\d+)/.exec(await info('stats'))![1]);
  assert.equal(after - before, 1000);
});

test('expiry reaches keys in every database', async () => {
  await conn.call('FLUSHALL');
  for (const db of ['0', '3', '15']) {
    await conn.call('SELECT', db);
    const cmds: string[][] = [];
    for (let i = 0; i < 50; i++) cmds.push(['SET', `k${i}`, 'v'], ['PEXPIRE', `k${i}`, '60']);
    await pipeline(cmds);
  }
  await sleep(100);
  for (const db of ['0', '3', '15']) {
    await conn.call('SELECT', db);
    assert.equal(await waitDbsize(0, 5000), 0, `db ${db}`);
  }
  await conn.call('SELECT', '0');
  assert.doesNotMatch(await info('keyspace'), /db\d+:keys=/);
});

test('an expired key is gone on access even before the cycle runs', async () => {
  await conn.call('FLUSHALL');
  await pipeline([
    ['SET', 'lazy', 'v'],
    ['PEXPIRE', 'lazy', '30'],
  ]);
  assert.equal(await conn.call('PTTL', 'lazy').then((r) => r[0]), ':');
  await sleep(60);
  assert.equal(await conn.call('GET', 'lazy'), '$-1\r\n');
  assert.equal(await conn.call('TTL', 'lazy'), ':-2\r\n');
  assert.equal(await conn.call('EXISTS', 'lazy'), ':0\r\n');
});

test('TTL bookkeeping: SET clears it, RENAME/COPY/MOVE carry it, PERSIST removes it', async () => {
  await conn.call('FLUSHALL');
  await pipeline([
    ['SET', 'a', 'v'],
    ['EXPIRE', 'a', '100'],
  ]);
  assert.equal(await conn.call('RENAME', 'a', 'b'), '+OK\r\n');
  assert.equal(await conn.call('TTL', 'b'), ':100\r\n');
  assert.equal(await conn.call('COPY', 'b', 'c'), ':1\r\n');
  assert.equal(await conn.call('TTL', 'c'), ':100\r\n');
  assert.equal(await conn.call('MOVE', 'c', '1'), ':1\r\n');
  await conn.call('SELECT', '1');
  assert.equal(await conn.call('TTL', 'c'), ':100\r\n');
  assert.equal(await conn.call('PERSIST', 'c'), ':1\r\n');
  assert.equal(await conn.call('TTL', 'c'), ':-1\r\n');
  await conn.call('SELECT', '0');
  assert.equal(await conn.call('SET', 'b', 'w'), '+OK\r\n');
  assert.equal(await conn.call('TTL', 'b'), ':-1\r\n');
  const at = Math.floor(Date.now() / 1000) + 1000;
  assert.equal(await conn.call('EXPIREAT', 'b', String(at)), ':1\r\n');
  assert.equal(await conn.call('EXPIRETIME', 'b'), `:${at}\r\n`);
  assert.equal(await conn.call('PEXPIRETIME', 'b'), `:${at * 1000}\r\n`);
});
