/**
 * keyshard masters take part in a redis-server replica's failover: when the replica's master
 * is killed, keyshard marks it FAIL, grants its vote, and then adopts the new master's slots
 * from its PONG (higher configEpoch), so the cluster returns to ok.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { redisServerOrSkip } from '../helpers/procs.js';
import { startNode, stopAll, cmd, nodes, waitFor, stateIs, allConnected } from './helpers.js';

after(stopAll);

test('keyshard masters vote for a redis-server replica and follow its promotion', async (t) => {
  if (!redisServerOrSkip(t)) return;
  const nt = 2000;
  const [k1, k2, r1, r1r] = await Promise.all([
    startNode('keyshard', nt),
    startNode('keyshard', nt),
    startNode('redis', nt),
    startNode('redis', nt),
  ]);
  assert.equal(await cmd(k1, 'CLUSTER', 'ADDSLOTSRANGE', '0', '5460'), '+OK');
  assert.equal(await cmd(k2, 'CLUSTER', 'ADDSLOTSRANGE', '5461', '10922'), '+OK');
  assert.equal(await cmd(r1, 'CLUSTER', 'ADDSLOTSRANGE', '10923', '16383'), '+OK');
  for (const n of [k2, r1, r1r]) {
    assert.equal(await cmd(n, 'CLUSTER', 'MEET', '127.0.0.1', String(k1.port)), '+OK');
  }
  await waitFor('connected', () => allConnected([k1, k2, r1, r1r]), 20000);
  const r1id = await cmd(r1, 'CLUSTER', 'MYID');
  const r1rid = await cmd(r1r, 'CLUSTER', 'MYID');
  assert.equal(await cmd(r1r, 'CLUSTER', 'REPLICATE', r1id), '+OK');
  await waitFor(
    'keyshard sees the replica',
    async () => {
      const l = (await nodes(k1)).find((x) => x.id === r1rid);
      return Boolean(l && l.flags.includes('slave'));
    },
    10000,
  );
  await waitFor(
    'replication link up',
    async () => (await cmd(r1r, 'INFO', 'replication')).includes('master_link_status:up'),
    10000,
  );
  await waitFor('ok', () => stateIs([k1, k2, r1, r1r], 'ok'), 10000);

  r1.conn.close();
  await r1.proc.stop('SIGKILL');
  await waitFor(
    'replica promoted in keyshard tables',
    async () => {
      for (const n of [k1, k2]) {
        const l = (await nodes(n)).find((x) => x.id === r1rid);
        if (!l || !l.flags.includes('master') || l.slots.join(' ') !== '10923-16383') return false;
      }
      return true;
    },
    8 * nt + 5000,
  );
  await waitFor('ok again', () => stateIs([k1, k2, r1r], 'ok'), 10000);
  const granted = new RegExp(`Failover auth granted to ${r1rid} for epoch \\d+`);
  assert.ok(granted.test(k1.proc.output()) || granted.test(k2.proc.output()));
  assert.equal(await cmd(k1, 'GET', 'foo'), `-MOVED 12182 127.0.0.1:${r1r.port}`);
});
