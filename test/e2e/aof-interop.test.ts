/**
 * AOF interoperability with redis-server 7.0: an appendonlydir written by one loads in the other
 * with the same data (BASE as RDB preamble and as a command log, after a rewrite), and a
 * pre-7.0 single appendonly.aof is migrated into the directory by both alike.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  startKeyshard,
  startRedis,
  redisServerOrSkip,
  tempDir,
  type ServerProc,
} from '../helpers/procs.js';
import { RawConn } from '../helpers/raw.js';
import {
  aofFiles,
  call,
  copyAof,
  dumpAll,
  logLines,
  manifestOf,
  waitRewrite,
  workload,
} from './aof-data.js';

type Kind = 'keyshard' | 'redis';

function start(kind: Kind, dir: string, args: string[]): Promise<ServerProc> {
  return kind === 'keyshard' ? startKeyshard({ dir, args }) : startRedis({ dir, args });
}

for (const preamble of ['yes', 'no']) {
  for (const [writer, reader] of [
    ['redis', 'keyshard'],
    ['keyshard', 'redis'],
  ] as [Kind, Kind][]) {
    test(`${writer} writes, ${reader} loads (aof-use-rdb-preamble ${preamble})`, async (t) => {
      if (!redisServerOrSkip(t)) return;
      const args = ['--appendonly', 'yes', '--save', '', '--aof-use-rdb-preamble', preamble];
      const w = await start(writer, tempDir(), args);
      let before: string[];
      try {
        await workload(w.port, 21, 250);
        const c = await RawConn.open(w.port);
        assert.equal(
          await call(c, 'BGREWRITEAOF'),
          'Background append only file rewriting started',
        );
        c.close();
        await waitRewrite(w.port, 1);
        await workload(w.port, 22, 250);
        before = await dumpAll(w.port);
        const ext = preamble === 'yes' ? 'rdb' : 'aof';
        assert.deepEqual(aofFiles(w.dir), [
          `appendonly.aof.2.base.${ext}`,
          'appendonly.aof.2.incr.aof',
          'appendonly.aof.manifest',
        ]);
        const base = readFileSync(join(w.dir, 'appendonlydir', `appendonly.aof.2.base.${ext}`));
        assert.equal(base.subarray(0, 5).toString() === 'REDIS', preamble === 'yes');
      } finally {
        await w.stop('SIGKILL');
      }
      const dir = tempDir();
      copyAof(w.dir, dir);
      const r = await start(reader, dir, args);
      try {
        assert.deepEqual(await dumpAll(r.port), before);
        assert.match(r.output(), /DB loaded from append only file: /);
      } finally {
        await r.stop('SIGKILL');
      }
    });
  }
}

test('a legacy single appendonly.aof (RDB preamble + commands) is migrated by both alike', async (t) => {
  if (!redisServerOrSkip(t)) return;
  // Build the legacy file: a BASE RDB followed by INCR commands, as Redis <= 6.2 wrote.
  const args = ['--appendonly', 'yes', '--save', ''];
  const k = await startKeyshard({ args });
  let legacy: Buffer;
  try {
    await workload(k.port, 31, 150);
    const c = await RawConn.open(k.port);
    await call(c, 'BGREWRITEAOF');
    c.close();
    await waitRewrite(k.port, 1);
    await workload(k.port, 32, 150);
    const ad = join(k.dir, 'appendonlydir');
    legacy = Buffer.concat([
      readFileSync(join(ad, 'appendonly.aof.2.base.rdb')),
      readFileSync(join(ad, 'appendonly.aof.2.incr.aof')),
    ]);
  } finally {
    await k.stop('SIGKILL');
  }
  const dumps: string[][] = [];
  const migrated: string[] = [];
  for (const kind of ['redis', 'keyshard'] as Kind[]) {
    const dir = tempDir();
    writeFileSync(join(dir, 'appendonly.aof'), legacy);
    const p = await start(kind, dir, args);
    try {
      dumps.push(await dumpAll(p.port));
      assert.deepEqual(
        logLines(p.output(), /old-style|RDB preamble|remaining AOF tail|on server start/),
        [
          'Successfully migrated an old-style AOF file (appendonly.aof) into the AOF directory (appendonlydir).',
          'Reading RDB preamble from AOF file...',
          'Reading the remaining AOF tail...',
          'Creating AOF incr file appendonly.aof.1.incr.aof on server start',
        ],
        kind,
      );
      assert.ok(!existsSync(join(dir, 'appendonly.aof')));
      migrated.push(manifestOf(dir));
    } finally {
      await p.stop('SIGKILL');
    }
  }
  assert.ok(dumps[0].length > 20);
  assert.deepEqual(dumps[1], dumps[0]);
  assert.equal(migrated[1], migrated[0]);
});
