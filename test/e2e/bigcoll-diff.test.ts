/**
 * Big-collection paths compared byte for byte with redis-server 7.0: replies of 128+ elements
 * (encoded by BulkWriter rather than the per-element Reply calls) in RESP2 and RESP3, with
 * binary, empty, long and non-integer-score data; and COPY, which clones each type directly
 * and must keep the source's encoding (a hashtable shrunk back below the listpack limits stays
 * a hashtable, as Redis's dup keeps it), with copy and source independent afterwards.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  pairHooks,
  compareStream,
  compareStreamPipelined,
  sortedReply,
  rng,
  pick,
  type Pair,
} from '../helpers/diff.js';

let pair: Pair | null = null;

pairHooks((p) => (pair = p));

const N = 1500;
const SCORES = ['0', '-0', '1.5', '-2.25', '1e300', 'inf', '-inf', '0.1', '3', '17'];

/** Element `i` of the data set: mostly short, some binary, some long, a few over 4 KB. */
function value(r: () => number, i: number): string {
  const x = r();
  // Over 4 KB: written to the reply without a copy; with them the replies pass 64 KB.
  if (x < 0.02) return `big:${i}:` + 'B'.repeat(5000);
  if (x < 0.1) return `bin\0\r\n\xff${i}`;
  if (x < 0.2) return `long:${i}:` + 'L'.repeat(30 + Math.floor(r() * 60));
  if (x < 0.22) return '';
  return `v${i}`;
}

function load(seed: number): string[][] {
  const r = rng(seed);
  const cmds: string[][] = [];
  for (let i = 0; i < N; i++) {
    cmds.push(['RPUSH', 'l', value(r, i)]);
    cmds.push(['HSET', 'h', `f${i}`, value(r, i)]);
    cmds.push(['ZADD', 'z', r() < 0.5 ? String(i) : pick(r, SCORES), `m${i}${value(r, i)}`]);
    // Up to set-max-intset-entries (512) integers: an intset, whose order is defined.
    if (i < 500) cmds.push(['SADD', 'si', String(i * 7 - 3000)]);
    if (i < 400) cmds.push(['SADD', 'sm', `s${i}`]);
  }
  return cmds;
}

/** Reads over the whole collections and big slices of them. */
const READS: string[][] = [
  ['LRANGE', 'l', '0', '-1'],
  ['LRANGE', 'l', '100', '400'],
  ['LRANGE', 'l', '-200', '-1'],
  ['LRANGE', 'l', '0', '126'],
  ['LRANGE', 'l', '0', '127'],
  ['HGETALL', 'h'],
  ['HKEYS', 'h'],
  ['HVALS', 'h'],
  ['ZRANGE', 'z', '0', '-1'],
  ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
  ['ZRANGE', 'z', '10', '600', 'REV', 'WITHSCORES'],
  ['ZRANGE', 'z', '0', '-1', 'REV'],
  ['ZRANGEBYSCORE', 'z', '-inf', '+inf', 'WITHSCORES'],
  ['ZRANGE', 'z', '(1', '1000', 'BYSCORE', 'LIMIT', '5', '500', 'WITHSCORES'],
  ['ZREVRANGEBYSCORE', 'z', '+inf', '-inf', 'LIMIT', '0', '300'],
  ['ZRANGEBYLEX', 'z', '-', '+'],
  ['ZUNION', '2', 'z', 'z', 'WITHSCORES'],
  ['ZINTER', '1', 'z', 'WITHSCORES'],
  ['ZDIFF', '1', 'z'],
  ['SMEMBERS', 'si'],
  ['SMEMBERS', 'sm'],
  ['SUNION', 'sm', 'sm'],
  ['SINTER', 'sm', 'sm'],
];

/** Hashes and non-intset sets have no defined order: compare them sorted. */
function normalize(argv: string[], reply: string): string {
  const cmd = argv[0].toUpperCase();
  if (cmd === 'HGETALL') return sortedReply(reply, true);
  if (cmd === 'HKEYS' || cmd === 'HVALS') return sortedReply(reply);
  if (argv[1] === 'sm' && cmd.startsWith('S')) return sortedReply(reply);
  return reply;
}

for (const resp of ['2', '3']) {
  test(`replies of 128+ elements match redis-server byte for byte (RESP${resp})`, async (t) => {
    if (!pair) return t.skip('redis-server not installed');
    await compareStream(pair, [['FLUSHALL']]);
    await Promise.all([pair.ksConn.call('HELLO', resp), pair.redisConn.call('HELLO', resp)]);
    try {
      await compareStreamPipelined(pair, load(Number(resp)), undefined, { batch: 500 });
      await compareStream(pair, READS, normalize);
    } finally {
      await Promise.all([pair.ksConn.call('HELLO', '2'), pair.redisConn.call('HELLO', '2')]);
    }
  });
}

