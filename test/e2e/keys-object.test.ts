/**
 * OBJECT IDLETIME / FREQ against real time and policies, KEYS on a database big enough to be
 * answered in slices, and FLUSHALL writing the RDB when save points are configured.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startKeyshard, type ServerProc } from '../helpers/procs.js';
import { RawConn } from '../helpers/raw.js';
import { splitAggregate } from '../helpers/diff.js';

let srv: ServerProc;
let conn: RawConn;

before(async () => {
  srv = await startKeyshard({ args: ['--save', '', '--enable-debug-command', 'yes'] });
  conn = await RawConn.open(srv.port);
});

after(async () => {
  conn.close();
  await srv.stop();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function int(reply: string): number {
  assert.equal(reply[0], ':', reply);
  return Number(reply.slice(1, -2));
}

test('OBJECT IDLETIME is the time since the last access; TYPE/EXISTS/TTL do not count', async () => {
  assert.equal(await conn.call('SET', 'idle', 'v'), '+OK\r\n');
  assert.equal(await conn.call('SET', 'busy', 'v'), '+OK\r\n');
  await sleep(1200);
  await conn.call('TYPE', 'idle');
  await conn.call('EXISTS', 'idle');
  await conn.call('TTL', 'idle');
  await conn.call('OBJECT', 'ENCODING', 'idle');
  assert.ok(int(await conn.call('OBJECT', 'IDLETIME', 'idle')) >= 1);
  await conn.call('GET', 'busy');
  assert.ok(int(await conn.call('OBJECT', 'IDLETIME', 'busy')) <= 1);
  await sleep(1100);
  assert.equal(await conn.call('TOUCH', 'idle', 'nosuch'), ':1\r\n');
  assert.ok(int(await conn.call('OBJECT', 'IDLETIME', 'idle')) === 0);
  assert.ok(int(await conn.call('OBJECT', 'IDLETIME', 'busy')) >= 1);
  assert.equal(await conn.call('OBJECT', 'IDLETIME', 'nosuch'), '$-1\r\n');
});

test('OBJECT FREQ needs an LFU policy and counts accesses logarithmically', async () => {
  assert.match(await conn.call('OBJECT', 'FREQ', 'idle'), /^-ERR An LFU maxmemory policy is not/);
  assert.equal(await conn.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu'), '+OK\r\n');
  try {
    assert.match(
      await conn.call('OBJECT', 'IDLETIME', 'idle'),
      /^-ERR An LFU maxmemory policy is selected/,
    );
    await conn.call('SET', 'hot', 'hello');
    assert.equal(await conn.call('OBJECT', 'FREQ', 'hot'), ':5\r\n');
    await conn.call('GET', 'hot');
    assert.equal(await conn.call('OBJECT', 'FREQ', 'hot'), ':6\r\n');
    for (let i = 0; i < 300; i++) conn.send('GET', 'hot');
    for (let i = 0; i < 300; i++) await conn.readReply();
    const f = int(await conn.call('OBJECT', 'FREQ', 'hot'));
    assert.ok(f > 6 && f < 40, `freq ${f}`);
  } finally {
    await conn.call('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
  }
});

test('KEYS on a large database (answered in slices) is complete and keeps pipeline order', async () => {
  await conn.call('FLUSHALL');
  const n = 120000;
  assert.equal(await conn.call('DEBUG', 'POPULATE', String(n), 'big'), '+OK\r\n');
  await conn.call('SET', 'other', 'v');
  const side = await RawConn.open(srv.port);
  conn.send('KEYS', 'big:*7');
  conn.send('PING');
  // Another client is served while the KEYS walk is in progress or after it; either way it works.
  assert.equal(await side.call('PING'), '+PONG\r\n');
  side.close();
  const reply = await conn.readReply(20000);
  assert.equal(await conn.readReply(), '+PONG\r\n');
  const items = splitAggregate(reply)!.items;
  assert.equal(items.length, n / 10);
  assert.equal(new Set(items).size, n / 10);
  for (const item of items) assert.match(item, /^\$\d+\r\nbig:\d*7\r\n$/);
  assert.equal(await conn.call('FLUSHALL'), '+OK\r\n');
});

test('FLUSHALL writes the RDB when save points are configured', async () => {
  const s2 = await startKeyshard({ args: ['--save', '3600', '1'] });
  const c2 = await RawConn.open(s2.port);
  try {
    const rdb = join(s2.dir, 'dump.rdb');
    assert.equal(existsSync(rdb), false);
    await c2.call('SET', 'k', 'v');
    assert.equal(await c2.call('FLUSHALL'), '+OK\r\n');
    assert.ok(existsSync(rdb) && statSync(rdb).size > 0);
    assert.equal(await c2.call('DBSIZE'), ':0\r\n');
  } finally {
    c2.close();
    await s2.stop();
  }
});
