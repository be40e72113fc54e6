/**
 * Failover across implementations: a keyshard replica of a redis-server master runs a
 * coordinated CLUSTER FAILOVER (MFSTART to redis-server, its PAUSED offset, votes from both
 * kinds of masters); then the demoted redis-server takes the role back with TAKEOVER and the
 * keyshard node follows it.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { redisServerOrSkip } from '../helpers/procs.js';
import { startNode, cmd, waitFor, stateIs, allConnected, stopAll, role } from './helpers.js';

after(stopAll);

test('keyshard replica fails over a redis-server master and back', async (t) => {
  if (!redisServerOrSkip(t)) return;
  const nt = 1500;
  const [r1, k2, r3, kr] = await Promise.all([
    startNode('redis', nt),
    startNode('keyshard', nt),
    startNode('redis', nt),
    startNode('keyshard', nt),
  ]);
  const all = [r1, k2, r3, kr];
  assert.equal(await cmd(r1, 'CLUSTER', 'ADDSLOTSRANGE', '0', '5460'), '+OK');
  assert.equal(await cmd(k2, 'CLUSTER', 'ADDSLOTSRANGE', '5461', '10922'), '+OK');
  assert.equal(await cmd(r3, 'CLUSTER', 'ADDSLOTSRANGE', '10923', '16383'), '+OK');
  for (const [i, n] of [r1, k2, r3].entries()) {
    assert.equal(await cmd(n, 'CLUSTER', 'SET-CONFIG-EPOCH', String(i + 1)), '+OK');
  }
  for (const n of [k2, r3, kr]) {
    assert.equal(await cmd(n, 'CLUSTER', 'MEET', '127.0.0.1', String(r1.port)), '+OK');
  }
  await waitFor('connected', () => allConnected(all), 20000);
  const r1id = await cmd(r1, 'CLUSTER', 'MYID');
  const krid = await cmd(kr, 'CLUSTER', 'MYID');
  assert.equal(await cmd(kr, 'CLUSTER', 'REPLICATE', r1id), '+OK');
  await waitFor(
    'kr synced from redis-server',
    async () => (await cmd(kr, 'INFO', 'replication')).includes('master_link_status:up'),
    15000,
  );
  await waitFor('ok', () => stateIs(all, 'ok'), 15000);
  for (let i = 0; i < 20; i++) assert.equal(await cmd(r1, 'SET', `{b}${i}`, String(i)), '+OK');

  assert.equal(await cmd(kr, 'CLUSTER', 'FAILOVER'), '+OK');
  await waitFor('kr is master', async () => (await role(kr)) === 'master', 10000);
  await waitFor('redis-server follows kr', async () => (await role(r1)) === 'slave', 10000);
  assert.match(r1.proc.output(), new RegExp(`Manual failover requested by replica ${krid}`));
  assert.match(kr.proc.output(), /Received replication offset for paused master manual failover/);
  assert.match(
    r1.proc.output(),
    new RegExp(`Configuration change detected. Reconfiguring myself as a replica of ${krid}`),
  );
  for (let i = 0; i < 20; i += 3) assert.equal(await cmd(kr, 'GET', `{b}${i}`), String(i));
  await waitFor('ok after the manual failover', () => stateIs(all, 'ok'), 15000);

  assert.equal(await cmd(r1, 'CLUSTER', 'FAILOVER', 'TAKEOVER'), '+OK');
  await waitFor('redis-server is master again', async () => (await role(r1)) === 'master', 10000);
  await waitFor('kr follows redis-server', async () => (await role(kr)) === 'slave', 10000);
  assert.match(
    kr.proc.output(),
    new RegExp(`Configuration change detected. Reconfiguring myself as a replica of ${r1id}`),
  );
  await waitFor('ok at the end', () => stateIs(all, 'ok'), 15000);
});
