/**
 * Clients blocked on keys when the cluster changes under them: once the slot moves they get
 * -MOVED, once the cluster goes down -CLUSTERDOWN, like redis-server 7.0's cron does. The same
 * script runs against two keyshard nodes and two redis-server nodes; the errors must match (and
 * INFO's cluster_connections).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { redisServerOrSkip } from '../helpers/procs.js';
import { RawConn } from '../helpers/raw.js';
import { keyHashSlot } from '../../src/util/crc16.js';
import { startNode, stopAll, cmd, waitFor, stateIs, allConnected } from './helpers.js';

after(stopAll);

async function scenario(kind: 'keyshard' | 'redis'): Promise<string[]> {
  const [a, b] = await Promise.all([startNode(kind, 1000), startNode(kind, 1000)]);
  assert.equal(await cmd(a, 'CLUSTER', 'ADDSLOTSRANGE', '0', '16383'), '+OK');
  assert.equal(await cmd(b, 'CLUSTER', 'MEET', '127.0.0.1', String(a.port)), '+OK');
  await waitFor('nodes connected', () => allConnected([a, b]), 10000);
  await waitFor('cluster ok', () => stateIs([a, b], 'ok'), 10000);
  const idA = await cmd(a, 'CLUSTER', 'MYID');
  const idB = await cmd(b, 'CLUSTER', 'MYID');
  const moving = '{m}list';
  const slot = String(keyHashSlot(moving));
  const waiterMoved = await RawConn.open(a.port);
  const waiterDown = await RawConn.open(a.port);
  try {
    waiterMoved.send('BLPOP', moving, '0');
    waiterDown.send('BZPOPMIN', '{d}zset', '0');
    // Both are blocked before anything changes.
    await waitFor(
      'two blocked clients',
      async () => /blocked_clients:2/.test(await cmd(a, 'INFO', 'clients')),
      5000,
    );
    // The slot moves to b the way resharding does it.
    assert.equal(await cmd(b, 'CLUSTER', 'SETSLOT', slot, 'IMPORTING', idA), '+OK');
    assert.equal(await cmd(a, 'CLUSTER', 'SETSLOT', slot, 'MIGRATING', idB), '+OK');
    assert.equal(await cmd(b, 'CLUSTER', 'SETSLOT', slot, 'NODE', idB), '+OK');
    assert.equal(await cmd(a, 'CLUSTER', 'SETSLOT', slot, 'NODE', idB), '+OK');
    const moved = await waiterMoved.readReply(5000);
    // An uncovered slot puts the cluster down (cluster-require-full-coverage yes).
    const other = String(keyHashSlot('{x}other'));
    assert.equal(await cmd(a, 'CLUSTER', 'DELSLOTS', other), '+OK');
    const down = await waiterDown.readReply(5000);
    const links = /cluster_connections:\d+/.exec(await cmd(a, 'INFO', 'clients'))?.[0] ?? '';
    return [moved.split(String(b.port)).join('<port-b>'), down, links];
  } finally {
    waiterMoved.close();
    waiterDown.close();
    await Promise.all([a.stop(), b.stop()]);
  }
}

test('blocked clients are redirected when their slot moves or the cluster goes down', async (t) => {
  const ks = await scenario('keyshard');
  const slot = keyHashSlot('{m}list');
  assert.deepEqual(ks, [
    `-MOVED ${slot} 127.0.0.1:<port-b>\r\n`,
    '-CLUSTERDOWN The cluster is down\r\n',
    'cluster_connections:2',
  ]);
  if (!redisServerOrSkip(t)) return;
  assert.deepEqual(await scenario('redis'), ks);
});
