/**
 * CLUSTER command replies byte for byte against redis-server 7.0 (single cluster-enabled nodes),
 * and the routing errors (MOVED, ASK, ASKING, TRYAGAIN, CROSSSLOT, CLUSTERDOWN) on a two-node
 * keyshard cluster.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { redisServerOrSkip } from '../helpers/procs.js';
import { RawConn } from '../helpers/raw.js';
import { startNode, stopAll, cmd, waitFor, stateIs, allConnected } from './helpers.js';

after(stopAll);

/** Normalizes what legitimately differs between two nodes: ids and ports. */
function norm(s: string, ids: string[], ports: number[]): string {
  for (const id of ids) s = s.split(id).join('<id>');
  for (const p of ports)
    s = s
      .split(String(p))
      .join('<port>')
      .split(String(p + 10000))
      .join('<cport>');
  return s;
}

test('CLUSTER replies and errors match redis-server', async (t) => {
  if (!redisServerOrSkip(t)) return;
  const [ks, rd] = await Promise.all([startNode('keyshard'), startNode('redis')]);
  // Past the 2 s writable delay both have computed their state once.
  await new Promise((r) => setTimeout(r, 3000));
  const ids = [await cmd(ks, 'CLUSTER', 'MYID'), await cmd(rd, 'CLUSTER', 'MYID')];
  const ports = [ks.port, rd.port];
  const script: string[][] = [
    ['CLUSTER', 'HELP'],
    ['CLUSTER', 'INFO'],
    ['CLUSTER', 'NODES'],
    ['CLUSTER', 'SLOTS'],
    ['CLUSTER', 'SHARDS'],
    ['CLUSTER', 'LINKS'],
    ['CLUSTER', 'FOO'],
    ['CLUSTER', 'NODES', 'x'],
    ['CLUSTER', 'ADDSLOTS', '1', '2', '2'],
    ['CLUSTER', 'ADDSLOTS', '16384'],
    ['CLUSTER', 'ADDSLOTS', 'x'],
    ['CLUSTER', 'DELSLOTS', '5'],
    ['CLUSTER', 'ADDSLOTSRANGE', '1', '0'],
    ['CLUSTER', 'ADDSLOTSRANGE', '1'],
    ['CLUSTER', 'ADDSLOTSRANGE', '1', '2', '3'],
    ['CLUSTER', 'MEET', '1.2.3', '5'],
    ['CLUSTER', 'MEET', '1.2.3.4', 'x'],
    ['CLUSTER', 'MEET', '1.2.3.4', '5', 'y'],
    ['CLUSTER', 'MEET', '1.2.3.4', '70000'],
    ['CLUSTER', 'MEET', 'a', 'b', 'c', 'd'],
    ['CLUSTER', 'COUNTKEYSINSLOT', '99999'],
    ['CLUSTER', 'COUNTKEYSINSLOT', 'x'],
    ['CLUSTER', 'GETKEYSINSLOT', '1', '-1'],
    ['CLUSTER', 'GETKEYSINSLOT', '1', 'x'],
    ['CLUSTER', 'SETSLOT', '1', 'foo'],
    ['CLUSTER', 'SETSLOT', '99999', 'stable'],
    ['CLUSTER', 'SETSLOT', '1', 'migrating', 'abc'],
    ['CLUSTER', 'SETSLOT', '1', 'node', 'abc'],
    ['CLUSTER', 'RESET', 'foo'],
    ['CLUSTER', 'RESET', 'a', 'b'],
    ['CLUSTER', 'FORGET', 'abc'],
    ['CLUSTER', 'FORGET', '0'.repeat(40)],
    ['CLUSTER', 'COUNT-FAILURE-REPORTS', 'abc'],
    ['CLUSTER', 'REPLICAS', 'abc'],
    ['CLUSTER', 'SET-CONFIG-EPOCH', '-1'],
    ['CLUSTER', 'SET-CONFIG-EPOCH', 'x'],
    ['CLUSTER', 'KEYSLOT', '{user1000}.following'],
    ['CLUSTER', 'COUNTKEYSINSLOT', '0'],
    ['CLUSTER', 'GETKEYSINSLOT', '0', '10'],
    ['CLUSTER', 'BUMPEPOCH'],
    ['CLUSTER', 'BUMPEPOCH'],
    ['CLUSTER', 'SET-CONFIG-EPOCH', '5'],
    ['MULTI'],
    ['CLUSTER', 'ADDSLOTS', '1'],
    ['CLUSTER', 'ADDSLOTS', '1'],
    ['CLUSTER', 'INFO'],
    ['EXEC'],
    ['CLUSTER', 'SETSLOT', '1', 'stable'],
    ['CLUSTER', 'NODES'],
    ['CLUSTER', 'SLOTS'],
    ['CLUSTER', 'SHARDS'],
    ['SET', 'foo', 'bar'],
    ['CLUSTER', 'FLUSHSLOTS'],
    ['CLUSTER', 'RESET'],
    ['CLUSTER', 'ADDSLOTSRANGE', '0', '16383'],
    ['SELECT', '1'],
    ['READONLY'],
    ['READWRITE'],
    ['ASKING'],
    ['CLUSTER', 'FORGET', '<myid>'],
    ['HELLO', '3'],
    ['CLUSTER', 'SHARDS'],
    ['CLUSTER', 'SLOTS'],
  ];
  for (const argv of script) {
    const [a, b] = await Promise.all(
      [ks, rd].map((n, i) => n.conn.call(...argv.map((x) => (x === '<myid>' ? ids[i] : x)))),
    );
    if (argv[0] === 'HELLO') continue;
    assert.equal(norm(a, ids, ports), norm(b, ids, ports), argv.join(' '));
  }
});

