/**
 * Replication end to end, keyshard with keyshard and with Debian's redis-server 7.0 in both
 * directions: full sync of every type, a stream of writes of every type, identical data read
 * back on both sides, and a cut link that comes back with a partial resync.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { startKeyshard, startRedis, redisServerOrSkip, type ServerProc } from '../helpers/procs.js';
import { RawConn } from '../helpers/raw.js';
import { sortedReply } from '../helpers/diff.js';

const FAST = ['--repl-diskless-sync-delay', '0', '--save', ''];

async function waitFor(what: string, cond: () => Promise<boolean>, ms = 15000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function info(c: RawConn, section: string): Promise<Map<string, string>> {
  const r = await c.call('INFO', section);
  const m = new Map<string, string>();
  for (const line of r.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) m.set(line.slice(0, i), line.slice(i + 1));
  }
  return m;
}

/** Writes a bit of everything: every type, binary data, TTLs, several databases. */
async function writeEverything(c: RawConn, tag: string): Promise<void> {
  const cmds: string[][] = [
    ['SET', `s:${tag}`, `value\r\n\0${tag}`],
    ['SET', `n:${tag}`, '12345'],
    ['INCRBY', `n:${tag}`, '10'],
    ['APPEND', `s:${tag}`, 'more'],
    ['SET', `ttl:${tag}`, 'x', 'EX', '1000'],
    ['RPUSH', `l:${tag}`, 'a', 'b', 'c', '1', '2', '3'],
    ['LPUSH', `l:${tag}`, 'z'.repeat(300)],
    ['RPUSH', `biglist:${tag}`, ...Array.from({ length: 3000 }, (_, i) => `item-${i}`)],
    ['HSET', `h:${tag}`, 'f1', 'v1', 'f2', '2', 'bin\0', 'x\r\n'],
    [
      'HSET',
      `bighash:${tag}`,
      ...Array.from({ length: 1200 }, (_, i) => [`f${i}`, `v${i}`]).flat(),
    ],
    ['SADD', `si:${tag}`, '1', '2', '3', '-7'],
    ['SADD', `ss:${tag}`, 'a', 'b', 'c'],
    ['ZADD', `z:${tag}`, '1', 'a', '2.5', 'b', '-3', 'c', 'inf', 'd'],
    [
      'ZADD',
      `bigz:${tag}`,
      ...Array.from({ length: 300 }, (_, i) => [String(i / 3), `m${i}`]).flat(),
    ],
    ['SELECT', '5'],
    ['SET', `db5:${tag}`, 'five'],
    ['SELECT', '0'],
    ['MULTI'],
    ['INCR', `tx:${tag}`],
    ['INCR', `tx:${tag}`],
    ['EXEC'],
    ['SPOP', `ss:${tag}`],
    ['DEL', `gone:${tag}`],
  ];
  for (const cmd of cmds) {
    const r = await c.call(...cmd);
    assert.ok(!r.startsWith('-'), `${cmd.join(' ')} -> ${r}`);
  }
}

/** A canonical dump of every key in the given databases. */
async function dataset(c: RawConn, dbs = [0, 5]): Promise<string[]> {
  const out: string[] = [];
  for (const db of dbs) {
    await c.call('SELECT', String(db));
    const keys = sortedReply(await c.call('KEYS', '*'));
    out.push(`db${db} ${keys}`);
    const list = keys.split('\r\n').filter((_, i, a) => i > 0 && i % 2 === 0 && i < a.length);
    for (const key of list) {
      const type = (await c.call('TYPE', key)).trim();
      let content: string;
      if (type === '+string') content = await c.call('GET', key);
      else if (type === '+list') content = await c.call('LRANGE', key, '0', '-1');
      else if (type === '+hash') content = sortedReply(await c.call('HGETALL', key), true);
      else if (type === '+set') content = sortedReply(await c.call('SMEMBERS', key));
      else content = await c.call('ZRANGE', key, '0', '-1', 'WITHSCORES');
      const ttl = (await c.call('TTL', key)).trim();
      out.push(`${db}/${key} ${type} ${ttl === ':-1' ? 'persist' : 'ttl'} ${content}`);
    }
  }
  await c.call('SELECT', '0');
  return out;
}

async function replicate(replica: RawConn, master: ServerProc): Promise<void> {
  assert.equal(await replica.call('REPLICAOF', '127.0.0.1', String(master.port)), '+OK\r\n');
  await waitFor(
    'link up',
    async () => (await info(replica, 'replication')).get('master_link_status') === 'up',
  );
}

