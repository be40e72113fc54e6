/**
 * V8's thread pool (src/server/thread-pool.ts): keyshard-server started through its shebang
 * sizes the pool to the machine and logs no warning; started by a bare `node` on a machine with
 * fewer than five CPUs, it warns and names the flag.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { KEYSHARD_BIN, freePort, launch, tempDir } from '../helpers/procs.js';
import { RawConn } from '../helpers/raw.js';

/** Starts the server with `argv` (the script path included), checks it serves, stops it. */
async function startupLog(cmd: string, argv: string[]): Promise<string> {
  const port = await freePort();
  const args = [...argv, '--port', String(port), '--bind', '127.0.0.1', '--save', ''];
  const srv = await launch(cmd, args, port, tempDir(), /Ready to accept connections/);
  try {
    const conn = await RawConn.open(port);
    assert.equal(await conn.call('PING'), '+PONG\r\n');
    conn.close();
    return srv.output();
  } finally {
    await srv.stop();
  }
}

test('started through its shebang, the server sizes the pool to the machine', async () => {
  const shebang = readFileSync(KEYSHARD_BIN, 'latin1').split('\n')[0];
  const m = /^#!(\S+) (.+)$/.exec(shebang);
  assert.ok(m, shebang);
  // As the kernel runs a script: the interpreter, its one argument, the script's path.
  const out = await startupLog(m[1], [m[2], KEYSHARD_BIN]);
  assert.doesNotMatch(out, /thread pool/);
});

test('started by a bare node, the server warns when the pool outnumbers the spare CPUs', async () => {
  const out = await startupLog(process.execPath, [KEYSHARD_BIN]);
  const lines = out.split('\n').filter((l) => l.includes("V8's background thread pool"));
  if (availableParallelism() < 5) {
    assert.equal(lines.length, 1, out);
    assert.match(lines[0], / # WARNING: .* has 4 threads .*'node --v8-pool-size=0'/);
  } else {
    assert.equal(lines.length, 0, out);
  }
});
