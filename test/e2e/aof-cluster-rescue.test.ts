/**
 * The seed's rescue of a dead machine: a master of a 3-master cluster (cluster-enabled yes,
 * appendonly yes) is killed with -9; its nodes.conf and appendonlydir are copied to a new
 * directory and a node started there on the same port rejoins at once with its keys.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/procs.js';
import { startNode, cmd, waitFor, stateIs, stopAll, formCluster } from '../cluster/helpers.js';
import { copyAof } from './aof-data.js';

after(stopAll);

test('seed rescue: nodes.conf + appendonlydir copied to a new directory rejoin with the data', async () => {
  const nt = 1000;
  const extra = ['--appendonly', 'yes', '--save', ''];
  const [a, b, c] = await Promise.all([
    startNode('keyshard', nt, extra),
    startNode('keyshard', nt, extra),
    startNode('keyshard', nt, extra),
  ]);
  await formCluster([a, b, c], [a, b, c], 15000);
  await waitFor('cluster_state:ok', () => stateIs([a, b, c], 'ok'), 15000);

  // Keys of c's slots (the last third), written on c: every type, one with a TTL.
  const mine: string[] = [];
  for (let i = 0; mine.length < 30; i++) {
    const k = `key:${i}`;
    const slot = Number(await cmd(c, 'CLUSTER', 'KEYSLOT', k));
    if (slot < Math.floor((16384 * 2) / 3)) continue;
    mine.push(k);
    const r = mine.length % 3;
    if (r === 0) assert.equal(await cmd(c, 'SET', k, `v${i}`), '+OK');
    else if (r === 1) await cmd(c, 'RPUSH', k, 'a', `b${i}`);
    else await cmd(c, 'HSET', k, 'f', `h${i}`);
  }
  assert.equal(await cmd(c, 'EXPIRE', mine[0], '1000'), '1');
  const cid = await cmd(c, 'CLUSTER', 'MYID');
  c.conn.close();
  await c.proc.stop('SIGKILL');
  await waitFor('cluster_state:fail on survivors', () => stateIs([a, b], 'fail'), 4 * nt + 5000);

  // The rescue: only nodes.conf and the AOF directory move to the new place.
  const dir = tempDir('keyshard-rescue-');
  copyFileSync(join(c.proc.dir, 'nodes.conf'), join(dir, 'nodes.conf'));
  copyAof(c.proc.dir, dir);
  const c2 = await startNode('keyshard', nt, extra, dir, c.port);
  assert.equal(await cmd(c2, 'CLUSTER', 'MYID'), cid);
  await waitFor('cluster_state:ok again', () => stateIs([a, b, c2], 'ok'), 4 * nt + 10000);
  assert.equal(await cmd(c2, 'DBSIZE'), '30');
  for (const [i, k] of mine.entries()) {
    const r = (i + 1) % 3;
    if (r === 0) assert.match(await cmd(c2, 'GET', k), /^v\d+$/);
    else if (r === 1) assert.equal(await cmd(c2, 'LLEN', k), '2');
    else assert.match(await cmd(c2, 'HGET', k, 'f'), /^h\d+$/);
  }
  const ttl = Number(await cmd(c2, 'TTL', mine[0]));
  assert.ok(ttl > 900 && ttl <= 1000, `ttl ${ttl}`);
  // Clients of the other nodes are redirected to the rescued node's slots again.
  assert.match(await cmd(a, 'GET', mine[0]), new RegExp(`^-MOVED \\d+ 127\\.0\\.0\\.1:${c.port}$`));
});
