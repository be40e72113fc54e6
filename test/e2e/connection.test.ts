import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startKeyshard, type ServerProc } from '../helpers/procs.js';
import { RawConn } from '../helpers/raw.js';

let srv: ServerProc;
before(async () => {
  srv = await startKeyshard();
});
after(async () => {
  await srv.stop();
});

test('PING, ECHO and pipelined commands answer in order', async () => {
  const c = await RawConn.open(srv.port);
  c.write('*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$3\r\na\r\n\r\nPING hi\r\n');
  assert.equal(await c.readReply(), '+PONG\r\n');
  assert.equal(await c.readReply(), '$3\r\na\r\n\r\n');
  assert.equal(await c.readReply(), '$2\r\nhi\r\n');
  c.close();
});

test('HELLO 3 switches to RESP3 and replies with the server map', async () => {
  const c = await RawConn.open(srv.port);
  const r = await c.call('HELLO', '3');
  assert.match(
    r,
    /^%7\r\n\$6\r\nserver\r\n\$5\r\nredis\r\n\$7\r\nversion\r\n\$6\r\n7\.0\.15\r\n\$5\r\nproto\r\n:3\r\n/,
  );
  assert.equal(await c.call('GET', 'nosuchkey'), '_\r\n');
  assert.equal(await c.call('HELLO', '4'), '-NOPROTO unsupported protocol version\r\n');
  c.close();
});

test('a protocol error is answered and the connection closed; others are unaffected', async () => {
  const bad = await RawConn.open(srv.port);
  const good = await RawConn.open(srv.port);
  bad.write('*1\r\nx3\r\n');
  assert.equal(await bad.waitClosed(), "-ERR Protocol error: expected '$', got 'x'\r\n");
  assert.equal(await good.call('PING'), '+PONG\r\n');
  good.close();
});

test('MULTI/EXEC queues and EXECABORT after a queueing error', async () => {
  const c = await RawConn.open(srv.port);
  assert.equal(await c.call('MULTI'), '+OK\r\n');
  assert.equal(await c.call('SET', 'k', 'v'), '+QUEUED\r\n');
  assert.equal(await c.call('GET', 'k'), '+QUEUED\r\n');
  assert.equal(await c.call('EXEC'), '*2\r\n+OK\r\n$1\r\nv\r\n');
  assert.equal(await c.call('MULTI'), '+OK\r\n');
  assert.match(await c.call('NOPE'), /^-ERR unknown command 'NOPE'/);
  assert.equal(
    await c.call('EXEC'),
    '-EXECABORT Transaction discarded because of previous errors.\r\n',
  );
  c.close();
});
