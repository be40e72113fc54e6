/**
 * keyshard with appendonly yes: the AOF files and manifest as Redis lays them out, every write
 * survives kill -9 and a restart (under each appendfsync policy), and BGREWRITEAOF under
 * concurrent writes leaves a BASE + INCR pair that restores the exact data set.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { KEYSHARD_BIN, freePort, startKeyshard, tempDir } from '../helpers/procs.js';
import { RawConn } from '../helpers/raw.js';
import { aofFiles, call, dumpAll, manifestOf, waitRewrite, workload } from './aof-data.js';

for (const fsync of ['everysec', 'always', 'no']) {
  test(`appendfsync ${fsync}: every write survives kill -9 and a restart`, async () => {
    const args = ['--appendonly', 'yes', '--appendfsync', fsync, '--save', ''];
    const a = await startKeyshard({ args });
    try {
      assert.match(
        a.output(),
        /Creating AOF base file appendonly\.aof\.1\.base\.rdb on server start/,
      );
      assert.match(
        a.output(),
        /Creating AOF incr file appendonly\.aof\.1\.incr\.aof on server start/,
      );
      await workload(a.port, 7, 400);
      const before = await dumpAll(a.port);
      assert.ok(before.length > 30, `only ${before.length} keys`);
      assert.deepEqual(aofFiles(a.dir), [
        'appendonly.aof.1.base.rdb',
        'appendonly.aof.1.incr.aof',
        'appendonly.aof.manifest',
      ]);
      assert.equal(
        manifestOf(a.dir),
        'file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n',
      );
      const incr = readFileSync(
        join(a.dir, 'appendonlydir', 'appendonly.aof.1.incr.aof'),
        'latin1',
      );
      assert.ok(incr.startsWith('*2\r\n$6\r\nSELECT\r\n$1\r\n'), incr.slice(0, 40));
      await a.stop('SIGKILL');

      const b = await startKeyshard({ dir: a.dir, args });
      try {
        assert.match(b.output(), /Reading RDB base file on AOF loading\.\.\./);
        assert.match(b.output(), /DB loaded from incr file appendonly\.aof\.1\.incr\.aof: /);
        assert.match(b.output(), /DB loaded from append only file: /);
        assert.match(
          b.output(),
          /Opening AOF incr file appendonly\.aof\.1\.incr\.aof on server start/,
        );
        assert.deepEqual(await dumpAll(b.port), before);
      } finally {
        await b.stop('SIGKILL');
      }
    } finally {
      await a.stop('SIGKILL');
    }
  });
}

test('appendonly yes ignores dump.rdb; INFO persistence shows the AOF block', async () => {
  const a = await startKeyshard({ args: ['--save', ''] });
  const c = await RawConn.open(a.port);
  try {
    assert.equal(await call(c, 'SET', 'fromrdb', '1'), 'OK');
    assert.equal(await call(c, 'SAVE'), 'OK');
    const info = (await call(c, 'INFO', 'persistence')) as string;
    assert.match(info, /aof_enabled:0/);
    assert.doesNotMatch(info, /aof_current_size/);
  } finally {
    c.close();
    await a.stop('SIGKILL');
  }
  const b = await startKeyshard({ dir: a.dir, args: ['--save', '', '--appendonly', 'yes'] });
  const d = await RawConn.open(b.port);
  try {
    assert.equal(await call(d, 'DBSIZE'), '0');
    await call(d, 'SET', 'k', 'v');
    const info = (await call(d, 'INFO', 'persistence')) as string;
    const names = info
      .split('\r\n')
      .filter((l) => l.startsWith('aof_'))
      .map((l) => l.slice(0, l.indexOf(':')));
    assert.deepEqual(names, [
      'aof_enabled',
      'aof_rewrite_in_progress',
      'aof_rewrite_scheduled',
      'aof_last_rewrite_time_sec',
      'aof_current_rewrite_time_sec',
      'aof_last_bgrewrite_status',
      'aof_rewrites',
      'aof_rewrites_consecutive_failures',
      'aof_last_write_status',
      'aof_last_cow_size',
      'aof_current_size',
      'aof_base_size',
      'aof_pending_rewrite',
      'aof_buffer_length',
      'aof_pending_bio_fsync',
      'aof_delayed_fsync',
    ]);
    assert.match(info, /aof_enabled:1/);
    const size = Number(/aof_current_size:(\d+)/.exec(info)![1]);
    const base = Number(/aof_base_size:(\d+)/.exec(info)![1]);
    assert.ok(size > base, `${size} > ${base}`);
  } finally {
    d.close();
    await b.stop('SIGKILL');
  }
});

test('BGREWRITEAOF under concurrent writes, then kill -9: BASE + new INCR restore everything', async () => {
  const args = ['--appendonly', 'yes', '--save', ''];
  const a = await startKeyshard({ args });
  const c = await RawConn.open(a.port);
  try {
    // Enough data that the snapshot is written over many event-loop turns.
    // Incompressible values: the snapshot is ~6 MB, written in many slices.
    const big = randomBytes(750).toString('hex');
    for (let i = 0; i < 4000; i += 1000) {
      for (let j = i; j < i + 1000; j++) c.send('SET', `big:${j}`, `${j}${big}`.slice(0, 1500));
      for (let j = i; j < i + 1000; j++) await c.readReply();
    }
    assert.equal(await call(c, 'BGREWRITEAOF'), 'Background append only file rewriting started');
    assert.equal(
      await call(c, 'BGREWRITEAOF'),
      '-ERR Background append only file rewriting already in progress',
    );
    // Writes during the rewrite: overwrite, delete and create keys the snapshot has not reached.
    for (let j = 3999; j >= 0; j -= 37) c.send('APPEND', `big:${j}`, '+late');
    for (let j = 0; j < 4000; j += 29) c.send('DEL', `big:${j}`);
    for (let j = 0; j < 200; j++) c.send('RPUSH', 'newlist', String(j));
    const n = Math.ceil(4000 / 37) + Math.ceil(4000 / 29) + 200;
    for (let i = 0; i < n; i++) await c.readReply();
    await workload(a.port, 11, 300);
    await waitRewrite(a.port, 1);
    assert.deepEqual(aofFiles(a.dir), [
      'appendonly.aof.2.base.rdb',
      'appendonly.aof.2.incr.aof',
      'appendonly.aof.manifest',
    ]);
    assert.equal(
      manifestOf(a.dir),
      'file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n',
    );
    assert.match(
      a.output(),
      /Creating AOF incr file appendonly\.aof\.2\.incr\.aof on background rewrite/,
    );
    assert.match(a.output(), /Background AOF rewrite finished successfully/);
    assert.ok(!existsSync(join(a.dir, `temp-rewriteaof-bg-${a.pid}.aof`)));
    await workload(a.port, 12, 100);
    const before = await dumpAll(a.port);
    c.close();
    await a.stop('SIGKILL');
    const b = await startKeyshard({ dir: a.dir, args });
    try {
      assert.deepEqual(await dumpAll(b.port), before);
    } finally {
      await b.stop('SIGKILL');
    }
  } finally {
    c.close();
    await a.stop('SIGKILL');
  }
});

test('CONFIG SET appendonly yes creates the AOF by a rewrite; appendonly no stops writing', async () => {
  const a = await startKeyshard({ args: ['--save', ''] });
  const c = await RawConn.open(a.port);
  try {
    await call(c, 'SET', 'before', '1');
    assert.equal(await call(c, 'CONFIG', 'SET', 'appendonly', 'yes'), 'OK');
    await call(c, 'SET', 'during', '2');
    await waitRewrite(a.port, 1);
    assert.deepEqual(aofFiles(a.dir), [
      'appendonly.aof.1.base.rdb',
      'appendonly.aof.1.incr.aof',
      'appendonly.aof.manifest',
    ]);
    await call(c, 'SET', 'after', '3');
    const kept = await dumpAll(a.port);
    assert.equal(await call(c, 'CONFIG', 'SET', 'appendonly', 'no'), 'OK');
    await call(c, 'SET', 'notlogged', '4');
    c.close();
    await a.stop('SIGKILL');
    const b = await startKeyshard({ dir: a.dir, args: ['--save', '', '--appendonly', 'yes'] });
    try {
      assert.deepEqual(await dumpAll(b.port), kept);
    } finally {
      await b.stop('SIGKILL');
    }
  } finally {
    c.close();
    await a.stop('SIGKILL');
  }
});

test('a replica with appendonly yes rebuilds its AOF after a full sync (its own old data is gone)', async () => {
  const args = ['--appendonly', 'yes', '--save', '', '--repl-diskless-sync-delay', '0'];
  const m = await startKeyshard({ args });
  const r = await startKeyshard({ args });
  const cm = await RawConn.open(m.port);
  const cr = await RawConn.open(r.port);
  try {
    await workload(m.port, 51, 200);
    assert.equal(await call(cr, 'SET', 'replica-only', '1'), 'OK');
    assert.equal(await call(cr, 'REPLICAOF', '127.0.0.1', String(m.port)), 'OK');
    await waitRewrite(r.port, 1);
    // Stream writes after the sync land in the replica's new INCR.
    await call(cm, 'SET', 'after-sync', 'x');
    await call(cm, 'RPUSH', 'after-list', 'a', 'b');
    const deadline = Date.now() + 5000;
    while ((await call(cr, 'EXISTS', 'after-list')) !== '1') {
      assert.ok(Date.now() < deadline, 'the replica did not catch up');
      await new Promise((res) => setTimeout(res, 20));
    }
    const expected = await dumpAll(m.port);
    assert.deepEqual(await dumpAll(r.port), expected);
    cr.close();
    await r.stop('SIGKILL');
    const r2 = await startKeyshard({ dir: r.dir, args });
    try {
      assert.deepEqual(await dumpAll(r2.port), expected);
    } finally {
      await r2.stop('SIGKILL');
    }
  } finally {
    cm.close();
    cr.close();
    await r.stop('SIGKILL');
    await m.stop('SIGKILL');
  }
});

test('automatic rewrite once the AOF outgrows auto-aof-rewrite-min-size by the percentage', async () => {
  const args = ['--appendonly', 'yes', '--save', '', '--auto-aof-rewrite-min-size', '4kb'];
  const a = await startKeyshard({ args });
  const c = await RawConn.open(a.port);
  try {
    for (let i = 0; i < 200; i++) c.send('SET', `k${i}`, 'v'.repeat(40));
    for (let i = 0; i < 200; i++) await c.readReply();
    await waitRewrite(a.port, 1);
    assert.match(a.output(), /Starting automatic rewriting of AOF on \d+% growth/);
    const info = (await call(c, 'INFO', 'persistence')) as string;
    assert.match(info, /aof_rewrites:1\r\n/);
    const cur = Number(/aof_current_size:(\d+)/.exec(info)![1]);
    assert.equal(Number(/aof_base_size:(\d+)/.exec(info)![1]), cur);
  } finally {
    c.close();
    await a.stop('SIGKILL');
  }
});

test('clients get -LOADING while a large AOF loads; INFO shows the progress', async () => {
  const dir = tempDir();
  const ad = join(dir, 'appendonlydir');
  mkdirSync(ad);
  const parts: string[] = ['*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n'];
  for (let i = 0; i < 300000; i++) {
    const k = `key:${i}`;
    parts.push(`*3\r\n$3\r\nSET\r\n$${k.length}\r\n${k}\r\n$1\r\nv\r\n`);
  }
  writeFileSync(join(ad, 'appendonly.aof.1.incr.aof'), parts.join(''));
  writeFileSync(
    join(ad, 'appendonly.aof.manifest'),
    'file appendonly.aof.1.incr.aof seq 1 type i\n',
  );
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''];
  const p = spawn(process.execPath, [KEYSHARD_BIN, ...args, '--appendonly', 'yes'], {
    stdio: 'ignore',
  });
  try {
    let c: RawConn | null = null;
    for (let i = 0; i < 200 && !c; i++) {
      c = await RawConn.open(port).catch(() => null);
      if (!c) await new Promise((r) => setTimeout(r, 10));
    }
    assert.ok(c, 'no connection');
    assert.equal(await c.call('PING'), '-LOADING Redis is loading the dataset in memory\r\n');
    const info = (await call(c, 'INFO', 'persistence')) as string;
    assert.match(info, /loading:1\r\n/);
    assert.match(info, /loading_total_bytes:\d+\r\n/);
    const deadline = Date.now() + 20000;
    while ((await c.call('PING')) !== '+PONG\r\n') {
      assert.ok(Date.now() < deadline, 'still loading');
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(await call(c, 'DBSIZE'), '300000');
    c.close();
  } finally {
    p.kill('SIGKILL');
  }
});

test('PUBLISH reaches replicas but not the AOF, inside MULTI too, as in Redis 7.0', async () => {
  const a = await startKeyshard({ args: ['--appendonly', 'yes', '--appendfsync', 'always'] });
  const r = await startKeyshard({ args: ['--replicaof', '127.0.0.1', String(a.port)] });
  const m = await RawConn.open(a.port);
  const sub = await RawConn.open(r.port);
  try {
    const deadline = Date.now() + 10000;
    while (
      !((await call(sub, 'INFO', 'replication')) as string).includes('master_link_status:up')
    ) {
      assert.ok(Date.now() < deadline, 'replica never connected');
      await new Promise((res) => setTimeout(res, 50));
    }
    assert.equal(await sub.call('SUBSCRIBE', 'ch'), '*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n');
    assert.equal(await m.call('PUBLISH', 'ch', 'alone'), ':0\r\n');
    await m.call('MULTI');
    await m.call('SET', 'k', 'v');
    await m.call('PUBLISH', 'ch', 'in-tx');
    assert.equal(await m.call('EXEC'), '*2\r\n+OK\r\n:0\r\n');
    for (const msg of ['alone', 'in-tx']) {
      assert.equal(
        await sub.readReply(),
        `*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$${msg.length}\r\n${msg}\r\n`,
      );
    }
    const incr = readFileSync(join(a.dir, 'appendonlydir', 'appendonly.aof.1.incr.aof'), 'latin1');
    assert.ok(incr.includes('$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n'), incr);
    assert.ok(incr.includes('MULTI') && incr.includes('EXEC'), incr);
    assert.ok(!incr.toUpperCase().includes('PUBLISH'), incr);
  } finally {
    m.close();
    sub.close();
    await r.stop();
    await a.stop();
  }
});
