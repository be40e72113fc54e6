/**
 * OBJECT ENCODING of hashes, lists, sets and sorted sets against redis-server 7.0 with small
 * listpack limits:
 * a hash becomes a hashtable (for good) when it passes hash-max-listpack-entries or gets a
 * field/value longer than hash-max-listpack-value (HSETNX only when it writes, HINCRBYFLOAT on
 * its result), and limits changed at runtime apply to later writes, of existing keys too. Lists
 * are `quicklist` at every size in 7.0.
 */
import { test } from 'node:test';
import { pairHooks, compareStream, sortedReply, rng, pick, type Pair } from '../helpers/diff.js';

let pair: Pair | null = null;

pairHooks(
  (p) => (pair = p),
  ['--hash-max-listpack-entries', '4', '--hash-max-listpack-value', '8'],
);

test('hash encodings follow the listpack limits, conversions included', async (t) => {
  if (!pair) return t.skip('redis-server not installed');
  await compareStream(pair, [
    ['HSET', 'e1', 'a', '1', 'b', '2', 'c', '3', 'd', '4'],
    ['OBJECT', 'ENCODING', 'e1'],
    ['HSET', 'e1', 'e', '5'],
    ['OBJECT', 'ENCODING', 'e1'],
    ['HDEL', 'e1', 'a', 'b', 'c', 'd'],
    ['OBJECT', 'ENCODING', 'e1'],
    ['HSET', 'e2', 'f', '12345678'],
    ['OBJECT', 'ENCODING', 'e2'],
    ['HSET', 'e2', 'f', '123456789'],
    ['OBJECT', 'ENCODING', 'e2'],
    ['HSET', 'e3', 'f', 'x'],
    ['HSETNX', 'e3', 'f', 'a-long-value'],
    ['OBJECT', 'ENCODING', 'e3'],
    ['HSETNX', 'e4', 'a-long-field', 'x'],
    ['OBJECT', 'ENCODING', 'e4'],
    ['HINCRBYFLOAT', 'e5', 'f', '1.5'],
    ['OBJECT', 'ENCODING', 'e5'],
    ['HINCRBYFLOAT', 'e5', 'f', '0.0001'],
    ['OBJECT', 'ENCODING', 'e5'],
    ['HINCRBY', 'e6', 'f', '123456789'],
    ['OBJECT', 'ENCODING', 'e6'],
    ['HINCRBY', 'e6', 'f', '1'],
    ['OBJECT', 'ENCODING', 'e6'],
    ['CONFIG', 'SET', 'hash-max-listpack-entries', '0'],
    ['HSET', 'e7', 'a', '1'],
    ['OBJECT', 'ENCODING', 'e7'],
    ['CONFIG', 'SET', 'hash-max-listpack-entries', '4'],
    ['RPUSH', 'l1', 'a'],
    ['OBJECT', 'ENCODING', 'l1'],
    ['RPUSH', 'l1', ...Array.from({ length: 300 }, (_, i) => `element-${i}`)],
    ['OBJECT', 'ENCODING', 'l1'],
  ]);
});

test('sorted-set limits changed at runtime apply to the next write of an existing set', async (t) => {
  if (!pair) return t.skip('redis-server not installed');
  await compareStream(pair, [
    ['ZADD', 'z1', '1', 'a', '2', 'b', '3', 'c'],
    ['CONFIG', 'SET', 'zset-max-listpack-entries', '3'],
    ['OBJECT', 'ENCODING', 'z1'],
    ['ZADD', 'z1', '4', 'd'],
    ['OBJECT', 'ENCODING', 'z1'],
    ['ZADD', 'z2', '1', 'ab'],
    ['CONFIG', 'SET', 'zset-max-listpack-value', '4'],
    ['ZADD', 'z2', '2', 'abcde'],
    ['OBJECT', 'ENCODING', 'z2'],
    ['CONFIG', 'SET', 'zset-max-listpack-entries', '128'],
    ['CONFIG', 'SET', 'zset-max-listpack-value', '64'],
    ['ZUNIONSTORE', 'z3', '1', 'z1'],
    ['OBJECT', 'ENCODING', 'z3'],
    ['ZRANGESTORE', 'z4', 'z2', '0', '-1'],
    ['OBJECT', 'ENCODING', 'z4'],
    ['ZRANGE', 'z4', '0', '-1', 'WITHSCORES'],
  ]);
});

test('a changed intset limit applies to the next write of an existing set', async (t) => {
  if (!pair) return t.skip('redis-server not installed');
  await compareStream(pair, [
    ['SADD', 's1', '1', '2', '3'],
    ['CONFIG', 'SET', 'set-max-intset-entries', '3'],
    ['OBJECT', 'ENCODING', 's1'],
    ['SADD', 's1', '4'],
    ['OBJECT', 'ENCODING', 's1'],
    ['SADD', 's2', '1', '2', '3', '4'],
    ['OBJECT', 'ENCODING', 's2'],
    ['SADD', 's3', '7'],
    ['SMOVE', 's2', 's3', '4'],
    ['OBJECT', 'ENCODING', 's3'],
    ['CONFIG', 'SET', 'set-max-intset-entries', '512'],
    ['SUNIONSTORE', 's4', 's2'],
    ['OBJECT', 'ENCODING', 's4'],
    ['SMEMBERS', 's4'],
  ]);
});

test('random hash writes report the same encoding as Redis after every command', async (t) => {
  if (!pair) return t.skip('redis-server not installed');
  const r = rng(7);
  const keys = ['r1', 'r2', 'r3'];
  const strs = ['a', 'bb', '', '12345678', '123456789', 'x'.repeat(20), '7', '-3'];
  const cmds: string[][] = [];
  for (let i = 0; i < 600; i++) {
    const key = pick(r, keys);
    const x = r();
    if (x < 0.5) cmds.push(['HSET', key, pick(r, strs), pick(r, strs)]);
    else if (x < 0.6) cmds.push(['HSETNX', key, pick(r, strs), pick(r, strs)]);
    else if (x < 0.7) cmds.push(['HINCRBYFLOAT', key, pick(r, strs), pick(r, ['0.5', '1e5', '3'])]);
    else if (x < 0.75) cmds.push(['HINCRBY', key, pick(r, strs), pick(r, ['1', '1000000000'])]);
    else cmds.push(['HDEL', key, pick(r, strs), pick(r, strs)]);
    cmds.push(['OBJECT', 'ENCODING', key]);
    if (r() < 0.1) cmds.push(['HGETALL', key]);
  }
  // Hashtable order is unspecified (listpack order is checked in hashes-diff).
  await compareStream(pair, cmds, (argv, reply) =>
    argv[0] === 'HGETALL' ? sortedReply(reply, true) : reply,
  );
});
