/**
 * cluster-port and cluster-announce-hostname: a keyshard node on a custom bus port announcing a
 * hostname (ping extension) joins a redis-server node, which shows both in CLUSTER NODES; and
 * redis-server's hostname reaches keyshard the same way.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, redisServerOrSkip } from '../helpers/procs.js';
import { startNode, stopAll, cmd, waitFor, allConnected } from './helpers.js';

after(stopAll);

test('custom bus port and announced hostnames interoperate with redis-server', async (t) => {
  if (!redisServerOrSkip(t)) return;
  const busPort = await freePort();
  const ks = await startNode('keyshard', 2000, [
    '--cluster-port',
    String(busPort),
    '--cluster-announce-hostname',
    'ks-a.example',
  ]);
  const rd = await startNode('redis', 2000, ['--cluster-announce-hostname', 'redis-b.example']);
  assert.equal(
    await cmd(rd, 'CLUSTER', 'MEET', '127.0.0.1', String(ks.port), String(busPort)),
    '+OK',
  );
  await waitFor('connected', () => allConnected([ks, rd]), 15000);
  const ksId = await cmd(ks, 'CLUSTER', 'MYID');
  const rdId = await cmd(rd, 'CLUSTER', 'MYID');
  const addr = `127.0.0.1:${ks.port}@${busPort},ks-a.example`;
  await waitFor(
    'redis sees the hostname',
    async () => (await cmd(rd, 'CLUSTER', 'NODES')).includes(`${ksId} ${addr} master`),
    10000,
  );
  assert.match(await cmd(ks, 'CLUSTER', 'NODES'), new RegExp(`${ksId} ${addr} myself,master`));
  await waitFor(
    'keyshard sees redis hostname',
    async () =>
      (await cmd(ks, 'CLUSTER', 'NODES')).includes(
        `${rdId} 127.0.0.1:${rd.port}@${rd.port + 10000},redis-b.example master`,
      ),
    10000,
  );
});
