/**
 * Seed scenario 2 with real processes: three keyshard masters with one replica each (attached
 * with CLUSTER REPLICATE). kill -9 a master: its replica wins the election, the cluster is ok
 * again and serves the keys written before the kill. The old master, restarted from its
 * directory, turns into a replica of the winner and syncs from it.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startNode,
  cmd,
  nodes,
  waitFor,
  stateIs,
  stopAll,
  keysIn,
  formCluster,
  role,
  linkUp,
} from './helpers.js';

after(stopAll);

test('seed scenario 2: a killed master is replaced by its replica and rejoins as a replica', async (t) => {
  const nt = 1500;
  const all = await Promise.all(Array.from({ length: 6 }, () => startNode('keyshard', nt)));
  const masters = all.slice(0, 3);
  const replicas = all.slice(3);
  const ranges = await formCluster(masters, all);
  const ids = await Promise.all(all.map((n) => cmd(n, 'CLUSTER', 'MYID')));
  for (let i = 0; i < 3; i++) {
    assert.equal(await cmd(replicas[i], 'CLUSTER', 'REPLICATE', ids[i]), '+OK');
  }
  await waitFor(
    'replication links up',
    async () => {
      for (const r of replicas) {
        if (!(await linkUp(r))) return false;
      }
      return true;
    },
    15000,
  );
  await waitFor('cluster_state:ok', () => stateIs(all, 'ok'), 15000);

  const victim = masters[1];
  const heir = replicas[1];
  const [lo, hi] = ranges[1];
  const keys = keysIn(lo, hi, 20);
  for (const k of keys) assert.equal(await cmd(victim, 'SET', k, `v-${k}`), '+OK');
  assert.equal(await cmd(victim, 'WAIT', '1', '5000'), '1');

  victim.conn.close();
  await victim.proc.stop('SIGKILL');
  const killedAt = Date.now();
  const survivors = all.filter((n) => n !== victim);
  await waitFor(
    'the replica took over',
    async () => (await role(heir)) === 'master',
    6 * nt + 10000,
  ).catch((e) => {
    console.log(
      heir.proc
        .output()
        .split('\n')
        .filter((l) => !/SYNC|MASTER/.test(l))
        .join('\n')
        .replace(/^/gm, 'HEIR '),
    );
    throw e;
  });
  t.diagnostic(`replica promoted ${Date.now() - killedAt} ms after the kill (node timeout ${nt})`);
  await waitFor('cluster_state:ok again', () => stateIs(survivors, 'ok'), 6 * nt + 5000);
  t.diagnostic(`cluster ok again ${Date.now() - killedAt} ms after the kill`);
  const out = heir.proc.output();
  assert.match(out, /Start of election delayed for \d+ milliseconds \(rank #0, offset \d+\)\./);
  assert.match(out, /Starting a failover election for epoch \d+\./);
  assert.match(out, /Failover election won: I'm the new master\./);
  assert.match(out, /configEpoch set to \d+ after successful failover/);
  for (const k of keys) assert.equal(await cmd(heir, 'GET', k), `v-${k}`);
  // Every survivor routes the old master's slots to the winner.
  for (const n of survivors) {
    const l = (await nodes(n)).find((x) => x.id === ids[4])!;
    assert.ok(l.flags.includes('master'), `flags ${l.flags.join(',')}`);
    assert.deepEqual(l.slots, [`${lo}-${hi}`]);
  }
  assert.equal(await cmd(heir, 'SET', keys[0], 'after'), '+OK');

  const back = await startNode('keyshard', nt, [], victim.proc.dir, victim.port);
  await waitFor(
    'the old master is a replica of the winner',
    async () => (await role(back)) === 'slave',
    15000,
  );
  assert.match(
    back.proc.output(),
    new RegExp(`Configuration change detected\\. Reconfiguring myself as a replica of ${ids[4]}`),
  );
  await waitFor('the old master synced from the winner', async () => await linkUp(back), 15000);
  assert.match(
    await cmd(back, 'INFO', 'replication'),
    new RegExp(`master_port:${heir.port}\\r\\n`),
  );
  await waitFor(
    'the write made after the failover reached the old master',
    async () => {
      const r = await back.conn.call('READONLY');
      return r === '+OK\r\n' && (await cmd(back, 'GET', keys[0])) === 'after';
    },
    10000,
  );
  await waitFor('everyone ok', () => stateIs([...survivors, back], 'ok'), 15000);
});
