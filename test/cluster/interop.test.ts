/**
 * keyshard and Debian's redis-server 7.0 in one cluster: MEET in both directions, full mesh,
 * agreement on slot owners, redirects to the right node, and each kind marks the other FAIL
 * when it is killed.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { redisServerOrSkip } from '../helpers/procs.js';
import { keyHashSlot } from '../../src/util/crc16.js';
import {
  startNode,
  stopAll,
  cmd,
  nodes,
  waitFor,
  stateIs,
  allConnected,
  assignSlots,
  type Node,
} from './helpers.js';

after(stopAll);

async function failFlagged(observers: Node[], id: string): Promise<boolean> {
  for (const n of observers) {
    const l = (await nodes(n)).find((x) => x.id === id);
    if (!l || !l.flags.includes('fail')) return false;
  }
  return true;
}

test('mixed keyshard + redis-server cluster', async (t) => {
  if (!redisServerOrSkip(t)) return;
  const nt = 2000;
  const [k1, r1, k2, r2, k3] = await Promise.all([
    startNode('keyshard', nt),
    startNode('redis', nt),
    startNode('keyshard', nt),
    startNode('redis', nt),
    startNode('keyshard', nt),
  ]);
  const all = [k1, r1, k2, r2, k3];
  const ranges = await assignSlots(all);
  // MEET in both directions: keyshard -> redis and redis -> keyshard.
  assert.equal(await cmd(k1, 'CLUSTER', 'MEET', '127.0.0.1', String(r1.port)), '+OK');
  assert.equal(await cmd(r1, 'CLUSTER', 'MEET', '127.0.0.1', String(k2.port)), '+OK');
  assert.equal(await cmd(r2, 'CLUSTER', 'MEET', '127.0.0.1', String(k1.port)), '+OK');
  assert.equal(await cmd(k3, 'CLUSTER', 'MEET', '127.0.0.1', String(r2.port)), '+OK');
  await waitFor('full mesh', () => allConnected(all), 20000);
  await waitFor('cluster_state:ok everywhere', () => stateIs(all, 'ok'), 20000);

  // Every node agrees on who owns which slots.
  const ids = await Promise.all(all.map((n) => cmd(n, 'CLUSTER', 'MYID')));
  for (const n of all) {
    const view = await nodes(n);
    for (const [i, id] of ids.entries()) {
      const l = view.find((x) => x.id === id)!;
      assert.deepEqual(
        l.slots,
        [`${ranges[i][0]}-${ranges[i][1]}`],
        `${n.kind}:${n.port} about ${i}`,
      );
    }
  }

  // Redirects from every node point at the owner.
  const keys = ['foo', 'bar', 'baz', 'user:1', '{tag}x', 'k9', 'zz'];
  for (const n of all) {
    for (const key of keys) {
      const slot = keyHashSlot(key);
      const owner = ranges.findIndex(([a, b]) => slot >= a && slot <= b);
      const r = await cmd(n, 'SET', key, 'v');
      if (all[owner] === n) assert.equal(r, '+OK');
      else assert.equal(r, `-MOVED ${slot} 127.0.0.1:${all[owner].port}`);
    }
  }

  // redis-server killed: keyshard nodes (and the other redis) mark it FAIL.
  r1.conn.close();
  await r1.proc.stop('SIGKILL');
  await waitFor(
    'keyshard marks redis FAIL',
    () => failFlagged([k1, k2, k3, r2], ids[1]),
    6 * nt + 4000,
  );
  // keyshard killed: redis-server marks it FAIL.
  k2.conn.close();
  await k2.proc.stop('SIGKILL');
  await waitFor(
    'redis marks keyshard FAIL',
    () => failFlagged([r2, k1, k3], ids[2]),
    6 * nt + 4000,
  );
  assert.ok(await stateIs([k1, r2, k3], 'fail'));
});
