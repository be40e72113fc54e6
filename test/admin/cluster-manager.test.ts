import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  KEYSHARD_CLI,
  freeClusterPort,
  redisServerOrSkip,
  startKeyshard,
  startRedis,
  type ServerProc,
} from '../helpers/procs.js';
import { RawConn } from '../helpers/raw.js';
import { runOnTty } from './tty.js';

const started: ServerProc[] = [];
after(async () => {
  for (const s of started) await s.stop();
});

const CLUSTER_ARGS = ['--cluster-enabled', 'yes', '--cluster-node-timeout', '3000', '--save', ''];

async function node(kind: 'keyshard' | 'redis'): Promise<ServerProc> {
  const port = await freeClusterPort();
  const s = await (kind === 'keyshard' ? startKeyshard : startRedis)({ port, args: CLUSTER_ARGS });
  started.push(s);
  return s;
}

/** Runs a CLI (keyshard-cli by default) with optional stdin; resolves with exit code and stdout. */
function cli(
  args: string[],
  input = '',
  cmd = process.execPath,
): Promise<{ code: number | null; out: string }> {
  const argv = cmd === process.execPath ? [KEYSHARD_CLI, ...args] : args;
  return new Promise((resolve) => {
    const p = spawn(cmd, argv, { env: { ...process.env, TERM: 'dumb' } });
    let out = '';
    p.stdout.on('data', (b: Buffer) => (out += b.toString('latin1')));
    p.stderr.on('data', (b: Buffer) => (out += b.toString('latin1')));
    const timer = setTimeout(() => p.kill('SIGKILL'), 60000);
    p.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
    p.stdin.end(input);
  });
}

async function myId(port: number): Promise<string> {
  const c = await RawConn.open(port);
  const r = await c.call('CLUSTER', 'MYID');
  c.close();
  return r.split('\r\n')[1];
}

/** Writes n keys through -c redirections, then reads them all back the same way. */
async function writeKeys(port: number, n: number): Promise<void> {
  const script = Array.from({ length: n }, (_, i) => `SET key:${i} v${i}`).join('\n') + '\n';
  const r = await cli(['-c', '-p', String(port)], script);
  assert.equal(r.out, 'OK\n'.repeat(n));
}

async function readKeys(port: number, n: number): Promise<void> {
  const script = Array.from({ length: n }, (_, i) => `GET key:${i}`).join('\n') + '\n';
  const r = await cli(['-c', '-p', String(port)], script);
  assert.equal(r.out, Array.from({ length: n }, (_, i) => `v${i}\n`).join(''));
}

/** Waits until the check passes and every node reports cluster_state:ok. */
async function waitAgree(port: number, all: ServerProc[]): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const r = await cli(['--cluster', 'check', `127.0.0.1:${port}`]);
    let ok = r.code === 0;
    for (const n of all) {
      if (!ok) break;
      const c = await RawConn.open(n.port);
      ok = (await c.call('CLUSTER', 'INFO')).includes('cluster_state:ok');
      c.close();
    }
    if (ok) return;
    await new Promise((res) => setTimeout(res, 200));
  }
  assert.fail('cluster never agreed');
}

async function scenario(kinds: ('keyshard' | 'redis')[]): Promise<void> {
  const nodes = [];
  for (const k of kinds) nodes.push(await node(k));
  const addrs = nodes.slice(0, 3).map((n) => `127.0.0.1:${n.port}`);
  const created = await cli(['--cluster', 'create', ...addrs, '--cluster-yes']);
  assert.equal(created.code, 0, created.out);
  assert.match(created.out, /Master\[0\] -> Slots 0 - 5460\n/);
  assert.match(created.out, /\[OK\] All nodes agree about slots configuration\.\n/);
  assert.match(created.out, /\[OK\] All 16384 slots covered\.\n/);
  await waitAgree(nodes[0].port, nodes.slice(0, 3));
  const theirs = await cli(['--cluster', 'check', addrs[0]], '', 'redis-cli');
  assert.equal(theirs.code, 0, theirs.out);
  assert.match(theirs.out, /\[OK\] All 16384 slots covered\./);

  await writeKeys(nodes[0].port, 300);
  // The interactive prompt follows MOVED and says so, as redis-cli does.
  const tty = runOnTty(['-c', '-p', String(nodes[0].port)], 'get key:1\nquit\n');
  if (tty !== null) {
    assert.match(tty, /-> Redirected to slot \[\d+\] located at 127\.0\.0\.1:\d+\r\n"v1"/);
  }
  // A fourth node joins empty, then takes slots from the first one interactively.
  const fourth = nodes[3];
  const added = await cli(['--cluster', 'add-node', `127.0.0.1:${fourth.port}`, addrs[0]]);
  assert.equal(added.code, 0, added.out);
  assert.match(added.out, /\[OK\] New node added correctly\./);
  await waitAgree(nodes[0].port, nodes);
  const target = await myId(fourth.port);
  const source = await myId(nodes[0].port);
  const r = await cli(['--cluster', 'reshard', addrs[0]], `200\n${target}\n${source}\ndone\nyes\n`);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /How many slots do you want to move \(from 1 to 16384\)\? /);
  assert.match(r.out, /Ready to move 200 slots\./);
  assert.match(r.out, /Moving slot 199 from 127\.0\.0\.1:\d+ to 127\.0\.0\.1:\d+: \.*\n/);
  await waitAgree(nodes[0].port, nodes);
  await readKeys(nodes[0].port, 300);
  const c = await RawConn.open(fourth.port);
  const dbsize = Number((await c.call('DBSIZE')).slice(1));
  assert.ok(dbsize > 0, 'keys moved to the new node');
  // Non-interactive form back to the first node.
  const back = await cli([
    '--cluster',
    'reshard',
    addrs[0],
    '--cluster-from',
    target,
    '--cluster-to',
    source,
    '--cluster-slots',
    '200',
    '--cluster-yes',
  ]);
  assert.equal(back.code, 0, back.out);
  assert.equal(await c.call('DBSIZE'), ':0\r\n');
  c.close();
  await waitAgree(nodes[0].port, nodes);
  await readKeys(nodes[0].port, 300);
}

test('create, check, add-node and reshard (interactive and not) on keyshard nodes', async (t) => {
  if (!redisServerOrSkip(t)) return;
  await scenario(['keyshard', 'keyshard', 'keyshard', 'keyshard']);
});

test('the same on a mixed keyshard + redis-server cluster', async (t) => {
  if (!redisServerOrSkip(t)) return;
  await scenario(['keyshard', 'redis', 'keyshard', 'redis']);
});
