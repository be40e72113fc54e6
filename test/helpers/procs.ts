/**
 * Starting and stopping real server processes for tests: keyshard-server from dist/ and
 * Debian's redis-server, each on a free loopback port the test picked, killed by pid.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE_FLAGS } from '../../src/server/node-flags.js';

const here = dirname(fileURLToPath(import.meta.url));
/** dist/src/bin/keyshard-server.js, from dist/test/helpers. */
export const KEYSHARD_BIN = join(here, '..', '..', 'src', 'bin', 'keyshard-server.js');
export const KEYSHARD_CLI = join(here, '..', '..', 'src', 'bin', 'keyshard-cli.js');

/**
 * A free port for a server that is not a cluster node: from 27000-32699, above the cluster
 * nodes' bus ports (freeClusterPort) and below Linux's ephemeral range. A port the kernel picks
 * for `listen(0)` is in that range, where any outgoing connection may take it as its local
 * port before the server binds it ("Failed listening on port ...": once in a full test run).
 */
export function freePort(): Promise<number> {
  return randomFreePort(27000, 5700, 0, 'no free port');
}

/**
 * A port p such that p and p+10000 (the cluster bus) are both free. Client ports come from
 * 10000-16299 and bus ports from 20000-26304: two ranges apart, so one test's bus port is never
 * another's client port, and both below Linux's ephemeral range (32768-60999), where every
 * outgoing connection takes its local port and could take a port found free before the server
 * binds it. (Both collisions once failed a node's start in CI.) Callers may use up to p+5.
 */
export function freeClusterPort(): Promise<number> {
  return randomFreePort(10000, 6300, 10000, 'no free port pair');
}

/**
 * A random port p in [lo, lo + span) that can be bound now, and p + bus too when bus is not 0;
 * 50 tries.
 */
async function randomFreePort(
  lo: number,
  span: number,
  bus: number,
  none: string,
): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const p = lo + Math.floor(Math.random() * span);
    if ((await portFree(p)) && (bus === 0 || (await portFree(p + bus)))) return p;
  }
  throw new Error(none);
}

/** Whether `port` can be bound on 127.0.0.1 right now. */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

export function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version']).status === 0;
}

/** In CI the comparison tests must run: a missing redis-server is a failure there. */
export function redisServerOrSkip(t: { skip(msg: string): void }): boolean {
  if (hasRedisServer()) return true;
  if (process.env.CI) throw new Error('redis-server is required in CI');
  t.skip('redis-server not installed');
  return false;
}

export interface ServerProc {
  port: number;
  pid: number;
  dir: string;
  proc: ChildProcess;
  /** Everything the process wrote to stdout so far (its log when logfile is ""). */
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

/** Directories this process made with tempDir(), removed when it exits. */
const tempDirs: string[] = [];

export function tempDir(prefix = 'keyshard-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** Every server process this test file started and has not seen exit. */
const running = new Set<ChildProcess>();

// A test that fails half-way may not reach its stop() calls: its servers die with the test file
// (npm test runs with --test-force-exit, so the file's process always exits), and so do the
// directories it made (a full run made about ten thousand).
process.on('exit', () => {
  for (const p of running) p.kill('SIGKILL');
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** Starts `cmd args` in `dir` and waits (15 s at most) until its output matches `ready`. */
export async function launch(
  cmd: string,
  args: string[],
  port: number,
  dir: string,
  ready: RegExp,
): Promise<ServerProc> {
  const proc = spawn(cmd, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (b: Buffer) => (out += b.toString('latin1')));
  proc.stderr!.on('data', (b: Buffer) => (out += b.toString('latin1')));
  running.add(proc);
  const exited = new Promise<number | null>((resolve) =>
    proc.once('exit', (code) => {
      running.delete(proc);
      resolve(code);
    }),
  );
  const deadline = Date.now() + 15000;
  while (!ready.test(out)) {
    if (proc.exitCode !== null || Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`${cmd} failed to start on ${port}:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    port,
    pid: proc.pid!,
    dir,
    proc,
    output: () => out,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGKILL') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

export interface StartOptions {
  port?: number;
  dir?: string;
  /** Extra `--name value` arguments (already split). */
  args?: string[];
  /** A config file path given as the first argument. */
  configFile?: string;
}

/** A server's log line when its port was bound by another process first. */
const PORT_TAKEN = /Failed listening on port \d+/;

/**
 * Starts a server on opts.port, or on a free port with up to two retries: between freePort()
 * and the server's bind (a Node process takes ~0.2 s to start) a test file running alongside
 * can pick and bind the same port, which once failed a CI run.
 */
async function onPort(
  opts: StartOptions,
  start: (port: number) => Promise<ServerProc>,
): Promise<ServerProc> {
  if (opts.port !== undefined) return start(opts.port);
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(await freePort());
    } catch (e) {
      if (attempt >= 3 || !PORT_TAKEN.test((e as Error).message)) throw e;
    }
  }
}

export async function startKeyshard(opts: StartOptions = {}): Promise<ServerProc> {
  const dir = opts.dir ?? tempDir();
  return onPort(opts, (port) => {
    const args = [...NODE_FLAGS, KEYSHARD_BIN];
    if (opts.configFile) args.push(opts.configFile);
    args.push('--port', String(port), '--bind', '127.0.0.1', '--dir', dir, ...(opts.args ?? []));
    return launch(process.execPath, args, port, dir, /Ready to accept connections/);
  });
}

export async function startRedis(opts: StartOptions = {}): Promise<ServerProc> {
  const dir = opts.dir ?? tempDir('redis-test-');
  return onPort(opts, (port) => {
    const args: string[] = [];
    if (opts.configFile) args.push(opts.configFile);
    args.push(
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--daemonize',
      'no',
      ...(opts.args ?? []),
    );
    return launch('redis-server', args, port, dir, /Ready to accept connections/);
  });
}
