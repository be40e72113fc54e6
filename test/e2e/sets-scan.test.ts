/**
 * SSCAN / ZSCAN guarantees on the hashtable and skiplist encodings (whose cursors cannot match
 * Redis's bucket cursors): a full iteration returns every element present for its whole
 * duration even while other elements are added and removed, interleaved scans of one key do
 * not disturb each other, and an unmodified large set scans to the same elements as Redis.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { redisServerOrSkip, startKeyshard, type ServerProc } from '../helpers/procs.js';
import { startPair } from '../helpers/diff.js';
import { RawConn } from '../helpers/raw.js';
import { decode, fullScan } from './sets-resp.js';

let ks: ServerProc;
before(async () => {
  ks = await startKeyshard();
});
after(async () => {
  await ks.stop();
});

async function scanStep(c: RawConn, argv: string[]): Promise<[string, string[]]> {
  const r = decode(await c.call(...argv)) as [string, string[]];
  return r;
}

test('SSCAN returns every stable member while the set changes', async () => {
  const c = await RawConn.open(ks.port);
  const stable = Array.from({ length: 3000 }, (_, i) => `s${i}`);
  await c.call('SADD', 'scanset', ...stable);
  await c.call('SADD', 'scanset', ...Array.from({ length: 1000 }, (_, i) => `v${i}`));
  assert.equal(await c.call('OBJECT', 'ENCODING', 'scanset'), '$9\r\nhashtable\r\n');
  const seen = new Set<string>();
  let cursor = '0';
  let calls = 0;
  do {
    const [next, items] = await scanStep(c, ['SSCAN', 'scanset', cursor, 'COUNT', '7']);
    for (const m of items) seen.add(m);
    // Churn: drop some volatile members, add new ones.
    await c.call('SREM', 'scanset', `v${calls % 1000}`, `n${calls - 5}`);
    await c.call('SADD', 'scanset', `n${calls}`);
    cursor = next;
    calls++;
    assert.ok(calls < 5000, 'scan did not terminate');
  } while (cursor !== '0');
  for (const m of stable) assert.ok(seen.has(m), `missing ${m}`);
  c.close();
});

test('ZSCAN on a skiplist returns every stable member; interleaved scans are independent', async () => {
  const c = await RawConn.open(ks.port);
  const args: string[] = [];
  for (let i = 0; i < 600; i++) args.push(String(i % 13), `m${i}`);
  await c.call('ZADD', 'scanz', ...args);
  assert.equal(await c.call('OBJECT', 'ENCODING', 'scanz'), '$8\r\nskiplist\r\n');
  const seenA = new Map<string, string>();
  const seenB = new Set<string>();
  let ca = '0';
  let cb = '0';
  for (let i = 0; i < 5000 && (i === 0 || ca !== '0' || cb !== '0'); i++) {
    if (ca !== '0' || i === 0) {
      const [next, items] = await scanStep(c, ['ZSCAN', 'scanz', ca, 'COUNT', '5']);
      for (let j = 0; j < items.length; j += 2) seenA.set(items[j], items[j + 1]);
      ca = next;
    }
    if (cb !== '0' || i === 0) {
      const [next, items] = await scanStep(c, ['ZSCAN', 'scanz', cb, 'COUNT', '11']);
      for (let j = 0; j < items.length; j += 2) seenB.add(items[j]);
      cb = next;
    }
    await c.call('ZADD', 'scanz', '1.5', `extra${i}`);
  }
  assert.equal(ca, '0');
  assert.equal(cb, '0');
  for (let i = 0; i < 600; i++) {
    assert.equal(seenA.get(`m${i}`), String(i % 13), `m${i}`);
    assert.ok(seenB.has(`m${i}`), `m${i}`);
  }
  c.close();
});

test('a large unmodified set and zset scan to the same elements as Redis', async (t) => {
  if (!redisServerOrSkip(t)) return;
  const pair = await startPair();
  try {
    for (const conn of [pair.ksConn, pair.redisConn]) {
      await conn.call('SADD', 'bigset', ...Array.from({ length: 2000 }, (_, i) => `e${i}`));
      const z: string[] = [];
      for (let i = 0; i < 1000; i++) z.push(String(i / 7), `z${i}`);
      await conn.call('ZADD', 'bigz', ...z);
    }
    for (const argv of [
      ['SSCAN', 'bigset', '0', 'COUNT', '50'],
      ['SSCAN', 'bigset', '0', 'MATCH', 'e1*'],
    ]) {
      assert.equal(
        await fullScan(pair.ksConn, argv, false),
        await fullScan(pair.redisConn, argv, false),
      );
    }
    for (const argv of [
      ['ZSCAN', 'bigz', '0', 'COUNT', '20'],
      ['ZSCAN', 'bigz', '0', 'MATCH', '*5'],
    ]) {
      assert.equal(
        await fullScan(pair.ksConn, argv, true),
        await fullScan(pair.redisConn, argv, true),
      );
    }
  } finally {
    await pair.stop();
  }
});