async function caughtUp(master: RawConn, replica: RawConn): Promise<void> {
  await waitFor('replica offset', async () => {
    const mo = (await info(master, 'replication')).get('master_repl_offset');
    const ro = (await info(replica, 'replication')).get('slave_repl_offset');
    return mo !== undefined && mo === ro;
  });
}

async function scenario(
  mk: () => Promise<ServerProc>,
  rk: () => Promise<ServerProc>,
): Promise<void> {
  const master = await mk();
  const replica = await rk();
  const m = await RawConn.open(master.port);
  const r = await RawConn.open(replica.port);
  try {
    await writeEverything(m, 'before');
    await replicate(r, master);
    await writeEverything(m, 'after');
    await caughtUp(m, r);
    assert.deepEqual(await dataset(r), await dataset(m));
    assert.match(
      await r.call('SET', 'x', 'y'),
      /^-READONLY You can't write against a read only replica\.\r\n$/,
    );

    // Cut the link from the master's side; the replica reconnects and continues.
    const fullBefore = Number((await info(m, 'stats')).get('sync_full'));
    const partialBefore = Number((await info(m, 'stats')).get('sync_partial_ok'));
    assert.match(await m.call('CLIENT', 'KILL', 'TYPE', 'replica'), /^:1\r\n$/);
    await writeEverything(m, 'during-cut');
    await waitFor(
      'partial resync',
      async () => Number((await info(m, 'stats')).get('sync_partial_ok')) > partialBefore,
    );
    assert.equal(
      Number((await info(m, 'stats')).get('sync_full')),
      fullBefore,
      'no second full sync',
    );
    await caughtUp(m, r);
    assert.deepEqual(await dataset(r), await dataset(m));
  } finally {
    m.close();
    r.close();
    await Promise.all([master.stop(), replica.stop()]);
  }
}

test('keyshard replica of a keyshard master', async () => {
  await scenario(
    () => startKeyshard({ args: FAST }),
    () => startKeyshard({ args: FAST }),
  );
  // (asserted inside)
});

test('keyshard replica of a redis-server 7.0 master', async (t) => {
  if (!redisServerOrSkip(t)) return;
  await scenario(
    () => startRedis({ args: FAST }),
    () => startKeyshard({ args: FAST }),
  );
});

test('redis-server 7.0 replica of a keyshard master', async (t) => {
  if (!redisServerOrSkip(t)) return;
  await scenario(
    () => startKeyshard({ args: FAST }),
    () => startRedis({ args: FAST }),
  );
});

test('WAIT counts replicas that acknowledged, ROLE and INFO describe both sides', async () => {
  const master = await startKeyshard({ args: FAST });
  const replica = await startKeyshard({ args: FAST });
  const m = await RawConn.open(master.port);
  const r = await RawConn.open(replica.port);
  try {
    await replicate(r, master);
    await m.call('SET', 'k', 'v');
    assert.equal(await m.call('WAIT', '1', '5000'), ':1\r\n');
    assert.equal(await m.call('WAIT', '2', '200'), ':1\r\n');
    assert.equal(
      await r.call('WAIT', '1', '0'),
      '-ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.\r\n',
    );
    const role = await m.call('ROLE');
    assert.match(role, /^\*3\r\n\$6\r\nmaster\r\n:\d+\r\n\*1\r\n\*3\r\n\$9\r\n127\.0\.0\.1\r\n/);
    assert.match(
      await r.call('ROLE'),
      /^\*5\r\n\$5\r\nslave\r\n\$9\r\n127\.0\.0\.1\r\n:\d+\r\n\$9\r\nconnected\r\n:\d+\r\n$/,
    );
    assert.equal(await r.call('REPLICAOF', 'NO', 'ONE'), '+OK\r\n');
    assert.equal(await r.call('SET', 'now', 'writable'), '+OK\r\n');
    assert.match(replica.output(), /MASTER <-> REPLICA sync: Finished with success/);
    assert.match(
      master.output(),
      /Synchronization with replica|Streamed RDB transfer with replica/,
    );
  } finally {
    m.close();
    r.close();
    await Promise.all([master.stop(), replica.stop()]);
  }
});

