/**
 * Damaged AOF files at startup, run through keyshard and redis-server alike: a truncated last
 * command with aof-load-truncated yes (cut back, loaded, same log lines and file size) and no
 * (refused, exit 1), an unfinished MULTI, a garbage line and an unknown command (refused).
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  KEYSHARD_BIN,
  freePort,
  redisServerOrSkip,
  startKeyshard,
  startRedis,
  tempDir,
} from '../helpers/procs.js';
import { copyAof, dumpAll, logLines, workload } from './aof-data.js';

const INCR = 'appendonly.aof.1.incr.aof';
let source = '';

before(async () => {
  const k = await startKeyshard({ args: ['--appendonly', 'yes', '--save', ''] });
  try {
    await workload(k.port, 41, 200);
  } finally {
    await k.stop('SIGKILL');
  }
  source = k.dir;
});

/** A copy of the good AOF with `damage` applied to its INCR file. */
function damaged(damage: (incr: string) => void): string {
  const dir = tempDir();
  copyAof(source, dir);
  damage(join(dir, 'appendonlydir', INCR));
  return dir;
}

/** A copy of the good AOF whose manifest is replaced by `text`. */
function withManifest(text: string): string {
  const dir = tempDir();
  copyAof(source, dir);
  writeFileSync(join(dir, 'appendonlydir', 'appendonly.aof.manifest'), text);
  return dir;
}

/** Starts a server expected to refuse the files; returns its exit code and output. */
async function refused(
  kind: 'keyshard' | 'redis',
  dir: string,
  extra: string[],
): Promise<{ code: number | null; out: string }> {
  const port = String(await freePort());
  const common = ['--port', port, '--bind', '127.0.0.1', '--dir', dir, '--save', ''];
  const args = ['--appendonly', 'yes', ...extra];
  const [cmd, argv] =
    kind === 'keyshard'
      ? [process.execPath, [KEYSHARD_BIN, ...common, ...args]]
      : ['redis-server', [...common, ...args]];
  const p = spawn(cmd, argv, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout.on('data', (b: Buffer) => (out += b.toString('latin1')));
  p.stderr.on('data', (b: Buffer) => (out += b.toString('latin1')));
  const timer = setTimeout(() => p.kill('SIGKILL'), 10000);
  const code = await new Promise<number | null>((res) => p.once('exit', (c) => res(c)));
  clearTimeout(timer);
  return { code, out };
}

const AOF_LINES = /AOF|append only|MULTI/;

for (const [name, damage] of [
  ['a truncated last command', (f: string) => truncateSync(f, statSync(f).size - 3)],
  [
    'an unfinished MULTI',
    (f: string) =>
      appendFileSync(f, '*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nset\r\n$1\r\nq\r\n$1\r\n1\r\n'),
  ],
] as [string, (f: string) => void][]) {
  test(`${name}, aof-load-truncated yes: cut back and loaded as redis-server does`, async (t) => {
    if (!redisServerOrSkip(t)) return;
    // The cut offset is compared through the log lines: the files grow again afterwards (DELs of
    // keys whose TTL passed while the servers were down).
    const results: { dump: string[]; lines: string[] }[] = [];
    for (const kind of ['redis', 'keyshard'] as const) {
      const dir = damaged(damage);
      const opts = { dir, args: ['--appendonly', 'yes', '--aof-load-truncated', 'yes'] };
      const p = kind === 'redis' ? await startRedis(opts) : await startKeyshard(opts);
      try {
        results.push({
          dump: await dumpAll(p.port),
          lines: logLines(p.output(), AOF_LINES),
        });
      } finally {
        await p.stop('SIGKILL');
      }
    }
    const [r, k] = results;
    assert.ok(r.dump.length > 20);
    assert.deepEqual(k.dump, r.dump);
    const warn = (l: string[]): string[] => l.filter((x) => /!!!|anyway|Revert/.test(x));
    assert.ok(warn(r.lines).length >= 3, r.lines.join('\n'));
    assert.deepEqual(warn(k.lines), warn(r.lines));
  });
}

for (const [name, damage, extra] of [
  [
    'a truncated last command, aof-load-truncated no',
    (f: string) => truncateSync(f, statSync(f).size - 3),
    ['--aof-load-truncated', 'no'],
  ],
  ['a garbage line', (f: string) => appendFileSync(f, 'garbage\r\n'), []],
  ['an unknown command', (f: string) => appendFileSync(f, '*1\r\n$3\r\nfoo\r\n'), []],
] as [string, (f: string) => void, string[]][]) {
  test(`${name}: refused with exit 1 and redis-server's log line`, async (t) => {
    const k = await refused('keyshard', damaged(damage), extra);
    assert.equal(k.code, 1, k.out);
    if (!redisServerOrSkip(t)) return;
    const r = await refused('redis', damaged(damage), extra);
    assert.equal(r.code, 1, r.out);
    const last = (out: string): string => logLines(out, AOF_LINES).pop() ?? '';
    assert.equal(last(k.out), last(r.out));
  });
}

for (const [name, text] of [
  ['an unknown file type', 'file appendonly.aof.1.base.rdb seq 1 type x\n'],
  ['a path as file name', 'file ../appendonly.aof.1.base.rdb seq 1 type b\n'],
  ['a missing file', 'file appendonly.aof.9.base.rdb seq 9 type b\n'],
  ['an empty manifest', ''],
  ['two bases', 'file a seq 1 type b\nfile b seq 2 type b\n'],
  ['decreasing incr numbers', 'file a seq 2 type i\nfile b seq 1 type i\n'],
  ['a short line', 'file a seq 1\n'],
]) {
  test(`a manifest with ${name}: refused with exit 1 and redis-server's log line`, async (t) => {
    const k = await refused('keyshard', withManifest(text), []);
    assert.equal(k.code, 1, k.out);
    if (!redisServerOrSkip(t)) return;
    const r = await refused('redis', withManifest(text), []);
    assert.equal(r.code, 1, r.out);
    const last = (out: string): string =>
      logLines(out, /./)
        .filter((l) => l.trim())
        .pop() ?? '';
    assert.equal(last(k.out), last(r.out));
  });
}
