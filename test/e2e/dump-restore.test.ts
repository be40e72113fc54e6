import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  hasRedisServer,
  startKeyshard,
  startRedis,
  redisServerOrSkip,
  type ServerProc,
} from '../helpers/procs.js';
import { RawConn } from '../helpers/raw.js';

let ks: ServerProc;
let rs: ServerProc | null = null;
before(async () => {
  ks = await startKeyshard({ args: ['--save', ''] });
  if (hasRedisServer()) rs = await startRedis({ args: ['--save', ''] });
});
after(async () => {
  await ks.stop();
  await rs?.stop();
});

/** One value of every type and encoding, created by the same commands on a server. */
const FIXTURES: string[][] = [
  ['SET', 'str', 'hello'],
  ['SET', 'int', '12345'],
  ['SET', 'long', 'x'.repeat(300)],
  ['RPUSH', 'list', 'a', 'b', '1', '2'],
  ['HSET', 'hash', 'f', 'v', 'g', '1'],
  ['HSET', 'bighash', ...Array.from({ length: 300 }, (_, i) => [`f${i}`, `v${i}`]).flat()],
  ['SADD', 'intset', '1', '2', '3'],
  ['SADD', 'set', 'a', 'b', 'c'],
  ['ZADD', 'zset', '1', 'a', '2.5', 'b'],
  ['ZADD', 'bigzset', ...Array.from({ length: 200 }, (_, i) => [String(i / 3), `m${i}`]).flat()],
];
const READBACK: Record<string, string[]> = {
  str: ['GET'],
  int: ['GET'],
  long: ['GET'],
  list: ['LRANGE', '*', '0', '-1'],
  hash: ['HGETALL'],
  bighash: ['HLEN'],
  intset: ['SMEMBERS'],
  set: ['SCARD'],
  zset: ['ZRANGE', '*', '0', '-1', 'WITHSCORES'],
  bigzset: ['ZRANGE', '*', '0', '-1', 'WITHSCORES'],
};

function readback(key: string, as: string): string[] {
  const r = READBACK[key];
  return r.includes('*') ? r.map((x) => (x === '*' ? as : x)) : [...r, as];
}

async function roundTrip(from: number, to: number): Promise<void> {
  const a = await RawConn.open(from);
  const b = await RawConn.open(to);
  await a.call('FLUSHALL');
  await b.call('FLUSHALL');
  for (const f of FIXTURES) await a.call(...f);
  for (const f of FIXTURES) {
    const key = f[1];
    const dumped = await a.call('DUMP', key);
    const m = /^\$(\d+)\r\n/.exec(dumped)!;
    const payload = dumped.slice(m[0].length, m[0].length + Number(m[1]));
    assert.equal(await b.call('RESTORE', key, '0', payload), '+OK\r\n', key);
    assert.equal(
      await b.call('RESTORE', key, '0', payload),
      '-BUSYKEY Target key name already exists.\r\n',
    );
    assert.equal(
      await b.call('RESTORE', key, '0', payload, 'REPLACE', 'IDLETIME', '10'),
      '+OK\r\n',
    );
    assert.equal(await b.call(...readback(key, key)), await a.call(...readback(key, key)), key);
    assert.equal(await b.call('TYPE', key), await a.call('TYPE', key));
  }
  a.close();
  b.close();
}

test('DUMP payloads restore into the other server for every type (both directions)', async (t) => {
  if (!redisServerOrSkip(t) || !rs) return;
  await roundTrip(ks.port, rs.port);
  await roundTrip(rs.port, ks.port);
});

