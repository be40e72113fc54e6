/**
 * What set, sorted-set and HyperLogLog writes propagate: a real redis-server replicates from
 * keyshard and after WAIT its data must equal the master's. Random choices (SPOP) must arrive
 * as SREM/DEL of the chosen members, ZMPOP and blocking pops (served at once or later) as
 * ZPOPMIN/ZPOPMAX, and float results must not be recomputed differently.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { redisServerOrSkip, type ServerProc } from '../helpers/procs.js';
import { startKeyshardWithRedisReplica, waitLinkUp } from '../helpers/replication.js';
import { RawConn } from '../helpers/raw.js';
import { sortedReply } from '../helpers/diff.js';

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

const SETS = ['s1', 's2', 's3', 's4', 'sdst', 'sinter'];
const ZSETS = ['z1', 'z2', 'z3', 'zq', 'zm', 'zstore', 'zunion'];
const HLLS = ['h1', 'h2', 'hm'];

async function snapshot(c: RawConn): Promise<string[]> {
  const out: string[] = [];
  for (const k of SETS) out.push(sortedReply(await c.call('SMEMBERS', k)));
  for (const k of ZSETS) out.push(await c.call('ZRANGE', k, '0', '-1', 'WITHSCORES'));
  for (const k of HLLS) out.push(await c.call('GET', k));
  return out;
}

test('a redis-server replica ends with the same sets, zsets and HLLs as keyshard', async (t) => {
  if (!master || !replica) return t.skip('redis-server not installed');
  const conns = await Promise.all([0, 1, 2].map(() => RawConn.open(master!.port)));
  const rep = await RawConn.open(replica.port);
  try {
    await waitLinkUp(rep);
    const [a, b, w] = conns;
    // Served later, after the writes below.
    a.send('BZPOPMIN', 'zq', '5');
    b.send('BZMPOP', '5', '2', 'none', 'zm', 'MAX', 'COUNT', '2');
    await settle();
    const ints = Array.from({ length: 40 }, (_, i) => String(i));
    const words = Array.from({ length: 700 }, (_, i) => `w${i}`);
    for (const argv of [
      ['SADD', 's1', ...ints],
      ['SADD', 's2', ...words],
      ['SADD', 's3', 'a', 'b', 'c', '1', '2'],
      ['SADD', 's4', 'x', 'y'],
      ['SPOP', 's1'],
      ['SPOP', 's1', '3'],
      ['SPOP', 's2', '650'],
      ['SPOP', 's2', '10'],
      ['SPOP', 's4', '5'],
      ['SRANDMEMBER', 's3', '-5'],
      ['SMOVE', 's3', 'sdst', 'a'],
      ['SINTERSTORE', 'sinter', 's1', 's3'],
      ['ZADD', 'zq', '1', 'a', '2', 'b'],
      ['ZADD', 'zm', '1', 'a', '2', 'b', '3', 'c', '4', 'd'],
      ['ZADD', 'z1', '0.1', 'x', '0.2', 'y', 'inf', 'top'],
      ['ZADD', 'z1', 'INCR', '0.7', 'x'],
      ['ZINCRBY', 'z1', '1e-3', 'y'],
      ['ZADD', 'z2', ...Array.from({ length: 300 }, (_, i) => [String(i / 3), `m${i}`]).flat()],
      ['ZMPOP', '2', 'none', 'z2', 'MIN', 'COUNT', '5'],
      ['ZPOPMAX', 'z2', '3'],
      ['BZPOPMAX', 'z2', '1'],
      ['BZMPOP', '1', '1', 'z2', 'MIN'],
      ['ZREMRANGEBYSCORE', 'z2', '(10', '20'],
      ['ZRANGESTORE', 'zstore', 'z2', '5', '(40', 'BYSCORE', 'LIMIT', '2', '7'],
      ['ZUNIONSTORE', 'zunion', '2', 'z1', 'z2', 'WEIGHTS', '0.3', '7', 'AGGREGATE', 'SUM'],
      ['ZADD', 'z3', '5', 'q'],
      ['ZREM', 'z3', 'q'],
      ['PFADD', 'h1', ...words.slice(0, 200)],
      ['PFADD', 'h2', ...ints],
      ['PFCOUNT', 'h1'],
      ['PFMERGE', 'hm', 'h1', 'h2'],
      ['PFCOUNT', 'hm'],
    ]) {
      await w.call(...argv);
    }
    for (const x of [a, b]) assert.match(await x.readReply(), /^\*/);
    assert.equal(await w.call('WAIT', '1', '5000'), ':1\r\n');
    const [mine, theirs] = [await snapshot(w), await snapshot(rep)];
    assert.deepEqual(theirs, mine);
  } finally {
    for (const x of [...conns, rep]) x.close();
  }
});
