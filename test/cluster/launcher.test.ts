/**
 * `npm start` (dist/src/bin/local-cluster.js): three masters and their three replicas come up in
 * ./data, report how to connect, serve a cluster client (the replicas receive the writes), and all
 * stop on Ctrl-C (SIGINT).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { Cluster, Redis } from 'ioredis';
import { freeClusterPort, portFree, tempDir } from '../helpers/procs.js';

const here = dirname(fileURLToPath(import.meta.url));
const LAUNCHER = join(here, '..', '..', 'src', 'bin', 'local-cluster.js');

test('local cluster launcher: 3 masters + 3 replicas, connect hint, clean Ctrl-C', async () => {
  // Three consecutive client ports whose bus ports are free as well.
  let base = 0;
  for (let i = 0; i < 20 && !base; i++) {
    const p = await freeClusterPort();
    const others = [1, 2, 3, 4, 5].flatMap((d) => [p + d, p + d + 10000]);
    if ((await Promise.all(others.map(portFree))).every(Boolean)) base = p;
  }
  assert.ok(base, 'no free port range');
  const cwd = tempDir('keyshard-launcher-');
  const child = spawn(process.execPath, [LAUNCHER], {
    cwd,
    env: { ...process.env, KEYSHARD_BASE_PORT: String(base) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  try {
    const deadline = Date.now() + 30000;
    while (!out.includes('Connect with') && child.exitCode === null && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(out, new RegExp(`3 masters on 127\\.0\\.0\\.1:${base}-${base + 2}`), out);
    assert.match(out, new RegExp(`their replicas on ${base + 3}-${base + 5}`), out);
    assert.match(out, new RegExp(`Connect with: redis-cli -c -p ${base}`));
    assert.ok(existsSync(join(cwd, 'data', String(base), 'nodes.conf')));
    const cluster = new Cluster([{ host: '127.0.0.1', port: base }], {
      clusterRetryStrategy: () => null,
    });
    try {
      for (let k = 0; k < 20; k++) await cluster.set(`k${k}`, String(k));
      assert.equal(await cluster.get('k7'), '7');
      // Every replica follows its master and has the master's keys.
      for (let i = 0; i < 3; i++) {
        const master = new Redis({ port: base + i, lazyConnect: true });
        const replica = new Redis({ port: base + 3 + i, lazyConnect: true });
        try {
          assert.match(await replica.info('replication'), new RegExp(`master_port:${base + i}`));
          await master.wait(1, 5000);
          const n = await master.dbsize();
          let m = -1;
          for (let tries = 0; tries < 100 && m !== n; tries++) {
            m = await replica.dbsize();
            if (m !== n) await new Promise((r) => setTimeout(r, 50));
          }
          assert.equal(m, n);
        } finally {
          master.disconnect();
          replica.disconnect();
        }
      }
    } finally {
      cluster.disconnect();
    }
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15000);
    assert.equal(await exited, 0);
    clearTimeout(timer);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});