test('WAIT sends no GETACK while clients are paused: the replication offset stays put', async () => {
  const master = await startKeyshard({ args: FAST });
  const replica = await startKeyshard({ args: FAST });
  const m = await RawConn.open(master.port);
  const w = await RawConn.open(master.port);
  const r = await RawConn.open(replica.port);
  try {
    await replicate(r, master);
    await caughtUp(m, r);
    const offset = async (): Promise<string | undefined> =>
      (await info(m, 'replication')).get('master_repl_offset');
    assert.equal(await w.call('SET', 'k', 'v'), '+OK\r\n');
    const before = await offset();
    assert.equal(await m.call('CLIENT', 'PAUSE', '1500', 'WRITE'), '+OK\r\n');
    // WAIT runs during a write pause (Redis does not hold it) but asks for no ACK meanwhile: the
    // replica's periodic ACK may or may not come in time. A client that wrote nothing waits for
    // nothing.
    assert.match(await w.call('WAIT', '1', '300'), /^:[01]\r\n$/);
    assert.equal(await m.call('WAIT', '1', '300'), ':1\r\n');
    assert.equal(await offset(), before);
    assert.equal(await m.call('CLIENT', 'UNPAUSE'), '+OK\r\n');
    // The held-back GETACK goes out once the pause ends.
    await waitFor('the deferred GETACK', async () => (await offset()) !== before, 3000);
  } finally {
    m.close();
    w.close();
    r.close();
    await Promise.all([master.stop(), replica.stop()]);
  }
});

