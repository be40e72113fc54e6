/**
 * A failing AOF write (the INCR file is /dev/full): the command that produced it is answered,
 * later writes and PING get -MISCONF with the system's reason, reads still work, INFO shows
 * aof_last_write_status:err; the same as redis-server.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { startKeyshard, startRedis, redisServerOrSkip, tempDir } from '../helpers/procs.js';
import { RawConn } from '../helpers/raw.js';

function fullDiskAof(): string {
  const dir = tempDir();
  const ad = join(dir, 'appendonlydir');
  mkdirSync(ad);
  writeFileSync(
    join(ad, 'appendonly.aof.manifest'),
    'file appendonly.aof.1.incr.aof seq 1 type i\n',
  );
  symlinkSync('/dev/full', join(ad, 'appendonly.aof.1.incr.aof'));
  return dir;
}

test('AOF write errors: -MISCONF for writes and PING until a write succeeds, as redis-server', async (t) => {
  if (!existsSync('/dev/full')) {
    t.skip('no /dev/full');
    return;
  }
  const transcripts: string[][] = [];
  for (const kind of ['keyshard', 'redis'] as const) {
    if (kind === 'redis' && !redisServerOrSkip(t)) return;
    const opts = { dir: fullDiskAof(), args: ['--appendonly', 'yes', '--save', ''] };
    const p = kind === 'keyshard' ? await startKeyshard(opts) : await startRedis(opts);
    const c = await RawConn.open(p.port);
    try {
      const out: string[] = [];
      out.push(await c.call('SET', 'a', '1'));
      // The failed write happens after that reply; give the server a moment to try it.
      await new Promise((r) => setTimeout(r, 200));
      out.push(await c.call('SET', 'b', '1'));
      out.push(await c.call('PING'));
      out.push(await c.call('GET', 'a'));
      const info = await c.call('INFO', 'persistence');
      out.push(/aof_last_write_status:\w+/.exec(info)![0]);
      assert.match(p.output(), /Error writing to the AOF file: No space left on device/);
      transcripts.push(out);
    } finally {
      c.close();
      await p.stop('SIGKILL');
    }
  }
  assert.deepEqual(transcripts[0], [
    '+OK\r\n',
    '-MISCONF Errors writing to the AOF file: No space left on device\r\n',
    '-MISCONF Errors writing to the AOF file: No space left on device\r\n',
    '$1\r\n1\r\n',
    'aof_last_write_status:err',
  ]);
  if (transcripts.length === 2) assert.deepEqual(transcripts[0], transcripts[1]);
});