test('pipelined big replies keep their order; CLIENT REPLY SKIP and OFF drop them whole', async (t) => {
  if (!pair) return t.skip('redis-server not installed');
  await compareStream(pair, [['FLUSHALL']]);
  await compareStreamPipelined(pair, load(5), undefined, { batch: 500 });
  // One write: big replies (over 64 KB, sent as pieces) between small ones, a skipped one,
  // and under REPLY OFF one whose pieces are dropped while it is being answered.
  const script = [
    ['PING'],
    ['LRANGE', 'l', '0', '-1'],
    ['CLIENT', 'REPLY', 'SKIP'],
    ['LRANGE', 'l', '0', '-1'],
    ['ECHO', 'after-skip'],
    ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
    ['CLIENT', 'REPLY', 'OFF'],
    ['LRANGE', 'l', '0', '-1'],
    ['CLIENT', 'REPLY', 'ON'],
    ['LRANGE', 'l', '0', '-1'],
    ['ECHO', 'end'],
  ];
  for (const c of [pair.ksConn, pair.redisConn]) for (const argv of script) c.send(...argv);
  const replies: [string[], string[]] = [[], []];
  for (const [i, c] of [pair.ksConn, pair.redisConn].entries()) {
    for (let n = 0; n < 7; n++) replies[i].push(await c.readReply());
    assert.equal(await c.call('PING'), '+PONG\r\n');
  }
  assert.ok(replies[1][1].length > 64 * 1024, 'the LRANGE reply spans pieces');
  assert.deepEqual(replies[0], replies[1]);
});

test('COPY keeps the encoding and makes an independent value', async (t) => {
  if (!pair) return t.skip('redis-server not installed');
  const cmds: string[][] = [['FLUSHALL']];
  for (let i = 0; i < 200; i++) {
    cmds.push(['HSET', 'h', `f${i}`, `v${i}`], ['ZADD', 'z', String(i / 4), `m${i}`]);
    cmds.push(['SADD', 's', String(i)], ['SADD', 'ss', `x${i}`], ['RPUSH', 'l', `e${i}`]);
  }
  // Shrink the converted ones back under the listpack/intset limits.
  for (let i = 5; i < 200; i++) {
    cmds.push(['HDEL', 'h', `f${i}`], ['ZREM', 'z', `m${i}`], ['SREM', 'ss', `x${i}`]);
  }
  cmds.push(['ZADD', 'z', '-0', 'negzero', '2.5', 'm1'], ['HSET', 'small', 'a', 'b']);
  cmds.push(['ZADD', 'zsmall', '1', 'a', '-0', 'b'], ['SADD', 'ssmall', '1', '2']);
  for (const k of ['h', 'z', 's', 'ss', 'l', 'small', 'zsmall', 'ssmall']) {
    cmds.push(['COPY', k, `${k}:c`], ['OBJECT', 'ENCODING', `${k}:c`]);
  }
  // Change the copies; the sources must not move.
  cmds.push(
    ['HSET', 'h:c', 'new', '1'],
    ['ZADD', 'z:c', '0.5', 'new', '9', 'm0'],
    ['SADD', 's:c', 'new'],
  );
  cmds.push(['RPUSH', 'l:c', 'new'], ['LPOP', 'l'], ['ZREM', 'z', 'm2']);
  for (const k of ['z', 'z:c', 'zsmall:c']) {
    cmds.push(['ZRANGE', k, '0', '-1', 'WITHSCORES'], ['ZRANK', k, 'm3'], ['ZREVRANK', k, 'm0']);
    cmds.push(['ZCARD', k], ['ZRANGEBYSCORE', k, '0', '1', 'LIMIT', '1', '2']);
  }
  for (const k of ['h', 'h:c', 'small:c']) cmds.push(['HGETALL', k], ['HLEN', k]);
  for (const k of ['s', 's:c', 'ss:c', 'ssmall:c']) cmds.push(['SMEMBERS', k], ['SCARD', k]);
  cmds.push(['LRANGE', 'l', '0', '-1'], ['LRANGE', 'l:c', '0', '-1'], ['LLEN', 'l:c']);
  // Hashtable-encoded ones have no defined order.
  const unordered = new Set(['HGETALL h', 'HGETALL h:c', 'SMEMBERS s:c', 'SMEMBERS ss:c']);
  await compareStream(pair, cmds, (argv, reply) =>
    unordered.has(argv.join(' ')) ? sortedReply(reply, argv[0] === 'HGETALL') : reply,
  );
});