test('disk framing, killing the master link from the replica, min-replicas and stale data', async () => {
  const master = await startKeyshard({ args: ['--repl-diskless-sync', 'no', '--save', ''] });
  const replica = await startKeyshard({ args: FAST });
  const m = await RawConn.open(master.port);
  const r = await RawConn.open(replica.port);
  try {
    await m.call('SET', 'before', '1');
    await replicate(r, master);
    assert.match(master.output(), /Starting BGSAVE for SYNC with target: disk/);
    assert.match(replica.output(), /receiving \d+ bytes from master to disk/);
    assert.equal(await r.call('GET', 'before'), '$1\r\n1\r\n');

    // The replica drops its master link itself; it reconnects with a partial resync.
    assert.equal(await r.call('CLIENT', 'KILL', 'TYPE', 'master'), ':1\r\n');
    await m.call('SET', 'while-down', '2');
    await waitFor('reconnect', async () =>
      /Successful partial resynchronization with master\./.test(replica.output()),
    );
    await caughtUp(m, r);
    assert.equal(await r.call('GET', 'while-down'), '$1\r\n2\r\n');

    // min-replicas-to-write: writes need enough replicas that acknowledged recently.
    assert.equal(
      await m.call('CONFIG', 'SET', 'min-replicas-to-write', '2', 'min-replicas-max-lag', '10'),
      '+OK\r\n',
    );
    assert.equal(
      await m.call('SET', 'x', '1'),
      '-NOREPLICAS Not enough good replicas to write.\r\n',
    );
    assert.equal(await m.call('CONFIG', 'SET', 'min-replicas-to-write', '1'), '+OK\r\n');
    assert.equal(await m.call('SET', 'x', '1'), '+OK\r\n');
    assert.match((await info(m, 'replication')).get('min_slaves_good_slaves') ?? '', /^1$/);

    // replica-serve-stale-data no: with the master gone, only stale-ok commands are served.
    assert.equal(await r.call('CONFIG', 'SET', 'replica-serve-stale-data', 'no'), '+OK\r\n');
    m.close();
    await master.stop();
    await waitFor(
      'link down',
      async () => (await info(r, 'replication')).get('master_link_status') === 'down',
    );
    assert.equal(
      await r.call('GET', 'before'),
      "-MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.\r\n",
    );
    assert.match(await r.call('INFO', 'replication'), /^\$\d+\r\n# Replication\r\nrole:slave/);
    assert.match(replica.output(), /Connection with master lost\./);
  } finally {
    m.close();
    r.close();
    await Promise.all([master.stop(), replica.stop()]);
  }
});

test('after a promotion the sibling replicas continue with a partial resync (PSYNC2)', async (t) => {
  if (!redisServerOrSkip(t)) return;
  const master = await startKeyshard({ args: FAST });
  const r1 = await startKeyshard({ args: FAST });
  const r2 = await startRedis({ args: FAST });
  const m = await RawConn.open(master.port);
  const c1 = await RawConn.open(r1.port);
  const c2 = await RawConn.open(r2.port);
  try {
    await replicate(c1, master);
    await replicate(c2, master);
    await writeEverything(m, 'history');
    await caughtUp(m, c1);
    await caughtUp(m, c2);
    // r1 takes over; r2 (a real redis-server) follows it and must not need a full sync.
    m.close();
    await master.stop();
    assert.equal(await c1.call('REPLICAOF', 'NO', 'ONE'), '+OK\r\n');
    const promoted = await info(c1, 'replication');
    assert.equal(promoted.get('role'), 'master');
    assert.notEqual(promoted.get('master_replid2'), '0'.repeat(40));
    assert.equal(await c2.call('REPLICAOF', '127.0.0.1', String(r1.port)), '+OK\r\n');
    await waitFor(
      'sibling link',
      async () => (await info(c2, 'replication')).get('master_link_status') === 'up',
    );
    const stats = await info(c1, 'stats');
    assert.equal(stats.get('sync_partial_ok'), '1');
    assert.equal(stats.get('sync_full'), '0');
    await writeEverything(c1, 'after-promotion');
    await caughtUp(c1, c2);
    assert.deepEqual(await dataset(c2), await dataset(c1));
  } finally {
    m.close();
    c1.close();
    c2.close();
    await Promise.all([master.stop(), r1.stop(), r2.stop()]);
  }
});

test('a replica authenticates to its master with masterauth', async () => {
  const master = await startKeyshard({ args: [...FAST, '--requirepass', 's3cret'] });
  const replica = await startKeyshard({ args: [...FAST, '--masterauth', 's3cret'] });
  const m = await RawConn.open(master.port);
  const r = await RawConn.open(replica.port);
  try {
    assert.equal(await m.call('AUTH', 's3cret'), '+OK\r\n');
    await m.call('SET', 'guarded', 'yes');
    await replicate(r, master);
    await caughtUp(m, r);
    assert.equal(await r.call('GET', 'guarded'), '$3\r\nyes\r\n');
  } finally {
    m.close();
    r.close();
    await Promise.all([master.stop(), replica.stop()]);
  }
});

test('repl-diskless-load: the payload becomes the replica RDB, which a restart continues from', async () => {
  const master = await startKeyshard({ args: FAST });
  let replica = await startKeyshard({ args: FAST });
  const swapdb = await startKeyshard({ args: [...FAST, '--repl-diskless-load', 'swapdb'] });
  const delSync = await startKeyshard({ args: [...FAST, '--rdb-del-sync-files', 'yes'] });
  const m = await RawConn.open(master.port);
  const conns: RawConn[] = [m];
  try {
    await writeEverything(m, 'before');
    for (const p of [replica, swapdb, delSync]) {
      const r = await RawConn.open(p.port);
      conns.push(r);
      await replicate(r, master);
    }
    const files = (p: ServerProc) => readdirSync(p.dir).filter((f) => f.endsWith('.rdb'));

    // disabled (the default): written to disk, and the file is this node's RDB.
    assert.match(replica.output(), /receiving streamed RDB from master with EOF to disk/);
    assert.deepEqual(files(replica), ['dump.rdb']);
    // swapdb parses the socket; rdb-del-sync-files removes the file of a node that saves nothing.
    assert.match(swapdb.output(), /receiving streamed RDB from master with EOF to parser/);
    assert.deepEqual(files(swapdb), []);
    assert.match(delSync.output(), /Removing the RDB file obtained from the master/);
    assert.deepEqual(files(delSync), []);

    // A restarted replica loads that file and continues with a partial resync.
    await replica.stop();
    await writeEverything(m, 'while-down');
    const fullBefore = Number((await info(m, 'stats')).get('sync_full'));
    replica = await startKeyshard({
      dir: replica.dir,
      args: [...FAST, '--replicaof', '127.0.0.1', String(master.port)],
    });
    const r = await RawConn.open(replica.port);
    conns.push(r);
    await waitFor('partial resync', async () =>
      /Successful partial resynchronization with master\./.test(replica.output()),
    );
    await caughtUp(m, r);
    assert.deepEqual(await dataset(r), await dataset(m));
    assert.equal(Number((await info(m, 'stats')).get('sync_full')), fullBefore);
  } finally {
    for (const c of conns) c.close();
    await Promise.all([master, replica, swapdb, delSync].map((p) => p.stop()));
  }
});
