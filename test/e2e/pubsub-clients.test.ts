/**
 * Pub/Sub with real client libraries and across replication: ioredis (RESP2 and RESP3) and
 * @redis/client subscribers, ioredis re-subscribing by itself after CLIENT KILL TYPE pubsub, and
 * PUBLISH propagated from a master to the subscribers of its replicas (keyshard -> keyshard,
 * keyshard -> redis-server, redis-server -> keyshard).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { Redis } from 'ioredis';
import { createClient } from '@redis/client';
import { startKeyshard, startRedis, redisServerOrSkip, type ServerProc } from '../helpers/procs.js';
import { RawConn } from '../helpers/raw.js';
import { waitLinkUp } from '../helpers/replication.js';

let srv: ServerProc;

before(async () => {
  srv = await startKeyshard({ args: ['--repl-diskless-sync-delay', '0'] });
});

after(async () => {
  await srv.stop();
});

/** Polls `cond` every 20 ms for up to `ms`. */
async function until(cond: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

for (const protocol of [2, 3] as const) {
  test(`ioredis (protocol ${protocol}) subscriber receives message and pmessage, re-subscribes after CLIENT KILL`, async () => {
    const opts = { port: srv.port, host: '127.0.0.1', protocol, maxRetriesPerRequest: 1 };
    const sub = new Redis({ ...opts, retryStrategy: () => 50 });
    const pub = new Redis(opts);
    const got: string[] = [];
    sub.on('message', (ch: string, msg: string) => got.push(`m ${ch} ${msg}`));
    sub.on('pmessage', (p: string, ch: string, msg: string) => got.push(`p ${p} ${ch} ${msg}`));
    try {
      assert.equal(await sub.subscribe('news', 'sport'), 2);
      assert.equal(await sub.psubscribe('n*'), 3);
      assert.equal(await pub.publish('news', 'hello'), 2);
      assert.equal(await pub.publish('sport', 'goal'), 1);
      await until(() => got.length === 3);
      assert.deepEqual(got, ['m news hello', 'p n* news hello', 'm sport goal']);
      assert.deepEqual(((await pub.pubsub('CHANNELS')) as string[]).sort(), ['news', 'sport']);
      assert.equal((await pub.pubsub('NUMPAT')) as unknown, 1);

      // The server drops the subscriber: its subscriptions go, ioredis reconnects and
      // subscribes again on its own.
      assert.equal(await pub.call('CLIENT', 'KILL', 'TYPE', 'pubsub'), 1);
      await until(async () => ((await pub.pubsub('NUMSUB', 'news')) as unknown[])[1] === 1);
      await until(async () => ((await pub.pubsub('NUMPAT')) as unknown) === 1);
      got.length = 0;
      assert.equal(await pub.publish('news', 'again'), 2);
      await until(() => got.length === 2);
      assert.deepEqual(got, ['m news again', 'p n* news again']);

      // (ioredis never resolves an UNSUBSCRIBE without arguments, against redis-server too.)
      assert.equal(await sub.unsubscribe('news', 'sport'), 1);
      assert.equal(await sub.punsubscribe('n*'), 0);
      assert.equal(await pub.publish('news', 'nobody'), 0);
    } finally {
      sub.disconnect();
      pub.disconnect();
    }
  });
}

for (const RESP of [2, 3] as const) {
  test(`@redis/client (RESP${RESP}) subscriber, pattern and shard subscriptions`, async () => {
    const url = `redis://127.0.0.1:${srv.port}`;
    const pub = createClient({ url, RESP });
    const sub = pub.duplicate();
    await Promise.all([pub.connect(), sub.connect()]);
    const got: string[] = [];
    try {
      await sub.subscribe('chan', (msg, ch) => got.push(`m ${ch} ${msg}`));
      await sub.pSubscribe('ch*', (msg, ch) => got.push(`p ${ch} ${msg}`));
      await sub.sSubscribe('shard', (msg, ch) => got.push(`s ${ch} ${msg}`));
      assert.equal(await pub.publish('chan', 'one'), 2);
      assert.equal(await pub.sPublish('shard', 'two'), 1);
      await until(() => got.length === 3);
      assert.deepEqual(got.sort(), ['m chan one', 'p chan one', 's shard two']);
      assert.deepEqual(await pub.pubSubShardChannels(), ['shard']);
      await sub.unsubscribe('chan');
      await sub.pUnsubscribe('ch*');
      await sub.sUnsubscribe('shard');
      assert.equal(await pub.publish('chan', 'none'), 0);
    } finally {
      await Promise.all([pub.quit(), sub.quit()]);
    }
  });
}

/** A subscriber on `replica` receives what is published on `master`. */
async function publishReachesReplica(master: ServerProc, replica: ServerProc): Promise<void> {
  const m = await RawConn.open(master.port);
  const r = await RawConn.open(replica.port);
  const sub = await RawConn.open(replica.port);
  try {
    await waitLinkUp(r);
    assert.equal(
      await sub.call('SUBSCRIBE', 'ch\r\n\0'),
      '*3\r\n$9\r\nsubscribe\r\n$5\r\nch\r\n\0\r\n:1\r\n',
    );
    assert.equal(await m.call('SELECT', '3'), '+OK\r\n');
    // No subscriber on the master itself: the replica's do not count.
    assert.equal(await m.call('PUBLISH', 'ch\r\n\0', 'x\xff'), ':0\r\n');
    assert.equal(await sub.readReply(), '*3\r\n$7\r\nmessage\r\n$5\r\nch\r\n\0\r\n$2\r\nx\xff\r\n');
    // PUBLISH inside MULTI reaches it too.
    assert.equal(await m.call('MULTI'), '+OK\r\n');
    assert.equal(await m.call('SET', 'k', 'v'), '+QUEUED\r\n');
    assert.equal(await m.call('PUBLISH', 'ch\r\n\0', 'tx'), '+QUEUED\r\n');
    assert.equal(await m.call('EXEC'), '*2\r\n+OK\r\n:0\r\n');
    assert.equal(await sub.readReply(), '*3\r\n$7\r\nmessage\r\n$5\r\nch\r\n\0\r\n$2\r\ntx\r\n');
    assert.equal(await r.call('SELECT', '3'), '+OK\r\n');
    assert.equal(await r.call('GET', 'k'), '$1\r\nv\r\n');
  } finally {
    for (const c of [m, r, sub]) c.close();
  }
}

test('PUBLISH on a keyshard master reaches subscribers of a keyshard replica', async () => {
  const replica = await startKeyshard({ args: ['--replicaof', '127.0.0.1', String(srv.port)] });
  try {
    await publishReachesReplica(srv, replica);
  } finally {
    await replica.stop();
  }
});

test('PUBLISH crosses replication between keyshard and redis-server both ways', async (t) => {
  if (!redisServerOrSkip(t)) return;
  const ksMaster = await startKeyshard({ args: ['--repl-diskless-sync-delay', '0'] });
  const redisReplica = await startRedis({
    args: ['--replicaof', '127.0.0.1', String(ksMaster.port)],
  });
  const redisMaster = await startRedis({ args: ['--repl-diskless-sync-delay', '0'] });
  const ksReplica = await startKeyshard({
    args: ['--replicaof', '127.0.0.1', String(redisMaster.port)],
  });
  try {
    await publishReachesReplica(ksMaster, redisReplica);
    await publishReachesReplica(redisMaster, ksReplica);
  } finally {
    await Promise.all([ksMaster.stop(), redisReplica.stop(), redisMaster.stop(), ksReplica.stop()]);
  }
});

/**
 * A subscriber that stops reading while 20 MB are published to it: the server must drop it at
 * its `client-output-buffer-limit pubsub` hard limit instead of buffering without bound.
 */
async function slowSubscriberDropped(port: number): Promise<void> {
  const admin = await RawConn.open(port);
  const sock = connect({ port, host: '127.0.0.1' });
  sock.on('error', () => undefined);
  await new Promise((r) => sock.once('connect', r));
  try {
    assert.equal(
      await admin.call('CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 1mb 0 0'),
      '+OK\r\n',
    );
    sock.write('*2\r\n$9\r\nSUBSCRIBE\r\n$4\r\nslow\r\n');
    await until(async () => (await admin.call('PUBSUB', 'NUMSUB', 'slow')).endsWith(':1\r\n'));
    sock.pause();
    const payload = 'x'.repeat(10000);
    const pub = await RawConn.open(port);
    let batch = '';
    for (let i = 0; i < 2000; i++)
      batch += `*3\r\n$7\r\nPUBLISH\r\n$4\r\nslow\r\n$10000\r\n${payload}\r\n`;
    pub.write(batch);
    for (let i = 0; i < 2000; i++) await pub.readReply();
    pub.close();
    await until(async () => (await admin.call('PUBSUB', 'NUMSUB', 'slow')).endsWith(':0\r\n'));
  } finally {
    sock.destroy();
    admin.close();
  }
}

test('a subscriber that stops reading is dropped at the pubsub output buffer limit', async (t) => {
  await slowSubscriberDropped(srv.port);
  assert.match(srv.output(), /scheduled to be closed ASAP for overcoming of output buffer limits/);
  if (!redisServerOrSkip(t)) return;
  // The same scenario against redis-server, to keep the test honest about what Redis does.
  const redis = await startRedis();
  try {
    await slowSubscriberDropped(redis.port);
  } finally {
    await redis.stop();
  }
});
