/**
 * SHUTDOWN: argument errors keep the server running; a valid SHUTDOWN closes the connection
 * without a reply and the process exits cleanly with Redis's log lines.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startKeyshard } from '../helpers/procs.js';
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
