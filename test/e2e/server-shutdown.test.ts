/**
 * SHUTDOWN: argument errors keep the server running; a valid SHUTDOWN closes the connection
 * without a reply and the process exits cleanly with Redis's log lines.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { startKeyshard, tempDir } from '../helpers/procs.js';
import { RawConn } from '../helpers/raw.js';

test('SHUTDOWN NOSAVE exits the process; bad arguments do not', async () => {
  const srv = await startKeyshard();
  try {
    const c = await RawConn.open(srv.port);
    assert.equal(await c.call('SHUTDOWN', 'NOW', 'x'), '-ERR syntax error\r\n');
    assert.equal(await c.call('SHUTDOWN', 'ABORT'), '-ERR No shutdown in progress.\r\n');
    assert.equal(await c.call('SHUTDOWN', 'SAVE', 'NOSAVE'), '-ERR syntax error\r\n');
    assert.equal(await c.call('PING'), '+PONG\r\n');
    c.send('SHUTDOWN', 'NOSAVE', 'NOW');
    assert.equal(await c.waitClosed(), '');
    assert.equal(await srv.exited, 0);
    assert.match(srv.output(), /# User requested shutdown\.\.\.\n/);
    assert.match(srv.output(), /# Redis is now ready to exit, bye bye\.\.\.\n/);
  } finally {
    await srv.stop();
  }
});

test('SHUTDOWN refuses to exit when the final save fails, unless FORCE', async () => {
  const srv = await startKeyshard({ args: ['--enable-protected-configs', 'yes'] });
  try {
    const c = await RawConn.open(srv.port);
    const gone = tempDir();
    assert.equal(await c.call('CONFIG', 'SET', 'dir', gone), '+OK\r\n');
    rmSync(gone, { recursive: true });
    assert.equal(await c.call('SET', 'k', 'v'), '+OK\r\n');
    assert.equal(await c.call('SHUTDOWN'), '-ERR Errors trying to SHUTDOWN. Check logs.\r\n');
    assert.equal(await c.call('PING'), '+PONG\r\n');
    c.send('SHUTDOWN', 'FORCE');
    assert.equal(await c.waitClosed(), '');
    assert.equal(await srv.exited, 0);
  } finally {
    await srv.stop();
  }
});