test('routing: MOVED, ASK, ASKING, TRYAGAIN, CROSSSLOT, CLUSTERDOWN', async () => {
  const [a, b] = await Promise.all([startNode('keyshard'), startNode('keyshard')]);
  assert.equal(await cmd(a, 'SET', 'foo', 'x'), '-CLUSTERDOWN Hash slot not served');
  assert.equal(await cmd(a, 'CLUSTER', 'ADDSLOTSRANGE', '0', '16383'), '+OK');
  assert.equal(await cmd(b, 'CLUSTER', 'MEET', '127.0.0.1', String(a.port)), '+OK');
  await waitFor('connected', () => allConnected([a, b]), 15000);
  await waitFor('ok', () => stateIs([a, b], 'ok'), 15000);
  const [ida, idb] = [await cmd(a, 'CLUSTER', 'MYID'), await cmd(b, 'CLUSTER', 'MYID')];
  assert.equal(await cmd(b, 'GET', 'foo'), `-MOVED 12182 127.0.0.1:${a.port}`);
  assert.equal(
    await cmd(a, 'MSET', 'foo', '1', 'bar', '2'),
    "-CROSSSLOT Keys in request don't hash to the same slot",
  );
  assert.equal(await cmd(a, 'MSET', '{foo}a', '1', '{foo}b', '2'), '+OK');
  assert.equal(await cmd(a, 'CLUSTER', 'COUNTKEYSINSLOT', '12182'), '2');
  assert.equal(await cmd(b, 'CLUSTER', 'SETSLOT', '12182', 'IMPORTING', ida), '+OK');
  assert.equal(await cmd(a, 'CLUSTER', 'SETSLOT', '12182', 'MIGRATING', idb), '+OK');
  const nodesA = await cmd(a, 'CLUSTER', 'NODES');
  assert.match(nodesA, new RegExp(`myself,master .* connected 0-16383 \\[12182->-${idb}\\]`));
  assert.equal(await cmd(a, 'GET', '{foo}a'), '1');
  assert.equal(await cmd(a, 'GET', 'foo'), `-ASK 12182 127.0.0.1:${b.port}`);
  assert.equal(
    await cmd(a, 'MGET', '{foo}a', 'foo'),
    '-TRYAGAIN Multiple keys request during rehashing of slot',
  );
  assert.equal(await cmd(b, 'GET', 'foo'), `-MOVED 12182 127.0.0.1:${a.port}`);
  assert.equal(await cmd(b, 'ASKING'), '+OK');
  assert.equal(await cmd(b, 'SET', 'foo', 'new'), '+OK');
  // ASKING lasts for one command only.
  assert.equal(await cmd(b, 'GET', 'foo'), `-MOVED 12182 127.0.0.1:${a.port}`);
  assert.equal(await cmd(b, 'ASKING'), '+OK');
  assert.equal(
    await cmd(b, 'MGET', 'foo', '{foo}zz'),
    '-TRYAGAIN Multiple keys request during rehashing of slot',
  );
  // A redirect inside MULTI fails the transaction.
  assert.equal(await cmd(b, 'MULTI'), '+OK');
  assert.equal(await cmd(b, 'GET', 'foo'), `-MOVED 12182 127.0.0.1:${a.port}`);
  assert.equal(
    await cmd(b, 'EXEC'),
    '-EXECABORT Transaction discarded because of previous errors.',
  );
  // Finish the move: SETSLOT NODE on both, then the owner changed everywhere.
  assert.equal(await cmd(a, 'DEL', '{foo}a', '{foo}b'), '2');
  assert.equal(await cmd(b, 'CLUSTER', 'SETSLOT', '12182', 'NODE', idb), '+OK');
  assert.equal(await cmd(a, 'CLUSTER', 'SETSLOT', '12182', 'NODE', idb), '+OK');
  assert.equal(await cmd(a, 'GET', 'foo'), `-MOVED 12182 127.0.0.1:${b.port}`);
  assert.equal(await cmd(b, 'GET', 'foo'), 'new');
  assert.equal(await cmd(b, 'CLUSTER', 'GETKEYSINSLOT', '12182', '5'), '*1\r\n$3\r\nfoo\r\n');
  // The bumped epoch wins everywhere.
  await waitFor(
    'a sees b own 12182',
    async () => (await cmd(a, 'CLUSTER', 'NODES')).includes(' 12182'),
    5000,
  );
  const raw = await RawConn.open(a.port);
  assert.equal(await raw.call('READONLY'), '+OK\r\n');
  raw.close();
});
