/**
 * The RDB primitives against the real thing: DUMP payloads produced by redis-server 7.0 are
 * decoded (CRC, string encodings, LZF, listpack, intset), and payloads we encode are accepted
 * by RESTORE and read back identically.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, hasRedisServer, type ServerProc } from '../helpers/procs.js';
import { RawConn } from '../helpers/raw.js';
import { Crc64, crc64 } from '../../src/persistence/rdb/crc64.js';
import { lzfCompress, lzfDecompress } from '../../src/persistence/rdb/lzf.js';
import { encodeListpack, decodeListpack } from '../../src/persistence/rdb/listpack.js';
import { encodeIntset, decodeIntset } from '../../src/persistence/rdb/intset.js';
import { RdbReader, RdbWriter, RDB_TYPE } from '../../src/persistence/rdb/encoding.js';
import { rng } from '../helpers/diff.js';

let redis: ServerProc | null = null;
let conn: RawConn;

before(async () => {
  if (!hasRedisServer()) {
    if (process.env.CI) throw new Error('redis-server is required in CI');
    return;
  }
  redis = await startRedis();
  conn = await RawConn.open(redis.port);
});
after(async () => {
  conn?.close();
  await redis?.stop();
});

function bulkBytes(reply: string): Buffer {
  assert.equal(reply[0], '$', reply);
  const nl = reply.indexOf('\r\n');
  return Buffer.from(reply.slice(nl + 2, reply.length - 2), 'latin1');
}

/** Splits a DUMP payload into type, body, and verifies version and CRC. */
function openDump(p: Buffer): { type: number; body: RdbReader } {
  const crc = new Crc64().update(p, 0, p.length - 8).bytes();
  assert.deepEqual(crc, p.subarray(p.length - 8), 'payload CRC');
  assert.equal(p.readUInt16LE(p.length - 10), 10, 'RDB version');
  return { type: p[0], body: new RdbReader(p.subarray(1, p.length - 10)) };
}

function makeDump(type: number, w: RdbWriter): Buffer {
  const body = w.take();
  const head = Buffer.concat([Buffer.from([type]), body, Buffer.from([10, 0])]);
  return Buffer.concat([head, new Crc64().update(head).bytes()]);
}

test('CRC-64/Jones check value', () => {
  assert.equal(crc64(Buffer.from('123456789')), 0xe9c6d914c4b8d9can);
});

test('LZF round trip on random and repetitive data', () => {
  const r = rng(7);
  for (let i = 0; i < 200; i++) {
    const n = Math.floor(r() * 3000) + 4;
    const alphabet = Math.floor(r() * 20) + 1;
    const b = Buffer.alloc(n);
    for (let j = 0; j < n; j++) b[j] = 97 + Math.floor(r() * alphabet);
    const c = lzfCompress(b);
    if (c) assert.deepEqual(lzfDecompress(c, n), b);
  }
});

test('strings in DUMP payloads: int, raw and LZF encodings', async (t) => {
  if (!redis) return t.skip('redis-server not installed');
  const values = [
    '0',
    '-128',
    '127',
    '300',
    '-40000',
    '2147483647',
    '99999999999',
    'hello',
    'x'.repeat(500),
  ];
  for (const v of values) {
    await conn.call('SET', 'k', v);
    const { type, body } = openDump(bulkBytes(await conn.call('DUMP', 'k')));
    assert.equal(type, RDB_TYPE.STRING);
    assert.equal(body.string(), v);
    assert.equal(body.remaining, 0);
    // Our writer's payload restores to the same value.
    const w = new RdbWriter();
    w.string(v);
    const ours = makeDump(RDB_TYPE.STRING, w);
    assert.equal(await conn.call('RESTORE', 'k2', '0', ours, 'REPLACE'), '+OK\r\n');
    assert.equal(await conn.call('GET', 'k2'), `$${v.length}\r\n${v}\r\n`);
  }
});

test('listpack hashes are byte-identical to what redis-server writes', async (t) => {
  if (!redis) return t.skip('redis-server not installed');
  const fields: string[] = [];
  const values = [
    '0',
    '127',
    '128',
    '-4096',
    '4095',
    '-4097',
    '32767',
    '-32768',
    '8388607',
    '-8388608',
    '2147483647',
    '-2147483648',
    '9223372036854775807',
    '-9223372036854775808',
    '01',
    '-0',
    'x'.repeat(63),
    'y'.repeat(64),
    'z'.repeat(4095),
    'a\r\n\0b',
    '',
  ];
  await conn.call('DEL', 'h');
  const args: string[] = [];
  values.forEach((v, i) => {
    fields.push(`f${i}`, v);
    args.push(`f${i}`, v);
  });
  await conn.call('CONFIG', 'SET', 'hash-max-listpack-value', '5000');
  await conn.call('HSET', 'h', ...args);
  const { type, body } = openDump(bulkBytes(await conn.call('DUMP', 'h')));
  assert.equal(type, RDB_TYPE.HASH_LISTPACK);
  const blob = body.blob();
  assert.deepEqual(decodeListpack(blob), fields);
  assert.deepEqual(encodeListpack(fields), blob);
});

test('intsets are byte-identical and restorable', async (t) => {
  if (!redis) return t.skip('redis-server not installed');
  for (const members of [
    ['1', '2', '3'],
    ['-5', '40000'],
    ['1', '-9223372036854775808'],
  ]) {
    await conn.call('DEL', 's');
    await conn.call('SADD', 's', ...members);
    const { type, body } = openDump(bulkBytes(await conn.call('DUMP', 's')));
    assert.equal(type, RDB_TYPE.SET_INTSET);
    const blob = body.blob();
    const decoded = decodeIntset(blob);
    assert.deepEqual(decoded.map(String).sort(), [...members].sort());
    assert.deepEqual(encodeIntset(decoded), blob);
  }
});

test('lists as quicklist nodes of listpacks', async (t) => {
  if (!redis) return t.skip('redis-server not installed');
  await conn.call('DEL', 'l');
  const items = Array.from({ length: 50 }, (_, i) =>
    i % 3 === 0 ? String(i * 1000) : `item-${i}`,
  );
  await conn.call('RPUSH', 'l', ...items);
  const { type, body } = openDump(bulkBytes(await conn.call('DUMP', 'l')));
  assert.equal(type, RDB_TYPE.LIST_QUICKLIST_2);
  const nodes = body.length();
  const got: string[] = [];
  for (let i = 0; i < nodes; i++) {
    assert.equal(body.length(), 2, 'PACKED container');
    got.push(...decodeListpack(body.blob()));
  }
  assert.deepEqual(got, items);
});
