/**
 * Seed scenario 1 with real processes: three keyshard masters, kill -9 one, the cluster goes
 * down everywhere, FORGET it on the survivors, take over its slots, the cluster is ok again, and
 * a fresh node joins with MEET.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startNode,
  cmd,
  info,
  nodes,
  waitFor,
  stateIs,
  allConnected,
  assignSlots,
  meetAll,
  stopAll,
} from './helpers.js';

after(stopAll);

test('seed scenario 1: kill -9 a master, forget it, re-cover its slots, meet a new node', async () => {
  const nt = 2000;
  const [a, b, c] = await Promise.all([
    startNode('keyshard', nt),
    startNode('keyshard', nt),
    startNode('keyshard', nt),
  ]);
  const ranges = await assignSlots([a, b, c]);
  for (const [i, n] of [a, b, c].entries()) {
    assert.equal(await cmd(n, 'CLUSTER', 'SET-CONFIG-EPOCH', String(i + 1)), '+OK');
  }
  await meetAll([a, b, c]);
  await waitFor('3 nodes connected', () => allConnected([a, b, c]), 15000);
  await waitFor('cluster_state:ok', () => stateIs([a, b, c], 'ok'), 15000);
  const ia = await info(a);
  assert.equal(ia.cluster_known_nodes, '3');
  assert.equal(ia.cluster_size, '3');
  assert.equal(ia.cluster_slots_assigned, '16384');

  const cid = await cmd(c, 'CLUSTER', 'MYID');
  c.conn.close();
  await c.proc.stop('SIGKILL');
  const t0 = Date.now();
  await waitFor('cluster_state:fail on survivors', () => stateIs([a, b], 'fail'), 4 * nt + 3000);
  const detectMs = Date.now() - t0;
  const lineA = (await nodes(a)).find((l) => l.id === cid)!;
  assert.ok(lineA.flags.includes('fail'), `flags ${lineA.flags}`);
  assert.match(
    a.proc.output(),
    /Marking node [0-9a-f]{40} as failing \(quorum reached\)\.|FAIL message received from/,
  );
  assert.match(a.proc.output(), /Cluster state changed: fail/);
  assert.ok(detectMs < 4 * nt + 3000);
  // Keyed commands are refused while the cluster is down; the rest still works.
  assert.equal(await cmd(a, 'GET', 'foo'), '-CLUSTERDOWN The cluster is down');
  assert.equal(await cmd(a, 'PING'), '+PONG');

  assert.equal(await cmd(a, 'CLUSTER', 'FORGET', cid), '+OK');
  assert.equal(await cmd(b, 'CLUSTER', 'FORGET', cid), '+OK');
  assert.equal((await info(a)).cluster_known_nodes, '2');
  assert.equal(await cmd(a, 'CLUSTER', 'FORGET', cid), `-ERR Unknown node ${cid}`);
  const [lo, hi] = ranges[2];
  assert.equal(await cmd(a, 'CLUSTER', 'ADDSLOTSRANGE', String(lo), String(hi)), '+OK');
  await waitFor('cluster_state:ok after re-covering', () => stateIs([a, b], 'ok'), 8 * nt);
  // The forgotten node is not re-learned through gossip.
  assert.ok((await nodes(b)).every((l) => l.id !== cid));

  const d = await startNode('keyshard', nt);
  assert.equal(await cmd(d, 'CLUSTER', 'MEET', '127.0.0.1', String(a.port)), '+OK');
  await waitFor('new node joined', () => allConnected([a, b, d]), 15000);
  await waitFor('state ok on the new node', () => stateIs([a, b, d], 'ok'), 15000);
  // The new node redirects to the owner of each key.
  const moved = await cmd(d, 'SET', 'foo', 'bar');
  assert.equal(moved, `-MOVED 12182 127.0.0.1:${a.port}`);
  assert.equal(await cmd(a, 'SET', 'foo', 'bar'), '+OK');
});
