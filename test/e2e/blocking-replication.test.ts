/**
 * What blocking list commands (served at once and served later) and the other rewritten list
 * and hash writes propagate: a real redis-server replicates from keyshard, and after WAIT its
 * lists and hashes must equal the master's. A wrong propagated form (BLPOP replayed as a
 * blocking call, LMPOP's count, HINCRBYFLOAT redoing float math) would leave them different.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { redisServerOrSkip, type ServerProc } from '../helpers/procs.js';
import { startKeyshardWithRedisReplica, waitLinkUp } from '../helpers/replication.js';
import { RawConn } from '../helpers/raw.js';

let master: ServerProc | null = null;
let replica: ServerProc | null = null;

before(async () => {
  if (!redisServerOrSkip({ skip: () => undefined })) return;
  ({ master, replica } = await startKeyshardWithRedisReplica());
});
after(async () => {
  await Promise.all([replica?.stop(), master?.stop()]);
});

const settle = (ms = 40): Promise<void> => new Promise((r) => setTimeout(r, ms));

const LISTS = ['q', 'src', 'dst', 'm', 'chain1', 'chain2', 'plain'];

async function snapshot(c: RawConn): Promise<string[]> {
  const out: string[] = [];
  for (const k of LISTS) out.push(await c.call('LRANGE', k, '0', '-1'));
  out.push(await c.call('HGETALL', 'h'));
  return out;
}

test('a redis-server replica ends with the same lists and hashes as keyshard', async (t) => {
  if (!master || !replica) return t.skip('redis-server not installed');
  const conns = await Promise.all([0, 1, 2, 3, 4].map(() => RawConn.open(master!.port)));
  const rep = await RawConn.open(replica.port);
  try {
    await waitLinkUp(rep);
    const [a, b, c, d, w] = conns;
    // Served later, after the pushes below.
    a.send('BLPOP', 'q', '5');
    b.send('BLMPOP', '5', '1', 'm', 'RIGHT', 'COUNT', '3');
    c.send('BRPOPLPUSH', 'src', 'dst', '5');
    d.send('BLMOVE', 'chain1', 'chain2', 'LEFT', 'RIGHT', '5');
    await settle();
    for (const argv of [
      ['RPUSH', 'q', '1', '2', '3'],
      ['RPUSH', 'm', 'a', 'b', 'c', 'd', 'e'],
      ['RPUSH', 'src', 'x', 'y'],
      ['MULTI'],
      ['RPUSH', 'chain1', 'p', 'q'],
      ['LPUSH', 'chain2', 'z'],
      ['EXEC'],
      // Served at once.
      ['BLPOP', 'q', '1'],
      ['BLMPOP', '1', '2', 'none', 'm', 'LEFT', 'COUNT', '10'],
      ['BLMOVE', 'src', 'dst', 'LEFT', 'LEFT', '1'],
      ['LMPOP', '1', 'chain1', 'RIGHT', 'COUNT', '5'],
      ['RPUSH', 'plain', 'a', 'b', 'c', 'b', 'a'],
      ['LREM', 'plain', '-1', 'a'],
      ['LINSERT', 'plain', 'AFTER', 'b', 'n'],
      ['LSET', 'plain', '-1', 'last'],
      ['LTRIM', 'plain', '1', '-1'],
      ['RPOPLPUSH', 'plain', 'plain'],
      ['HSET', 'h', 'f', '1', 'g', 'x'],
      ['HINCRBYFLOAT', 'h', 'f', '0.1'],
      ['HINCRBYFLOAT', 'h', 'f', '1e-3'],
      ['HINCRBY', 'h', 'n', '5'],
      ['HDEL', 'h', 'g'],
    ]) {
      await w.call(...argv);
    }
    for (const x of [a, b, c, d]) assert.match(await x.readReply(), /^\*|^\$/);
    assert.equal(await w.call('WAIT', '1', '5000'), ':1\r\n');
    const [mine, theirs] = [await snapshot(w), await snapshot(rep)];
    assert.deepEqual(theirs, mine);
    assert.equal(mine[LISTS.length], '*4\r\n$1\r\nf\r\n$5\r\n1.101\r\n$1\r\nn\r\n$1\r\n5\r\n');
  } finally {
    for (const x of [...conns, rep]) x.close();
  }
});
