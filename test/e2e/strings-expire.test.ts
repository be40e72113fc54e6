/**
 * Expiry options of the string commands, side by side with redis-server 7.0: which commands
 * set, keep or clear a TTL (SET EX/PX/EXAT/PXAT/KEEPTTL, SETEX, PSETEX, GETEX, GETSET, the
 * in-place modifications), and keys really expiring. TTLs are long enough (100 s and more)
 * that the time between two commands cannot change the rounded TTL in seconds.
 */
import { test } from 'node:test';
import { redisServerOrSkip } from '../helpers/procs.js';
import { pairHooks, type Pair } from '../helpers/diff.js';
import { compareWithHistory } from './strings-stream.js';

let pair: Pair | null = null;

pairHooks((p) => (pair = p));

const inSeconds = (s: number) => String(Math.floor(Date.now() / 1000) + s);
const inMs = (ms: number) => String(Date.now() + ms);

test('SET, SETEX, PSETEX and GETEX set, keep and clear TTLs like Redis', async (t) => {
  if (!redisServerOrSkip(t) || !pair) return;
  await compareWithHistory(pair, [
    ['FLUSHALL'],
    ['SET', 'k', 'v', 'EX', '100'],
    ['TTL', 'k'],
    ['SET', 'k', 'v2', 'KEEPTTL'],
    ['TTL', 'k'],
    ['SET', 'k', 'v3', 'KEEPTTL', 'GET'],
    ['TTL', 'k'],
    ['SET', 'k', 'v4'],
    ['TTL', 'k'],
    ['SET', 'k', 'v', 'PX', '200000'],
    ['TTL', 'k'],
    ['SET', 'k', 'v', 'EXAT', inSeconds(300)],
    ['TTL', 'k'],
    ['SET', 'k', 'v', 'PXAT', inMs(400000)],
    ['TTL', 'k'],
    ['SET', 'k', 'v', 'XX', 'GET', 'EX', '500'],
    ['TTL', 'k'],
    ['SET', 'k', 'v', 'NX', 'EX', '600'],
    ['TTL', 'k'],
    ['SETEX', 'k', '700', 'v'],
    ['TTL', 'k'],
    ['PSETEX', 'k', '800000', 'v'],
    ['TTL', 'k'],
    ['GETEX', 'k'],
    ['TTL', 'k'],
    ['GETEX', 'k', 'EX', '900'],
    ['TTL', 'k'],
    ['GETEX', 'k', 'PXAT', inMs(1000000)],
    ['TTL', 'k'],
    ['GETEX', 'k', 'PERSIST'],
    ['TTL', 'k'],
    ['GETEX', 'k', 'EX', '100', 'PERSIST'],
    ['GETEX', 'k', 'PERSIST', 'EX', '100'],
    ['GETEX', 'nokey', 'EX', '100'],
    ['GETEX', 'k', 'EXAT', '1'],
    ['EXISTS', 'k'],
    ['SET', 'k', 'v', 'PXAT', '1'],
    ['EXISTS', 'k'],
    ['SET', 'k', 'v', 'EX', '100', 'KEEPTTL'],
    ['SET', 'k', 'v', 'EX', '0'],
    ['SET', 'k', 'v', 'PX', '9223372036854775807'],
    ['SETEX', 'k', '9223372036854775', 'v'],
    ['GETEX', 'nokey', 'EX', '0'],
    ['SET', 'k', 'v', 'EX', '100'],
    ['GETEX', 'k', 'EX', '0'],
    ['GETEX', 'k', 'EX', 'x'],
  ]);
});

test('in-place modifications keep the TTL, replacements clear it', async (t) => {
  if (!redisServerOrSkip(t) || !pair) return;
  const withTtl = (cmd: string[]) => [
    ['SET', 'k', '10', 'EX', '100'],
    cmd,
    ['TTL', 'k'],
    ['GET', 'k'],
  ];
  await compareWithHistory(pair, [
    ['FLUSHALL'],
    ...withTtl(['INCR', 'k']),
    ...withTtl(['DECRBY', 'k', '5']),
    ...withTtl(['INCRBYFLOAT', 'k', '1.5']),
    ...withTtl(['APPEND', 'k', 'x']),
    ...withTtl(['SETRANGE', 'k', '1', 'y']),
    ...withTtl(['SETBIT', 'k', '20', '1']),
    ...withTtl(['BITFIELD', 'k', 'SET', 'u8', '0', '65']),
    ...withTtl(['GETSET', 'k', 'new']),
    ...withTtl(['MSET', 'k', 'new']),
    ...withTtl(['SETNX', 'k', 'new']),
    ...withTtl(['BITOP', 'NOT', 'k', 'k']),
    ...withTtl(['GETDEL', 'k']),
  ]);
});

test('keys set with a short expiry disappear', async (t) => {
  if (!redisServerOrSkip(t) || !pair) return;
  await compareWithHistory(pair, [
    ['FLUSHALL'],
    ['SET', 'a', 'v', 'PX', '50'],
    ['PSETEX', 'b', '50', 'v'],
    ['SET', 'c', '1', 'PX', '50'],
    ['GETEX', 'd', 'PX', '50'],
    ['SET', 'd', 'v'],
    ['GETEX', 'd', 'PX', '50'],
  ]);
  await new Promise((r) => setTimeout(r, 200));
  await compareWithHistory(pair, [
    ['GET', 'a'],
    ['EXISTS', 'b'],
    ['INCR', 'c'],
    ['TTL', 'c'],
    ['GET', 'd'],
    ['DBSIZE'],
  ]);
});
