/**
 * RDB files end to end: SAVE and restart, BGSAVE as a point-in-time snapshot under concurrent
 * writes, files exchanged with redis-server 7.0 in both directions, and corrupt or truncated
 * files refused at startup with a clear log line and a non-zero exit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import {
  startKeyshard,
  startRedis,
  redisServerOrSkip,
  tempDir,
  freePort,
  KEYSHARD_BIN,
} from '../helpers/procs.js';
import { RawConn, encodeCommand } from '../helpers/raw.js';

async function waitFor(cond: () => Promise<boolean>, ms = 10000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

test('SAVE then restart brings the data back, TTLs included', async () => {
  const dir = tempDir();
  let ks = await startKeyshard({ dir });
  let c = await RawConn.open(ks.port);
  await c.call('SET', 'a', '1');
  await c.call('SET', 'bin\r\n\0', 'v\0\r\n'.repeat(100));
  await c.call('SET', 't', 'x', 'PX', '100000');
  await c.call('SELECT', '3');
  await c.call('SET', 'in3', 'three');
  assert.equal(await c.call('SAVE'), '+OK\r\n');
  c.close();
  await ks.stop();
  ks = await startKeyshard({ dir });
  c = await RawConn.open(ks.port);
  assert.equal(await c.call('GET', 'a'), '$1\r\n1\r\n');
  assert.equal(await c.call('GET', 'bin\r\n\0'), `$400\r\n${'v\0\r\n'.repeat(100)}\r\n`);
  const pttl = Number((await c.call('PTTL', 't')).slice(1));
  assert.ok(pttl > 90000 && pttl <= 100000, `pttl ${pttl}`);
  await c.call('SELECT', '3');
  assert.equal(await c.call('GET', 'in3'), '$5\r\nthree\r\n');
  assert.match(ks.output(), /Done loading RDB, keys loaded: 4, keys expired: 0\./);
  c.close();
  await ks.stop();
});

test('BGSAVE writes the data set of the moment it started', async (t) => {
  if (!redisServerOrSkip(t)) return;
  const dir = tempDir();
  // No save points: FLUSHALL would otherwise save the empty data set over the file.
  const ks = await startKeyshard({ dir, args: ['--save', ''] });
  const c = await RawConn.open(ks.port);
  const N = 100000;
  // Load N keys in one pipelined write.
  const parts: Buffer[] = [];
  for (let i = 0; i < N; i++)
    parts.push(encodeCommand(['SET', `key:${i}`, `value-${i}-${'p'.repeat(40)}`]));
  c.write(Buffer.concat(parts));
  for (let i = 0; i < N; i++) await c.readReply();
  // BGSAVE and, in the same packet, writes that change, delete and add keys.
  c.write(
    Buffer.concat([
      encodeCommand(['BGSAVE']),
      encodeCommand(['SET', `key:${N - 1}`, 'changed']),
      encodeCommand(['DEL', `key:${N - 2}`]),
      encodeCommand(['SET', 'brand-new', 'x']),
      encodeCommand(['APPEND', `key:${N - 3}`, '-appended']),
    ]),
  );
  assert.equal(await c.readReply(), '+Background saving started\r\n');
  for (let i = 0; i < 4; i++) await c.readReply();
  await waitFor(async () => /Background saving terminated with success/.test(ks.output()));
  // FLUSHALL stops a running BGSAVE, as Redis kills its child; the last good file stays.
  assert.equal(await c.call('BGSAVE'), '+Background saving started\r\n');
  assert.equal(await c.call('FLUSHALL'), '+OK\r\n');
  c.close();
  await ks.stop();
  // Load the file into redis-server and check it holds exactly the pre-BGSAVE data.
  const rdir = tempDir('redis-test-');
  copyFileSync(join(dir, 'dump.rdb'), join(rdir, 'dump.rdb'));
  const redis = await startRedis({ dir: rdir });
  const r = await RawConn.open(redis.port);
  assert.equal(await r.call('DBSIZE'), `:${N}\r\n`);
  for (const i of [0, 1, N - 3, N - 2, N - 1]) {
    const v = `value-${i}-${'p'.repeat(40)}`;
    assert.equal(await r.call('GET', `key:${i}`), `$${v.length}\r\n${v}\r\n`);
  }
  assert.equal(await r.call('EXISTS', 'brand-new'), ':0\r\n');
  r.close();
  await redis.stop();
});

test('a file written by redis-server 7.0 loads in keyshard and the reverse', async (t) => {
  if (!redisServerOrSkip(t)) return;
  const rdir = tempDir('redis-test-');
  const redis = await startRedis({ dir: rdir });
  const r = await RawConn.open(redis.port);
  await r.call('SET', 'small', '12345');
  await r.call('SET', 'long', 'abc'.repeat(1000));
  await r.call('SET', 'neg', '-70000');
  await r.call('SET', 'ttl', 'x', 'EX', '5000');
  assert.equal(await r.call('SAVE'), '+OK\r\n');
  r.close();
  await redis.stop();

  const kdir = tempDir();
  copyFileSync(join(rdir, 'dump.rdb'), join(kdir, 'dump.rdb'));
  const ks = await startKeyshard({ dir: kdir });
  const c = await RawConn.open(ks.port);
  assert.equal(await c.call('GET', 'small'), '$5\r\n12345\r\n');
  assert.equal(await c.call('GET', 'long'), `$3000\r\n${'abc'.repeat(1000)}\r\n`);
  assert.equal(await c.call('GET', 'neg'), '$6\r\n-70000\r\n');
  const ttl = Number((await c.call('TTL', 'ttl')).slice(1));
  assert.ok(ttl > 4900 && ttl <= 5000);
  await c.call('SET', 'from-keyshard', 'yes');
  assert.equal(await c.call('SAVE'), '+OK\r\n');
  c.close();
  await ks.stop();

  const rdir2 = tempDir('redis-test-');
  copyFileSync(join(kdir, 'dump.rdb'), join(rdir2, 'dump.rdb'));
  const redis2 = await startRedis({ dir: rdir2 });
  const r2 = await RawConn.open(redis2.port);
  assert.equal(await r2.call('DBSIZE'), ':5\r\n');
  assert.equal(await r2.call('GET', 'from-keyshard'), '$3\r\nyes\r\n');
  assert.equal(await r2.call('GET', 'long'), `$3000\r\n${'abc'.repeat(1000)}\r\n`);
  r2.close();
  await redis2.stop();
});

test('a corrupt or truncated RDB refuses to start with a clear message', async () => {
  const dir = tempDir();
  const ks = await startKeyshard({ dir });
  const c = await RawConn.open(ks.port);
  for (let i = 0; i < 100; i++) await c.call('SET', `k${i}`, `v${i}`);
  await c.call('SAVE');
  c.close();
  await ks.stop();
  const good = readFileSync(join(dir, 'dump.rdb'));
  const variants: [string, Buffer][] = [
    ['truncated', good.subarray(0, Math.floor(good.length / 2))],
    ['flipped byte', Buffer.from(good.map((b, i) => (i === good.length - 20 ? b ^ 0xff : b)))],
    ['bad magic', Buffer.concat([Buffer.from('RADIS'), good.subarray(5)])],
  ];
  for (const [name, data] of variants) {
    writeFileSync(join(dir, 'dump.rdb'), data);
    const port = await freePort();
    const res = spawnSync(
      process.execPath,
      [KEYSHARD_BIN, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir],
      { timeout: 15000, encoding: 'latin1' },
    );
    assert.notEqual(res.status, 0, `${name}: must exit non-zero`);
    assert.match(
      res.stdout,
      /(Short read|Wrong RDB checksum|Wrong signature)/,
      `${name}: ${res.stdout}`,
    );
    assert.doesNotMatch(res.stdout, /Ready to accept connections/, name);
  }
  assert.ok(existsSync(join(dir, 'dump.rdb')));
});

test('while a large RDB loads, clients get -LOADING and INFO shows the progress', async () => {
  const dir = tempDir();
  const ks = await startKeyshard({ dir, args: ['--enable-debug-command', 'yes'] });
  try {
    const c = await RawConn.open(ks.port);
    // Building and saving a million keys takes seconds on a busy machine.
    c.send('DEBUG', 'POPULATE', '1000000', 'key');
    assert.equal(await c.readReply(60000), '+OK\r\n');
    c.send('SAVE');
    assert.equal(await c.readReply(60000), '+OK\r\n');
    c.close();
  } finally {
    await ks.stop();
  }

  const port = await freePort();
  const proc = spawn(
    process.execPath,
    [KEYSHARD_BIN, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir],
    {
      stdio: 'ignore',
    },
  );
  try {
    let conn: RawConn | null = null;
    for (let i = 0; i < 400 && !conn; i++) {
      conn = await RawConn.open(port).catch(() => null);
      if (!conn) await new Promise((r) => setTimeout(r, 10));
    }
    assert.ok(conn, 'the server listens while it loads');
    const first = await conn.call('GET', 'key:1');
    assert.equal(first, '-LOADING Redis is loading the dataset in memory\r\n');
    const info = await conn.call('INFO', 'persistence');
    assert.match(info, /loading:1\r\n/);
    assert.match(info, /loading_eta_seconds:\d+\r\n/);
    let v = first;
    for (let i = 0; i < 600 && v.startsWith('-LOADING'); i++) {
      await new Promise((r) => setTimeout(r, 50));
      v = await conn.call('GET', 'key:1');
    }
    assert.equal(v, '$7\r\nvalue:1\r\n');
    assert.match(await conn.call('INFO', 'persistence'), /rdb_last_load_keys_loaded:1000000\r\n/);
    conn.close();
  } finally {
    proc.kill('SIGKILL');
  }
});

test('save points trigger a background save on their own', async () => {
  const dir = tempDir();
  const ks = await startKeyshard({ dir, args: ['--save', '1 1'] });
  try {
    const c = await RawConn.open(ks.port);
    const before = Number((await c.call('LASTSAVE')).slice(1));
    await c.call('SET', 'k', 'v');
    await waitFor(async () => /Background saving terminated with success/.test(ks.output()), 10000);
    assert.match(ks.output(), /1 changes in 1 seconds\. Saving\.\.\./);
    assert.ok(existsSync(join(dir, 'dump.rdb')));
    assert.ok(Number((await c.call('LASTSAVE')).slice(1)) >= before);
    assert.match(await c.call('INFO', 'persistence'), /rdb_changes_since_last_save:0\r\n/);
    c.close();
  } finally {
    await ks.stop();
  }
});
