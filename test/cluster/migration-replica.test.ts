/**
 * Replica migration with real processes: three keyshard masters, master A with two replicas and
 * master B with one. kill -9 of B's replica orphans B; after B has been orphaned for 5 s, the
 * replica of A with the smaller node id becomes a replica of B (CLUSTER NODES everywhere, ROLE)
 * and syncs B's keys; the other replica of A stays.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startNode,
  cmd,
  waitFor,
  stateIs,
  stopAll,
  type Node,
  keysIn,
  formCluster,
  linkUp,
} from './helpers.js';

after(stopAll);

/** The master column of node `id`'s line in n's CLUSTER NODES ('' when missing). */
async function masterOf(n: Node, id: string): Promise<string> {
  const line = (await cmd(n, 'CLUSTER', 'NODES')).split('\n').find((l) => l.startsWith(id));
  return line?.split(' ')[3] ?? '';
}

test('a replica of the best-covered master migrates to a master that lost its only replica', async (t) => {
  const nt = 1000;
  const all = await Promise.all(Array.from({ length: 6 }, () => startNode('keyshard', nt)));
  const [a, b] = all;
  const masters = all.slice(0, 3);
  const ranges = await formCluster(masters, all);
  const ids = await Promise.all(all.map((n) => cmd(n, 'CLUSTER', 'MYID')));
  // Nodes 3 and 4 replicate A, node 5 replicates B.
  for (const [r, m] of [
    [3, 0],
    [4, 0],
    [5, 1],
  ]) {
    assert.equal(await cmd(all[r], 'CLUSTER', 'REPLICATE', ids[m]), '+OK');
  }
  const replicasOfA = [all[3], all[4]];
  await waitFor(
    'replication links up',
    async () => (await Promise.all(all.slice(3).map(linkUp))).every(Boolean),
    15000,
  );
  await waitFor('cluster_state:ok', () => stateIs(all, 'ok'), 15000);

  const [lo, hi] = ranges[1];
  const keys = keysIn(lo, hi, 10, 'mig:');
  for (const k of keys) assert.equal(await cmd(b, 'SET', k, `v-${k}`), '+OK');

  const orphanMaker = all[5];
  orphanMaker.conn.close();
  await orphanMaker.proc.stop('SIGKILL');
  const killedAt = Date.now();
  const survivors = all.filter((n) => n !== orphanMaker);
  const movedIdx = ids[3] < ids[4] ? 3 : 4;
  const moved = all[movedIdx];
  const stayed = replicasOfA.find((n) => n !== moved)!;

  await waitFor(
    'the smaller-id replica of A follows B',
    async () => (await masterOf(moved, ids[movedIdx])) === ids[1],
    20000,
  ).catch((e) => {
    console.log(moved.proc.output().replace(/^/gm, 'MOVED '));
    throw e;
  });
  t.diagnostic(`migrated ${Date.now() - killedAt} ms after the kill (node timeout ${nt})`);
  assert.match(moved.proc.output(), new RegExp(`Migrating to orphaned master ${ids[1]}`));
  assert.doesNotMatch(stayed.proc.output(), /Migrating to orphaned master/);

  // ROLE and replication follow B, and B's keys arrive.
  await waitFor('synced from B', () => linkUp(moved), 15000);
  const role = await moved.conn.call('ROLE');
  assert.match(
    role,
    new RegExp(`^\\*5\\r\\n\\$5\\r\\nslave\\r\\n\\$9\\r\\n127\\.0\\.0\\.1\\r\\n:${b.port}\\r\\n`),
  );
  assert.equal(await cmd(moved, 'READONLY'), '+OK');
  await waitFor(
    "B's keys on the migrated replica",
    async () => (await cmd(moved, 'GET', keys[keys.length - 1])) === `v-${keys[keys.length - 1]}`,
    10000,
  );
  for (const k of keys) assert.equal(await cmd(moved, 'GET', k), `v-${k}`);
  // Writes to B after the move reach it too.
  assert.equal(await cmd(b, 'SET', keys[0], 'after'), '+OK');
  assert.equal(await cmd(b, 'WAIT', '1', '5000'), '1');
  assert.equal(await cmd(moved, 'GET', keys[0]), 'after');

  // Every survivor sees the new topology; the other replica still follows A.
  const stayedId = ids[all.indexOf(stayed)];
  await waitFor(
    'all nodes see the migration',
    async () => {
      for (const n of survivors) {
        if ((await masterOf(n, ids[movedIdx])) !== ids[1]) return false;
        if ((await masterOf(n, stayedId)) !== ids[0]) return false;
      }
      return true;
    },
    10000,
  );
  await waitFor(
    'A keeps one replica',
    async () => (await cmd(a, 'INFO', 'replication')).includes('connected_slaves:1\r\n'),
    5000,
  );
  await waitFor('cluster_state:ok', () => stateIs(survivors, 'ok'), 10000);
});
