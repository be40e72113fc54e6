/**
 * nodes.conf with real processes: a restarted node comes back with its id, epochs, slots and
 * peers; a second process cannot use the same file; a corrupt file refuses to start; a failed
 * save is logged, retried, and does not stop the node.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startKeyshard, freeClusterPort, tempDir } from '../helpers/procs.js';
import { startNode, stopAll, cmd, info, nodes, waitFor, stateIs, allConnected } from './helpers.js';

after(stopAll);

test('restart reloads id, epochs, slots and peers; the file is locked', async () => {
  const dir = tempDir('keyshard-nodesconf-');
  const a = await startNode('keyshard', 2000, [], dir);
  const b = await startNode('keyshard', 2000);
  assert.equal(await cmd(a, 'CLUSTER', 'ADDSLOTSRANGE', '0', '8191'), '+OK');
  assert.equal(await cmd(b, 'CLUSTER', 'ADDSLOTSRANGE', '8192', '16383'), '+OK');
  assert.equal(await cmd(a, 'CLUSTER', 'SET-CONFIG-EPOCH', '7'), '+OK');
  assert.equal(await cmd(a, 'CLUSTER', 'MEET', '127.0.0.1', String(b.port)), '+OK');
  await waitFor('connected', () => allConnected([a, b]), 15000);
  await waitFor('ok', () => stateIs([a, b], 'ok'), 15000);
  const id = await cmd(a, 'CLUSTER', 'MYID');
  const idb = await cmd(b, 'CLUSTER', 'MYID');
  const before = await info(a);
  const conf = readFileSync(join(dir, 'nodes.conf'), 'latin1');
  assert.match(
    conf,
    new RegExp(
      `^${id} 127\\.0\\.0\\.1:${a.port}@${a.port + 10000} myself,master - 0 \\d+ 7 connected 0-8191$`,
      'm',
    ),
  );
  assert.match(
    conf,
    new RegExp(`^${idb} 127\\.0\\.0\\.1:${b.port}@${b.port + 10000} master - `, 'm'),
  );
  assert.match(conf, /\nvars currentEpoch 7 lastVoteEpoch 0\n$/);

  // A second process on the same nodes.conf refuses to start.
  await assert.rejects(
    startKeyshard({ port: await freeClusterPort(), dir, args: ['--cluster-enabled', 'yes'] }),
    /is already used by a different Redis Cluster node/,
  );

  a.conn.close();
  await a.proc.stop('SIGKILL');
  const a2 = await startNode('keyshard', 2000, [], dir, a.port);
  assert.match(a2.proc.output(), new RegExp(`Node configuration loaded, I'm ${id}`));
  assert.equal(await cmd(a2, 'CLUSTER', 'MYID'), id);
  const mine = (await nodes(a2)).find((l) => l.id === id)!;
  assert.deepEqual(mine.slots, ['0-8191']);
  await waitFor('rejoined', () => allConnected([a2, b]), 15000);
  await waitFor('ok again', () => stateIs([a2, b], 'ok'), 15000);
  const after2 = await info(a2);
  assert.equal(after2.cluster_current_epoch, before.cluster_current_epoch);
  assert.equal(after2.cluster_my_epoch, '7');

  // A save that fails is logged and retried; the node keeps serving.
  const path = join(dir, 'nodes.conf');
  rmSync(path);
  mkdirSync(join(path, 'blocker'), { recursive: true });
  assert.equal(await cmd(a2, 'CLUSTER', 'DELSLOTS', '0'), '+OK');
  assert.match(
    await cmd(a2, 'CLUSTER', 'SAVECONFIG'),
    /^-ERR error saving the cluster node config: /,
  );
  await waitFor(
    'save failure logged',
    async () => /Could not update cluster config file/.test(a2.proc.output()),
    5000,
  );
  assert.equal(await cmd(a2, 'PING'), '+PONG');
  rmSync(path, { recursive: true });
  await waitFor(
    'retried save',
    async () => {
      try {
        return /myself,master - 0 \d+ 7 connected 1-8191\n/.test(readFileSync(path, 'latin1'));
      } catch {
        return false;
      }
    },
    5000,
  );
});

test('a corrupt nodes.conf refuses to start with a clear message', async () => {
  const dir = tempDir('keyshard-corrupt-');
  writeFileSync(join(dir, 'nodes.conf'), 'this is not a nodes.conf\n');
  await assert.rejects(
    startKeyshard({ port: await freeClusterPort(), dir, args: ['--cluster-enabled', 'yes'] }),
    /Unrecoverable error: corrupted cluster config file\./,
  );
});

test('keys loaded for slots this node does not own are claimed at startup', async () => {
  const dir = tempDir('keyshard-verify-');
  const a = await startNode('keyshard', 2000, [], dir);
  assert.equal(await cmd(a, 'CLUSTER', 'ADDSLOTSRANGE', '0', '16383'), '+OK');
  await waitFor('ok', () => stateIs([a], 'ok'), 10000);
  assert.equal(await cmd(a, 'SET', 'foo', 'bar'), '+OK');
  assert.equal(await cmd(a, 'SAVE'), '+OK');
  a.conn.close();
  await a.proc.stop('SIGKILL');
  rmSync(join(dir, 'nodes.conf'));
  const b = await startNode('keyshard', 2000, [], dir, a.port);
  await waitFor(
    'slot claimed',
    async () =>
      (await cmd(b, 'CLUSTER', 'NODES')).includes('myself,master - 0 0 0 connected 12182'),
    5000,
  );
  assert.match(
    b.proc.output(),
    /I have keys for unassigned slot 12182\. Taking responsibility for it\./,
  );
  assert.match(readFileSync(join(dir, 'nodes.conf'), 'latin1'), / connected 12182\n/);
});
