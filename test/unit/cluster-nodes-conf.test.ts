import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClusterCore } from '../../src/cluster/core/cluster.js';
import { loadNodesConf, NodesConfError, splitArgs } from '../../src/cluster/nodes-conf.js';
import { nodesConfText } from '../../src/cluster/describe.js';
import type { CoreEnv } from '../../src/cluster/core/types.js';

function env(port: number): CoreEnv {
  return {
    now: () => 1795331600000,
    random: () => 0.5,
    settings: () => ({
      nodeTimeout: 15000,
      requireFullCoverage: true,
      allowReplicaMigration: true,
      announceIp: '',
      announceHostname: '',
      port,
      pport: 0,
      cport: port + 10000,
      replicaValidityFactor: 10,
      replPingPeriod: 10,
      replicaNoFailover: false,
    }),
    keysInSlot: () => 0,
    replOffset: () => 0,
    masterDataAge: () => 0,
  };
}

// Observed after `redis-cli --cluster create` with replicas (7.0.15), one line per node.
const OBSERVED = [
  '6eac4aeb0a9e5e3d5d8eefb16a4d342ea7da1b6a 127.0.0.1:41103@51103 master - 0 1795331595207 3 connected 10923-16383',
  '5f49f6e22dae8086992c63bca456addb97b0fe8f 127.0.0.1:41105@51105 slave 465ff45b56d475398590cf0e57aa2fc21c2285de 0 1795331595000 1 connected',
  '465ff45b56d475398590cf0e57aa2fc21c2285de 127.0.0.1:41101@51101 myself,master - 0 1795331594000 1 connected 0-5460 [5061->-6eac4aeb0a9e5e3d5d8eefb16a4d342ea7da1b6a]',
  'fd4abfbb0a9e5e3d5d8eefb16a4d342ea7da1b6a 127.0.0.1:41102@51102,host-b master,fail - 1795331594000 1795331594000 2 disconnected 5461-10922',
  'vars currentEpoch 6 lastVoteEpoch 0',
  '',
].join('\n');

test('nodes.conf loads Redis 7.0 content and saves it back in the same format', () => {
  const core = new ClusterCore(env(41101));
  loadNodesConf(core, OBSERVED);
  assert.equal(core.myself.id, '465ff45b56d475398590cf0e57aa2fc21c2285de');
  assert.equal(core.nodes.size, 4);
  assert.equal(core.currentEpoch, 6);
  assert.equal(core.myself.numslots, 5461);
  assert.equal(core.migratingTo.get(5061)!.id, '6eac4aeb0a9e5e3d5d8eefb16a4d342ea7da1b6a');
  const replica = core.lookup('5f49f6e22dae8086992c63bca456addb97b0fe8f')!;
  assert.equal(replica.slaveof, core.myself);
  assert.equal(core.lookup('fd4abfbb0a9e5e3d5d8eefb16a4d342ea7da1b6a')!.hostname, 'host-b');
  const text = nodesConfText(core);
  // Non-zero ping/pong times become the load time and links are not up yet; the rest round-trips.
  const lines = text.split('\n');
  assert.equal(lines.length, 6);
  assert.equal(
    lines[0],
    '6eac4aeb0a9e5e3d5d8eefb16a4d342ea7da1b6a 127.0.0.1:41103@51103 master - 0 1795331600000 3 disconnected 10923-16383',
  );
  assert.equal(
    lines[1],
    '5f49f6e22dae8086992c63bca456addb97b0fe8f 127.0.0.1:41105@51105 slave 465ff45b56d475398590cf0e57aa2fc21c2285de 0 1795331600000 1 disconnected',
  );
  assert.equal(
    lines[2],
    '465ff45b56d475398590cf0e57aa2fc21c2285de 127.0.0.1:41101@51101 myself,master - 0 1795331600000 1 connected 0-5460 [5061->-6eac4aeb0a9e5e3d5d8eefb16a4d342ea7da1b6a]',
  );
  assert.equal(
    lines[3],
    'fd4abfbb0a9e5e3d5d8eefb16a4d342ea7da1b6a 127.0.0.1:41102@51102,host-b master,fail - 1795331600000 1795331600000 2 disconnected 5461-10922',
  );
  assert.equal(lines[4], 'vars currentEpoch 6 lastVoteEpoch 0');
  const again = new ClusterCore(env(41101));
  loadNodesConf(again, text);
  assert.equal(nodesConfText(again), text);
});

test('corrupt nodes.conf contents are refused', () => {
  const bad = [
    'garbage line\n',
    'abc :0@0 myself,master - 0 0 0 connected\n',
    `${'a'.repeat(40)} 127.0.0.1:1@2 myself,bogus - 0 0 0 connected\n`,
    `${'a'.repeat(40)} 127.0.0.1:1@2 myself,master - 0 0 0 connected 16384\n`,
    `${'a'.repeat(40)} 127.0.0.1:1@2 master - 0 0 0 connected\n`,
    `${'a'.repeat(40)} 127.0.0.1:1@2 myself,master - 0 0 0 connected\nvars currentEpoch\n`,
  ];
  for (const text of bad) {
    assert.throws(() => loadNodesConf(new ClusterCore(env(1)), text), NodesConfError, text);
  }
});

test('argument splitting follows Redis quoting', () => {
  assert.deepEqual(splitArgs('a "b c" \'d\''), ['a', 'b c', 'd']);
  assert.equal(splitArgs('a "b'), null);
});
