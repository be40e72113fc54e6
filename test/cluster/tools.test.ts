/**
 * Real cluster tooling against keyshard nodes: `redis-cli --cluster create` and `check`,
 * `redis-cli -c` redirect following, and an ioredis Cluster client.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { Cluster } from 'ioredis';
import { startNode, stopAll, stateIs, waitFor, info, type Node } from './helpers.js';

after(stopAll);

function hasRedisCli(): boolean {
  return spawnSync('redis-cli', ['--version']).status === 0;
}

function run(args: string[], timeoutMs = 60000): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn('redis-cli', args, { env: { ...process.env, TERM: 'dumb' } });
    let out = '';
    p.stdout.on('data', (b: Buffer) => (out += b.toString('latin1')));
    p.stderr.on('data', (b: Buffer) => (out += b.toString('latin1')));
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

test('redis-cli --cluster create/check, redis-cli -c and ioredis Cluster', async (t) => {
  if (!hasRedisCli()) {
    if (process.env.CI) throw new Error('redis-cli is required in CI');
    t.skip('redis-cli not installed');
    return;
  }
  const list: Node[] = await Promise.all([1, 2, 3].map(() => startNode('keyshard', 3000)));
  const addrs = list.map((n) => `127.0.0.1:${n.port}`);
  const create = await run([
    '--cluster',
    'create',
    ...addrs,
    '--cluster-replicas',
    '0',
    '--cluster-yes',
  ]);
  assert.equal(create.code, 0, create.out);
  assert.match(create.out, /Master\[0\] -> Slots 0 - 5460/);
  assert.match(create.out, /\[OK\] All nodes agree about slots configuration\./);
  assert.match(create.out, /\[OK\] All 16384 slots covered\./);
  await waitFor('cluster ok', () => stateIs(list, 'ok'), 15000);
  const i = await info(list[0]);
  assert.equal(i.cluster_known_nodes, '3');
  assert.equal(i.cluster_current_epoch, '3');

  const check = await run(['--cluster', 'check', addrs[1]]);
  assert.equal(check.code, 0, check.out);
  assert.match(check.out, /\[OK\] 0 keys in 3 masters\./);
  assert.match(check.out, /\[OK\] All 16384 slots covered\./);

  const set = await run(['-c', '-p', String(list[0].port), 'SET', 'foo', 'bar']);
  assert.equal(set.out.trim(), 'OK');
  const get = await run(['-c', '-p', String(list[1].port), 'GET', 'foo']);
  assert.equal(get.out.trim(), 'bar');

  const cluster = new Cluster([{ host: '127.0.0.1', port: list[0].port }], {
    enableOfflineQueue: true,
    clusterRetryStrategy: () => null,
  });
  try {
    for (let k = 0; k < 50; k++) await cluster.set(`key:${k}`, String(k));
    for (let k = 0; k < 50; k++) assert.equal(await cluster.get(`key:${k}`), String(k));
    assert.equal(await cluster.get('foo'), 'bar');
    const counts = await Promise.all(list.map((n) => run(['-p', String(n.port), 'DBSIZE'])));
    const total = counts.reduce((a, r) => a + Number(r.out.trim()), 0);
    assert.equal(total, 51);
    assert.ok(
      counts.every((r) => Number(r.out.trim()) > 0),
      'keys spread over all masters',
    );
  } finally {
    cluster.disconnect();
  }

  const check2 = await run(['--cluster', 'check', addrs[0]]);
  assert.equal(check2.code, 0, check2.out);
  assert.match(check2.out, /\[OK\] 51 keys in 3 masters\./);
});
