/**
 * BZPOPMIN, BZPOPMAX and BZMPOP against redis-server 7.0: each scenario runs on both servers
 * with concurrent raw connections and the transcripts (every reply, byte for byte) must match:
 * immediate serve, wake-up by ZADD from another client, first-come-first-served, timeouts,
 * MULTI (no blocking), disconnect while blocked, errors.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { redisServerOrSkip, startKeyshard, startRedis, type ServerProc } from '../helpers/procs.js';
import { RawConn } from '../helpers/raw.js';

let ks: ServerProc | null = null;
let redis: ServerProc | null = null;

before(async () => {
  if (!redisServerOrSkip({ skip: () => undefined })) return;
  [ks, redis] = await Promise.all([startKeyshard(), startRedis()]);
});
after(async () => {
  await Promise.all([ks?.stop(), redis?.stop()]);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Scenario = (port: number, log: string[]) => Promise<void>;

async function both(t: { skip(m: string): void }, name: string, s: Scenario): Promise<void> {
  if (!ks || !redis) return t.skip('redis-server not installed');
  const a: string[] = [];
  const b: string[] = [];
  await Promise.all([s(ks.port, a), s(redis.port, b)]);
  assert.deepEqual(a, b, name);
}

test('served at once when a zset has elements; errors as Redis', async (t) => {
  await both(t, 'immediate', async (port, log) => {
    const c = await RawConn.open(port);
    await c.call('DEL', 'i1', 'i2', 'istr');
    await c.call('ZADD', 'i2', '1', 'a', '2', 'b', '3', 'c');
    await c.call('SET', 'istr', 'x');
    log.push(await c.call('BZPOPMIN', 'i1', 'i2', '0'));
    log.push(await c.call('BZPOPMAX', 'i1', 'i2', '1.5'));
    log.push(await c.call('BZMPOP', '0', '2', 'i1', 'i2', 'MIN', 'COUNT', '5'));
    log.push(await c.call('EXISTS', 'i2'));
    log.push(await c.call('BZPOPMIN', 'istr', '0'));
    log.push(await c.call('BZPOPMIN', 'i1', 'x'));
    log.push(await c.call('BZPOPMIN', 'i1', '-1'));
    log.push(await c.call('BZMPOP', '0', '0', 'i1', 'MIN'));
    log.push(await c.call('BZMPOP', '0', '1', 'i1', 'AVG'));
    log.push(await c.call('BZMPOP', 'x', '1', 'i1', 'MIN'));
    log.push(await c.call('BZMPOP', '0', '1', 'i1', 'MIN', 'COUNT', '0'));
    c.close();
  });
});

test('a blocked client is woken by ZADD from another client, RESP2 and RESP3', async (t) => {
  await both(t, 'wake', async (port, log) => {
    const w = await RawConn.open(port);
    const w3 = await RawConn.open(port);
    const p = await RawConn.open(port);
    await p.call('DEL', 'w1', 'w2', 'w3');
    await w3.call('HELLO', '3');
    w.send('BZPOPMIN', 'w1', 'w2', '0');
    w3.send('BZMPOP', '0', '2', 'w3', 'w2', 'MAX', 'COUNT', '2');
    await sleep(50);
    log.push(await p.call('ZADD', 'w2', '1', 'a', '2', 'b', '3', 'c', '4', 'd'));
    log.push(await w.readReply());
    log.push(await w3.readReply());
    log.push(await p.call('ZRANGE', 'w2', '0', '-1', 'WITHSCORES'));
    for (const c of [w, w3, p]) c.close();
  });
});

test('first come first served; timeouts answer null', async (t) => {
  await both(t, 'fifo', async (port, log) => {
    const a = await RawConn.open(port);
    const b = await RawConn.open(port);
    const b3 = await RawConn.open(port);
    const p = await RawConn.open(port);
    await p.call('DEL', 'f1');
    await b3.call('HELLO', '3');
    a.send('BZPOPMAX', 'f1', '0');
    await sleep(20);
    b.send('BZPOPMAX', 'f1', '0.3');
    b3.send('BZMPOP', '0.2', '1', 'f1', 'MIN');
    await sleep(20);
    log.push(await p.call('ZADD', 'f1', '1', 'x'));
    log.push(await a.readReply());
    log.push(await b3.readReply(2000));
    log.push(await b.readReply(2000));
    log.push(await p.call('EXISTS', 'f1'));
    for (const c of [a, b, b3, p]) c.close();
  });
});

test('inside MULTI a blocking pop does not block; a disconnected waiter is skipped', async (t) => {
  await both(t, 'multi+disconnect', async (port, log) => {
    const c = await RawConn.open(port);
    await c.call('DEL', 'm1');
    await c.call('MULTI');
    await c.call('BZPOPMIN', 'm1', '0');
    await c.call('BZMPOP', '0', '1', 'm1', 'MIN');
    await c.call('ZADD', 'm1', '5', 'e');
    await c.call('BZPOPMIN', 'm1', '0');
    log.push(await c.call('EXEC'));
    const gone = await RawConn.open(port);
    const stay = await RawConn.open(port);
    gone.send('BZPOPMIN', 'm1', '0');
    await sleep(20);
    stay.send('BZPOPMIN', 'm1', '0');
    await sleep(20);
    gone.close();
    await sleep(50);
    log.push(await c.call('ZADD', 'm1', '7', 'g', '8', 'h'));
    log.push(await stay.readReply());
    log.push(await c.call('ZRANGE', 'm1', '0', '-1'));
    stay.close();
    c.close();
  });
});
