#!/usr/bin/env node
/**
 * `npm start`: a local keyshard cluster for trying things out: three masters on
 * 127.0.0.1:7000-7002, each with a replica (7003 replicates 7000, 7004 7001, 7005 7002), files in
 * ./data/<port>.
 * KEYSHARD_BASE_PORT moves the ports.
 * A fresh data folder gets its slots assigned and its nodes introduced; an existing one just
 * restarts and the nodes find each other from nodes.conf. Ctrl-C stops every node cleanly.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE_FLAGS } from '../server/node-flags.js';

const SERVER = join(dirname(fileURLToPath(import.meta.url)), 'keyshard-server.js');
const HOST = '127.0.0.1';
const BASE = Number(process.env.KEYSHARD_BASE_PORT ?? 7000);
const MASTERS = [BASE, BASE + 1, BASE + 2];
const REPLICAS = [BASE + 3, BASE + 4, BASE + 5];
const ALL = [...MASTERS, ...REPLICAS];

const nodes = new Map<ChildProcess, number>();
let stopping = false;

function startNode(port: number): ChildProcess {
  const dir = resolve('data', String(port));
  mkdirSync(dir, { recursive: true });
  const args = [
    ...NODE_FLAGS,
    SERVER,
    '--port',
    String(port),
    '--bind',
    HOST,
    '--dir',
    dir,
    '--cluster-enabled',
    'yes',
    '--cluster-config-file',
    'nodes.conf',
    '--cluster-node-timeout',
    '5000',
    '--logfile',
    'keyshard.log',
  ];
  const child = spawn(process.execPath, args, { stdio: 'inherit' });
  child.on('exit', (code, signal) => {
    nodes.delete(child);
    if (!stopping) console.log(`keyshard-server on port ${port} exited (${signal ?? code})`);
    if (nodes.size === 0) process.exit(stopping ? 0 : 1);
  });
  nodes.set(child, port);
  return child;
}

/** Sends one command and returns its reply as text (status, error, integer or bulk). */
function call(port: number, ...argv: string[]): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const sock = connect({ host: HOST, port });
    let buf = '';
    sock.setEncoding('latin1');
    sock.on('connect', () => {
      let out = `*${argv.length}\r\n`;
      for (const a of argv) out += `$${Buffer.byteLength(a)}\r\n${a}\r\n`;
      sock.write(out);
    });
    sock.on('data', (d: string) => {
      buf += d;
      const nl = buf.indexOf('\r\n');
      if (nl < 0) return;
      if (buf[0] === '$') {
        const len = Number(buf.slice(1, nl));
        if (len < 0) return done('');
        if (buf.length < nl + 2 + len + 2) return;
        return done(buf.slice(nl + 2, nl + 2 + len));
      }
      done(buf.slice(0, nl));
    });
    sock.on('error', reject);
    const done = (s: string): void => {
      sock.destroy();
      resolvePromise(s);
    };
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitReady(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await call(port, 'PING')) === '+PONG') return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`node ${port} did not start (see data/${port}/keyshard.log)`);
}

async function clusterField(port: number, field: string): Promise<string> {
  const text = await call(port, 'CLUSTER', 'INFO');
  return new RegExp(`${field}:(\\S+)`).exec(text)?.[1] ?? '';
}

/** A fresh cluster: slots split evenly, distinct config epochs, everyone meets the first node. */
async function create(): Promise<void> {
  // The same split as `redis-cli --cluster create`: 0-5460, 5461-10922, 10923-16383.
  const per = 16384 / MASTERS.length;
  let first = 0;
  for (const [i, port] of MASTERS.entries()) {
    const last = i === MASTERS.length - 1 ? 16383 : Math.round((i + 1) * per - 1);
    await call(port, 'CLUSTER', 'ADDSLOTSRANGE', String(first), String(last));
    await call(port, 'CLUSTER', 'SET-CONFIG-EPOCH', String(i + 1));
    first = last + 1;
  }
  for (const port of ALL.slice(1)) {
    await call(port, 'CLUSTER', 'MEET', HOST, String(MASTERS[0]));
  }
  // A replica can follow its master once gossip has told it about that node.
  const ids = await Promise.all(MASTERS.map((p) => call(p, 'CLUSTER', 'MYID')));
  for (const [i, port] of REPLICAS.entries()) {
    for (let tries = 0; tries < 100; tries++) {
      const reply = await call(port, 'CLUSTER', 'REPLICATE', ids[i]);
      if (reply === '+OK') break;
      await sleep(100);
    }
  }
}

async function main(): Promise<void> {
  for (const port of ALL) startNode(port);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      if (stopping) return;
      stopping = true;
      console.log('\nStopping the cluster...');
      for (const child of nodes.keys()) child.kill('SIGTERM');
    });
  }
  for (const port of ALL) await waitReady(port);
  const fresh =
    (await clusterField(MASTERS[0], 'cluster_known_nodes')) === '1' &&
    (await clusterField(MASTERS[0], 'cluster_slots_assigned')) === '0';
  if (fresh) await create();
  for (let i = 0; i < 300 && !stopping; i++) {
    const states = await Promise.all(ALL.map((p) => clusterField(p, 'cluster_state')));
    if (states.every((s) => s === 'ok')) {
      console.log(
        `keyshard cluster ready: 3 masters on ${HOST}:${MASTERS[0]}-${MASTERS[2]}, their replicas on ${REPLICAS[0]}-${REPLICAS[2]} (data in ./data)`,
      );
      console.log(`Connect with: redis-cli -c -p ${MASTERS[0]}`);
      console.log('Press Ctrl-C to stop every node.');
      return;
    }
    await sleep(100);
  }
  if (!stopping)
    console.log('The cluster did not reach cluster_state:ok; see data/<port>/keyshard.log');
}

main().catch((e: unknown) => {
  console.error((e as Error).message);
  stopping = true;
  for (const child of nodes.keys()) child.kill('SIGTERM');
});
