#!/usr/bin/env node
/**
 * `npm start`: a local keyshard deployment for trying things out.
 *
 * For now this starts ONE keyshard-server on 127.0.0.1:7000 with its files in ./data/7000 and
 * stops it cleanly on Ctrl-C. It is deliberately minimal: the cluster engineer extends this same
 * launcher into a 6-node cluster (3 masters, 3 replicas) once clustering lands.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SERVER = join(dirname(fileURLToPath(import.meta.url)), 'keyshard-server.js');
const PORTS = [7000];

function startNode(port: number): ChildProcess {
  const dir = resolve('data', String(port));
  mkdirSync(dir, { recursive: true });
  const child = spawn(
    process.execPath,
    [SERVER, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir],
    { stdio: 'inherit' },
  );
  child.on('exit', (code, signal) => {
    console.log(`keyshard-server on port ${port} exited (${signal ?? code})`);
    nodes.delete(child);
    if (nodes.size === 0) process.exit(stopping ? 0 : 1);
  });
  return child;
}

const nodes = new Set<ChildProcess>();
let stopping = false;

for (const port of PORTS) nodes.add(startNode(port));
console.log(`keyshard: ${PORTS.map((p) => `127.0.0.1:${p}`).join(', ')}; Ctrl-C stops it`);

// Ctrl-C reaches the children too (same process group); SIGTERM from elsewhere is forwarded.
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    stopping = true;
    for (const child of nodes) child.kill('SIGTERM');
  });
}
