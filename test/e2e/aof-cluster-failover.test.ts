/**
 * Seed scenario 2 with the seed's node config (appendonly yes): a killed master restarted from
 * its directory loads its old AOF, turns into a replica of the replica that replaced it, syncs,
 * and rebuilds its AOF from the new master's data; a second kill -9 and restart keep that data.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { keyHashSlot } from '../../src/util/crc16.js';
import {
  startNode,
  cmd,
  waitFor,
  stateIs,
  stopAll,
  formCluster,
  role,
  linkUp,
} from '../cluster/helpers.js';
import { manifestOf } from './aof-data.js';

after(stopAll);

test('seed scenario 2 with appendonly yes: the old master rejoins as a replica and keeps the new data', async () => {
  const nt = 1000;
  const extra = ['--appendonly', 'yes', '--save', '', '--repl-diskless-sync-delay', '0'];
  const all = await Promise.all(Array.from({ length: 4 }, () => startNode('keyshard', nt, extra)));
  const masters = all.slice(0, 3);
  const heir = all[3];
  const ranges = await formCluster(masters, all);
  const victim = masters[1];
  const vid = await cmd(victim, 'CLUSTER', 'MYID');
  assert.equal(await cmd(heir, 'CLUSTER', 'REPLICATE', vid), '+OK');
  await waitFor('replication link up', async () => await linkUp(heir), 15000);
  await waitFor('cluster_state:ok', () => stateIs(all, 'ok'), 15000);

  const [lo, hi] = ranges[1];
  const keys: string[] = [];
  for (let i = 0; keys.length < 20; i++) {
    const s = keyHashSlot(`key:${i}`);
    if (s >= lo && s <= hi) keys.push(`key:${i}`);
  }
  for (const k of keys) assert.equal(await cmd(victim, 'SET', k, 'old'), '+OK');
  assert.equal(await cmd(victim, 'WAIT', '1', '5000'), '1');
  victim.conn.close();
  await victim.proc.stop('SIGKILL');
  await waitFor(
    'the replica took over',
    async () => (await role(heir)) === 'master',
    6 * nt + 10000,
  );
  const survivors = all.filter((n) => n !== victim);
  await waitFor('cluster_state:ok again', () => stateIs(survivors, 'ok'), 6 * nt + 5000);
  for (const k of keys.slice(0, 10)) assert.equal(await cmd(heir, 'SET', k, 'new'), '+OK');

  // Restarted from its directory: its AOF says "old", the new master says "new" for half.
  const back = await startNode('keyshard', nt, extra, victim.proc.dir, victim.port);
  await waitFor('a replica of the winner', async () => (await role(back)) === 'slave', 15000);
  await waitFor(
    'synced and AOF rewritten',
    async () =>
      (await linkUp(back)) &&
      /aof_rewrites:1\r\n/.test(await cmd(back, 'INFO', 'persistence')) &&
      /aof_rewrite_in_progress:0/.test(await cmd(back, 'INFO', 'persistence')),
    15000,
  );
  assert.match(manifestOf(back.proc.dir), /type b\n.*type i\n$/s);
  assert.equal(await back.conn.call('READONLY'), '+OK\r\n');
  const expect = keys.map((_, i) => (i < 10 ? 'new' : 'old'));
  assert.deepEqual(await Promise.all(keys.map((k) => cmd(back, 'GET', k))), expect);

  // Its AOF now holds the new master's data: a kill -9 and restart bring exactly that back.
  back.conn.close();
  await back.proc.stop('SIGKILL');
  const again = await startNode('keyshard', nt, extra, victim.proc.dir, victim.port);
  assert.equal(await cmd(again, 'DBSIZE'), String(keys.length));
  await waitFor('the restarted replica sees the cluster ok', () => stateIs([again], 'ok'), 15000);
  assert.equal(await again.conn.call('READONLY'), '+OK\r\n');
  assert.deepEqual(await Promise.all(keys.map((k) => cmd(again, 'GET', k))), expect);
  assert.match(again.proc.output(), /DB loaded from append only file/);
});
