/**
 * What string and bitmap writes propagate to replicas and the AOF. The same commands run on a
 * real redis-server with appendonly (whose AOF records exactly what Redis propagates) and on
 * an in-process keyshard Server whose propagator hook records what the dispatcher sends; the
 * two lists must match, absolute timestamps aside (they are compared after replacing them).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { redisServerOrSkip, startRedis } from '../helpers/procs.js';
import { RawConn } from '../helpers/raw.js';
import { Server } from '../../src/server/server.js';
import { processCommand } from '../../src/server/dispatcher.js';
import { loadConfig } from '../../src/config/config.js';
import { Logger } from '../../src/util/logger.js';
import { families } from '../../src/commands/index.js';

const future = () => String(Math.floor(Date.now() / 1000) + 10000);

const COMMANDS: string[][] = [
  ['set', 'a', '1'],
  ['set', 'a', '2', 'EX', '100'],
  ['set', 'a', '3', 'px', '100000', 'GET'],
  ['set', 'a', '4', 'KEEPTTL'],
  ['set', 'a', '5', 'get', 'GET', 'xx'],
  ['set', 'a', '6', 'NX'],
  ['set', 'a', '7', 'EXAT', future()],
  ['set', 'a', '8', 'PXAT', '1'],
  ['get', 'a'],
  ['setnx', 'b', 'x'],
  ['setnx', 'b', 'y'],
  ['setex', 'c', '100', 'v'],
  ['psetex', 'c', '100000', 'v'],
  ['getset', 'c', 'w'],
  ['getex', 'c'],
  ['getex', 'c', 'EX', '100'],
  ['getex', 'c', 'PERSIST'],
  ['getex', 'c', 'PERSIST'],
  ['getex', 'c', 'EXAT', '1'],
  ['getdel', 'b'],
  ['getdel', 'b'],
  ['mset', 'd', '1', 'e', '2'],
  ['msetnx', 'd', '1', 'f', '2'],
  ['incr', 'd'],
  ['incrbyfloat', 'd', '0.5'],
  ['incrbyfloat', 'd', 'x'],
  ['append', 'e', 'zz'],
  ['append', 'e', ''],
  ['setrange', 'e', '1', ''],
  ['setrange', 'e', '1', 'q'],
  ['setbit', 'g', '3', '1'],
  ['setbit', 'g', '3', '1'],
  ['setbit', 'g', '3', '0'],
  ['bitop', 'not', 'h', 'g'],
  ['bitop', 'and', 'h', 'nosuch'],
  ['bitop', 'and', 'h', 'nosuch'],
  ['bitfield', 'i', 'get', 'u8', '0'],
  ['bitfield', 'i', 'overflow', 'fail', 'incrby', 'u2', '0', '9'],
  ['bitfield', 'i', 'set', 'i8', '0', '5', 'get', 'u4', '0'],
  // With lazy freeing, deletions propagate as UNLINK.
  ['config', 'set', 'lazyfree-lazy-user-del', 'yes'],
  ['config', 'set', 'lazyfree-lazy-expire', 'yes'],
  ['getdel', 'i'],
  ['getex', 'e', 'PXAT', '1'],
];

/** The commands recorded in a redis-server AOF directory's incremental file. */
function readAof(dir: string): string[][] {
  const aofDir = join(dir, 'appendonlydir');
  const file = readdirSync(aofDir).find((f) => f.endsWith('.incr.aof'));
  if (!file) return [];
  const text = readFileSync(join(aofDir, file), 'latin1');
  const out: string[][] = [];
  let p = 0;
  while (p < text.length) {
    const eol = text.indexOf('\r\n', p);
    if (eol < 0 || text[p] !== '*') break;
    const n = Number(text.slice(p + 1, eol));
    p = eol + 2;
    const argv: string[] = [];
    for (let i = 0; i < n; i++) {
      const e = text.indexOf('\r\n', p);
      const len = Number(text.slice(p + 1, e));
      argv.push(text.slice(e + 2, e + 2 + len));
      p = e + 2 + len + 2;
    }
    out.push(argv);
  }
  return out.filter((a) => a[0] !== 'SELECT');
}

/** Timestamps differ between runs: compare them as a placeholder. */
function normalize(cmds: string[][]): string[][] {
  return cmds.map((a) => a.map((x) => (/^\d{12,}$/.test(x) ? '<ms>' : x)));
}

test('string writes propagate as redis-server propagates them', async (t) => {
  if (!redisServerOrSkip(t)) return;
  const redis = await startRedis({ args: ['--appendonly', 'yes', '--appendfsync', 'always'] });
  try {
    const conn = await RawConn.open(redis.port);
    for (const argv of COMMANDS) await conn.call(...argv);
    conn.close();
    const expected = normalize(readAof(redis.dir));

    const log = new Logger();
    log.level = 'nothing';
    const server = new Server(loadConfig([]), log, families);
    const got: string[][] = [];
    server.propagators.push((_db, cmds) => got.push(...cmds));
    const client = server.createClient(null);
    for (const argv of COMMANDS) processCommand(server, client, argv);
    assert.deepEqual(normalize(got), expected);
    assert.ok(expected.length > 20);
  } finally {
    await redis.stop();
  }
});