test('RESTORE errors and options match redis-server', async (t) => {
  if (!redisServerOrSkip(t) || !rs) return;
  for (const port of [ks.port, rs.port]) {
    const c = await RawConn.open(port);
    await c.call('FLUSHALL');
    await c.call('SET', 'k', 'v');
    const m = /^\$(\d+)\r\n/.exec(await c.call('DUMP', 'k'))!;
    const p = (await c.call('DUMP', 'k')).slice(m[0].length, m[0].length + Number(m[1]));
    const bad = p.slice(0, -1) + String.fromCharCode(p.charCodeAt(p.length - 1) ^ 1);
    const results = [
      await c.call('RESTORE', 'n', '0', bad),
      await c.call('RESTORE', 'n', '-5', p),
      await c.call('RESTORE', 'n', 'x', p),
      await c.call('RESTORE', 'n', '0', p, 'IDLETIME', '-1'),
      await c.call('RESTORE', 'n', '0', p, 'FREQ', '256'),
      await c.call('RESTORE', 'n', '0', p, 'BOGUS'),
      await c.call('RESTORE', 'n', '0', '\x00\x01\x02'),
      await c.call('RESTORE', 'n', '0', '\xff' + p.slice(1)),
      await c.call('RESTORE', 'n', '5000', p),
      await c.call('PTTL', 'n').then((r) => (Number(r.slice(1)) > 4000 ? 'ttl ok' : r)),
      await c.call('RESTORE', 'a', String(Date.now() + 60000), p, 'ABSTTL'),
      await c.call('TTL', 'a'),
      await c.call('RESTORE', 'k', '1', p, 'ABSTTL', 'REPLACE'),
      await c.call('EXISTS', 'k'),
      await c.call('DUMP', 'nokey'),
    ];
    if (port === ks.port) (globalThis as Record<string, unknown>).ksResults = results;
    else assert.deepEqual((globalThis as Record<string, unknown>).ksResults, results);
    c.close();
  }
});

test('MIGRATE moves keys both ways between keyshard and redis-server', async (t) => {
  if (!redisServerOrSkip(t) || !rs) return;
  for (const [src, dst] of [
    [ks.port, rs.port],
    [rs.port, ks.port],
  ]) {
    const a = await RawConn.open(src);
    const b = await RawConn.open(dst);
    await a.call('FLUSHALL');
    await b.call('FLUSHALL');
    for (const f of FIXTURES) await a.call(...f);
    await a.call('PEXPIRE', 'str', '100000');
    assert.equal(await a.call('MIGRATE', '127.0.0.1', String(dst), 'str', '0', '5000'), '+OK\r\n');
    assert.equal(await a.call('EXISTS', 'str'), ':0\r\n');
    assert.match(await b.call('PTTL', 'str'), /^:(9\d{4}|100000)\r\n$/);
    assert.equal(
      await a.call('MIGRATE', '127.0.0.1', String(dst), 'nokey', '0', '5000'),
      '+NOKEY\r\n',
    );
    const keys = FIXTURES.map((f) => f[1]).filter((k) => k !== 'str');
    assert.equal(
      await a.call('MIGRATE', '127.0.0.1', String(dst), '', '3', '5000', 'COPY', 'KEYS', ...keys),
      '+OK\r\n',
    );
    assert.equal(await a.call('DBSIZE'), `:${keys.length}\r\n`);
    await b.call('SELECT', '3');
    assert.equal(await b.call('DBSIZE'), `:${keys.length}\r\n`);
    assert.equal(
      await b.call('LRANGE', 'list', '0', '-1'),
      await a.call('LRANGE', 'list', '0', '-1'),
    );
    assert.equal(
      await a.call('MIGRATE', '127.0.0.1', String(dst), 'list', '3', '5000'),
      '-ERR Target instance replied with error: BUSYKEY Target key name already exists.\r\n',
    );
    assert.equal(
      await a.call('MIGRATE', '127.0.0.1', String(dst), 'list', '3', '5000', 'REPLACE'),
      '+OK\r\n',
    );
    assert.equal(
      await a.call('MIGRATE', '127.0.0.1', String(dst), 'k', '0', '100', 'KEYS', 'x'),
      '-ERR When using MIGRATE KEYS option, the key argument must be set to the empty string\r\n',
    );
    a.close();
    b.close();
  }
});

test('MIGRATE to a closed port answers IOERR', async () => {
  const a = await RawConn.open(ks.port);
  await a.call('SET', 'k', 'v');
  assert.equal(
    await a.call('MIGRATE', '127.0.0.1', '1', 'k', '0', '500'),
    '-IOERR error or timeout connecting to the client\r\n',
  );
  assert.equal(await a.call('EXISTS', 'k'), ':1\r\n');
  a.close();
});
