/**
 * Input that outlives the read it arrived in: the server reads every socket into one shared
 * buffer, so whatever a read leaves unconsumed (a split command, a pipeline behind a blocked
 * command, a big argument arriving in pieces, a pipeline that outran its turn) must be copied
 * before the next read reuses it. Several clients interleave their pieces so a missing copy
 * would mix their bytes.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startKeyshard, type ServerProc } from '../helpers/procs.js';
import { RawConn, encodeCommand } from '../helpers/raw.js';

let srv: ServerProc;
before(async () => {
  srv = await startKeyshard({ args: ['--enable-debug-command', 'local'] });
});
after(async () => {
  await srv.stop();
});

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('split commands from several clients are reassembled each on its own', async () => {
  const conns = await Promise.all([0, 1, 2, 3].map(() => RawConn.open(srv.port)));
  const wire = conns.map((_, i) =>
    Buffer.concat([
      encodeCommand(['SET', `k${i}`, `value-of-${i}-`.repeat(20)]),
      encodeCommand(['GET', `k${i}`]),
    ]),
  );
  // Every client sends its bytes in 7-byte pieces, round robin, each piece its own read.
  for (let off = 0; off < Math.max(...wire.map((w) => w.length)); off += 7) {
    conns.forEach((c, i) => {
      if (off < wire[i].length) c.write(wire[i].subarray(off, off + 7));
    });
    await pause(1);
  }
  for (let i = 0; i < conns.length; i++) {
    assert.equal(await conns[i].readReply(), '+OK\r\n');
    const v = `value-of-${i}-`.repeat(20);
    assert.equal(await conns[i].readReply(), `$${v.length}\r\n${v}\r\n`);
    conns[i].close();
  }
});

test('a pipeline behind a blocked command runs after it, intact', async () => {
  const waiter = await RawConn.open(srv.port);
  const pusher = await RawConn.open(srv.port);
  // One read: BLPOP blocks, the rest (including half of a GET) must wait in the client's buffer.
  const tail = encodeCommand(['GET', 'after']);
  waiter.write(
    Buffer.concat([
      encodeCommand(['BLPOP', 'bq', '0']),
      encodeCommand(['SET', 'after', 'yes']),
      tail.subarray(0, 5),
    ]),
  );
  await pause(50);
  // Other clients' reads reuse the shared buffer meanwhile.
  for (let i = 0; i < 20; i++)
    assert.equal(await pusher.call('SET', `noise${i}`, 'x'.repeat(500)), '+OK\r\n');
  assert.equal(await pusher.call('RPUSH', 'bq', 'item'), ':1\r\n');
  waiter.write(tail.subarray(5));
  assert.equal(await waiter.readReply(), '*2\r\n$2\r\nbq\r\n$4\r\nitem\r\n');
  assert.equal(await waiter.readReply(), '+OK\r\n');
  assert.equal(await waiter.readReply(), '$3\r\nyes\r\n');
  waiter.close();
  pusher.close();
});

test('a big argument arriving in pieces between other clients reads', async () => {
  const big = await RawConn.open(srv.port);
  const other = await RawConn.open(srv.port);
  const value = Buffer.alloc(200_000);
  for (let i = 0; i < value.length; i++) value[i] = (i * 7 + 3) & 0xff;
  const wire = encodeCommand(['SET', 'big', value]);
  for (let off = 0; off < wire.length; off += 30_000) {
    big.write(wire.subarray(off, off + 30_000));
    assert.equal(await other.call('SET', 'interleaved', 'z'.repeat(40_000)), '+OK\r\n');
  }
  assert.equal(await big.readReply(), '+OK\r\n');
  assert.equal(await big.call('STRLEN', 'big'), ':200000\r\n');
  const got = await big.call('GETRANGE', 'big', '123456', '123465');
  assert.equal(got, `$10\r\n${value.subarray(123456, 123466).toString('latin1')}\r\n`);
  big.close();
  other.close();
});

test('a long pipeline of slow commands lets another client in between, and stays in order', async () => {
  const slow = await RawConn.open(srv.port);
  const other = await RawConn.open(srv.port);
  const n = 60;
  // One read holds all of it: 60 commands that each freeze the server for 20 ms.
  const wire: Buffer[] = [];
  for (let i = 0; i < n; i++) wire.push(encodeCommand(['DEBUG', 'SLEEP', '0.02']));
  wire.push(encodeCommand(['ECHO', 'done']));
  slow.write(Buffer.concat(wire));
  const order: string[] = [];
  const slowReplies = (async () => {
    for (let i = 0; i < n; i++) {
      assert.equal(await slow.readReply(), '+OK\r\n');
      order.push(`sleep${i}`);
    }
    assert.equal(await slow.readReply(), '$4\r\ndone\r\n');
    order.push('done');
  })();
  await pause(30);
  assert.equal(await other.call('PING'), '+PONG\r\n');
  order.push('pong');
  await slowReplies;
  // The PING was answered while the pipeline still had most of its work ahead of it.
  const at = order.indexOf('pong');
  assert.ok(at >= 0 && at < n / 2, `PONG came after ${at} of ${n} slow replies`);
  assert.equal(order.filter((e) => e.startsWith('sleep')).length, n);
  slow.close();
  other.close();
});

test('a client whose turn ran out is not read meanwhile: the rest of its input waits in the socket', async () => {
  const slow = await RawConn.open(srv.port);
  const other = await RawConn.open(srv.port);
  const id = (await slow.call('CLIENT', 'ID')).slice(1, -2);
  const n = 20;
  const sleeps: Buffer[] = [];
  for (let i = 0; i < n; i++) sleeps.push(encodeCommand(['DEBUG', 'SLEEP', '0.02']));
  slow.write(Buffer.concat(sleeps));
  await pause(30);
  // 1 MB more while the server works through the sleeps, one per turn.
  const value = 'v'.repeat(1024);
  const echo = encodeCommand(['ECHO', value]);
  const echoes = 1024;
  slow.write(Buffer.concat(Array.from({ length: echoes }, () => echo)));
  await pause(100);
  // A bulk reply: `$<len>`, then the client's line.
  const line = (await other.call('CLIENT', 'LIST', 'ID', id)).split('\r\n')[1];
  const qbuf = Number(/ qbuf=(\d+)/.exec(line)?.[1]);
  // Paused, the server holds at most what it had read before the pause (one 16 KB read);
  // reading on, it would hold most of the megabyte.
  assert.ok(qbuf < 64 * 1024, line);
  for (let i = 0; i < n; i++) assert.equal(await slow.readReply(), '+OK\r\n');
  for (let i = 0; i < echoes; i++) assert.equal(await slow.readReply(), `$1024\r\n${value}\r\n`);
  slow.close();
  other.close();
});
