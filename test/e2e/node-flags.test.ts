/**
 * The Node flags (src/server/node-flags.ts): keyshard-server started through its shebang runs
 * with them and logs no warning; started by a bare `node`, it warns and names them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { KEYSHARD_BIN, freePort, launch, tempDir } from '../helpers/procs.js';
import { RawConn } from '../helpers/raw.js';
import { NODE_FLAGS } from '../../src/server/node-flags.js';

/**
 * Starts the server with `argv` (the script path included), checks it serves, and returns its
 * log and the Node process's own command line (/proc), then stops it.
 */
async function startup(cmd: string, argv: string[]): Promise<{ log: string; cmdline: string[] }> {
  const port = await freePort();
  const args = [...argv, '--port', String(port), '--bind', '127.0.0.1', '--save', ''];
  const srv = await launch(cmd, args, port, tempDir(), /Ready to accept connections/);
  try {
    const conn = await RawConn.open(port);
    assert.equal(await conn.call('PING'), '+PONG\r\n');
    conn.close();
    const cmdline = readFileSync(`/proc/${srv.pid}/cmdline`, 'latin1').split('\0');
    return { log: srv.output(), cmdline };
  } finally {
    await srv.stop();
  }
}

test('started through its shebang, the server runs with the Node flags and warns of nothing', async () => {
  const shebang = readFileSync(KEYSHARD_BIN, 'latin1').split('\n')[0];
  const m = /^#!(\S+) (.+)$/.exec(shebang);
  assert.ok(m, shebang);
  // As the kernel runs a script: the interpreter, its one argument, the script's path.
  const { log, cmdline } = await startup(m[1], [m[2], KEYSHARD_BIN]);
  // env execs node in its own place, so the pid is Node's.
  for (const flag of NODE_FLAGS) assert.ok(cmdline.includes(flag), cmdline.join(' '));
  assert.doesNotMatch(log, /WARNING: V8/);
});

test('started by a bare node, the server warns about each missing flag', async () => {
  const { log } = await startup(process.execPath, [KEYSHARD_BIN]);
  const lines = log.split('\n').filter((l) => l.includes("WARNING: V8's"));
  const want = `'node ${NODE_FLAGS.join(' ')}'`;
  const pool = lines.filter((l) => l.includes('background thread pool'));
  if (availableParallelism() < 5) {
    assert.equal(pool.length, 1, log);
    assert.match(pool[0], / # WARNING: .* has 4 threads /);
    assert.ok(pool[0].includes(want), pool[0]);
  } else {
    assert.equal(pool.length, 0, log);
  }
  const old = lines.filter((l) => l.includes('old generation'));
  assert.equal(old.length, 1, log);
  assert.ok(old[0].includes(want), old[0]);
});
