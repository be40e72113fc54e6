/**
 * rdb-save-incremental-fsync and aof-rewrite-incremental-fsync: a background save or AOF rewrite
 * of ~12 MB fdatasyncs its temp file every 4 MB when on and never when off (the final fsync is
 * another call). Seen from outside with strace, which the server runs under; skipped where
 * strace is missing or may not trace.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, KEYSHARD_BIN, launch, tempDir } from '../helpers/procs.js';
import { RawConn } from '../helpers/raw.js';
import { NODE_FLAGS } from '../../src/server/node-flags.js';

function straceWorks(): boolean {
  return spawnSync('strace', ['-qq', '-e', 'trace=none', 'true']).status === 0;
}

async function idle(c: RawConn, field: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if ((await c.call('INFO', 'persistence')).includes(`${field}:0\r\n`)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${field} never went back to 0`);
}

test('background saves and AOF rewrites fdatasync every 4 MB when incremental fsync is on', async (t) => {
  if (!straceWorks()) {
    t.skip('strace cannot trace here');
    return;
  }
  const port = await freePort();
  const dir = tempDir();
  const trace = join(dir, 'strace.out');
  const server = await launch(
    'strace',
    ['-f', '-qq', '-y', '-e', 'trace=fdatasync', '-o', trace, process.execPath, ...NODE_FLAGS]
      .concat([KEYSHARD_BIN, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir])
      .concat(['--save', '', '--rdbcompression', 'no', '--appendonly', 'yes'])
      .concat(['--enable-debug-command', 'yes']),
    port,
    dir,
    /Ready to accept connections/,
  );
  const c = await RawConn.open(port);
  // strace's pid is the one launch() knows; the server under it is killed by its own pid.
  const pid = Number(/process_id:(\d+)/.exec(await c.call('INFO', 'server'))![1]);
  const synced = (temp: string) =>
    readFileSync(trace, 'latin1')
      .split('\n')
      .filter((l) => l.includes('fdatasync(') && l.includes(temp)).length;
  try {
    assert.equal(await c.call('DEBUG', 'POPULATE', '120000', 'key', '100'), '+OK\r\n');

    assert.match(await c.call('BGSAVE'), /^\+Background saving started/);
    await idle(c, 'rdb_bgsave_in_progress');
    const on = synced('temp-bgsave-');
    assert.ok(on >= 2, `${on} fdatasync calls during a 12 MB BGSAVE`);
    assert.equal(await c.call('CONFIG', 'SET', 'rdb-save-incremental-fsync', 'no'), '+OK\r\n');
    assert.match(await c.call('BGSAVE'), /^\+Background saving started/);
    await idle(c, 'rdb_bgsave_in_progress');
    assert.equal(synced('temp-bgsave-'), on, 'no fdatasync with rdb-save-incremental-fsync no');

    assert.match(await c.call('BGREWRITEAOF'), /^\+Background append only file rewriting/);
    await idle(c, 'aof_rewrite_in_progress');
    const rewriteOn = synced('temp-rewriteaof-bg-');
    assert.ok(rewriteOn >= 2, `${rewriteOn} fdatasync calls during a 12 MB rewrite`);
    assert.equal(await c.call('CONFIG', 'SET', 'aof-rewrite-incremental-fsync', 'no'), '+OK\r\n');
    assert.match(await c.call('BGREWRITEAOF'), /^\+Background append only file rewriting/);
    await idle(c, 'aof_rewrite_in_progress');
    assert.equal(synced('temp-rewriteaof-bg-'), rewriteOn, 'none with the option off');
  } finally {
    c.close();
    process.kill(pid, 'SIGKILL');
    await server.exited;
  }
});
