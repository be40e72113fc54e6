/**
 * Differential test of the list family against redis-server 7.0: seeded random command streams
 * over a small key pool (so commands collide), with bad arities, wrong types, non-numbers,
 * out-of-range indexes, binary and large values, transactions and blocking commands that
 * cannot block (inside MULTI, short timeouts). Raw replies are compared byte for byte.
 */
import { test } from 'node:test';
import { pairHooks, compareStream, rng, pick, type Pair } from '../helpers/diff.js';

let pair: Pair | null = null;

pairHooks((p) => (pair = p));

const KEYS = ['l1', 'l2', 'l3', 'k\r\n\0', '', 'str'];
const VALUES = ['a', 'b', 'c', 'a', '', '\r\n', 'x\0y', '\xff', '1', '-1', 'v'.repeat(70)];
const INDEXES = [
  '0',
  '1',
  '2',
  '-1',
  '-2',
  '3',
  '-3',
  '10',
  '-10',
  '100',
  '-100',
  'x',
  '',
  '1.5',
  '+1',
  '01',
  ' 1',
  '9223372036854775807',
  '-9223372036854775808',
  '9223372036854775808',
];
const COUNTS = ['0', '1', '2', '3', '5', '-1', 'x', '9223372036854775807', '-9223372036854775808'];
const ENDS = ['LEFT', 'RIGHT', 'left', 'Right', 'middle'];
const TIMEOUTS = [
  '0.01',
  '0.02',
  '-1',
  'x',
  '',
  '1e400',
  'inf',
  '-0.5',
  '0x1p-6',
  '1e17',
  '-inf',
  'nan',
];

function gen(r: () => number): string[] {
  const key = () => pick(r, KEYS);
  const val = () => pick(r, VALUES);
  const vals = () => Array.from({ length: 1 + Math.floor(r() * 4) }, val);
  const idx = () => (r() < 0.6 ? String(Math.floor(r() * 14) - 7) : pick(r, INDEXES));
  const cmds: (() => string[])[] = [
    () => ['LPUSH', key(), ...vals()],
    () => ['RPUSH', key(), ...vals()],
    () => ['RPUSH', key(), ...vals()],
    () => ['LPUSHX', key(), ...vals()],
    () => ['RPUSHX', key(), ...vals()],
    () => ['LPOP', key(), ...(r() < 0.4 ? [pick(r, COUNTS)] : [])],
    () => ['RPOP', key(), ...(r() < 0.4 ? [pick(r, COUNTS)] : [])],
    () => ['LLEN', key()],
    () => ['LINDEX', key(), idx()],
    () => ['LSET', key(), idx(), val()],
    () => ['LRANGE', key(), idx(), idx()],
    () => ['LRANGE', key(), '0', '-1'],
    () => ['LTRIM', key(), idx(), idx()],
    () => ['LREM', key(), idx(), val()],
    () => ['LINSERT', key(), pick(r, ['BEFORE', 'after', 'x']), val(), val()],
    () => {
      const tail: string[] = [];
      for (let i = Math.floor(r() * 3); i > 0; i--) {
        tail.push(pick(r, ['RANK', 'COUNT', 'MAXLEN', 'rank', 'bad']), pick(r, [...COUNTS, '-2']));
      }
      if (r() < 0.05) tail.push('RANK');
      return ['LPOS', key(), val(), ...tail];
    },
    () => ['LMOVE', key(), key(), pick(r, ENDS), pick(r, ENDS)],
    () => ['RPOPLPUSH', key(), key()],
    () => {
      const ks = Array.from({ length: 1 + Math.floor(r() * 3) }, key);
      const nk = r() < 0.85 ? String(ks.length) : pick(r, ['0', '-1', 'x', '5']);
      const tail = r() < 0.5 ? ['COUNT', pick(r, COUNTS)] : [];
      if (r() < 0.05) tail.push('COUNT', '1');
      return ['LMPOP', nk, ...ks, pick(r, ENDS), ...tail];
    },
    () => ['BLPOP', key(), ...(r() < 0.5 ? [key()] : []), pick(r, TIMEOUTS)],
    () => ['BRPOP', key(), pick(r, TIMEOUTS)],
    () => ['BRPOPLPUSH', key(), key(), pick(r, TIMEOUTS)],
    () => ['BLMOVE', key(), key(), pick(r, ENDS), pick(r, ENDS), pick(r, TIMEOUTS)],
    () => {
      const ks = Array.from({ length: 1 + Math.floor(r() * 2) }, key);
      const nk = r() < 0.9 ? String(ks.length) : pick(r, ['0', 'x']);
      const tail = r() < 0.5 ? ['COUNT', pick(r, COUNTS)] : [];
      return ['BLMPOP', pick(r, TIMEOUTS), nk, ...ks, pick(r, ENDS), ...tail];
    },
    () => ['SET', 'str', val()],
    () => ['GET', key()],
  ];
  let argv = pick(r, cmds)();
  if (argv[0] === 'SET' || argv[0] === 'GET') return argv;
  const x = r();
  // Wrong arities: drop or add an argument now and then.
  if (x < 0.03) argv = argv.slice(0, Math.max(1, argv.length - 1 - Math.floor(r() * 2)));
  else if (x < 0.05) argv = [...argv, val()];
  return argv;
}

/** A stream that also wraps runs of commands in MULTI/EXEC (where blocking ones cannot block). */
function stream(seed: number, n: number): string[][] {
  const r = rng(seed);
  const out: string[][] = [];
  while (out.length < n) {
    if (r() < 0.04) {
      out.push(['MULTI']);
      for (let i = 1 + Math.floor(r() * 4); i > 0; i--) out.push(gen(r));
      out.push(['EXEC']);
    } else out.push(gen(r));
  }
  return out;
}

for (const [seed, resp] of [
  [1, 2],
  [2, 2],
  [3, 3],
] as const) {
  test(`random list command stream, seed ${seed}, RESP${resp}`, async (t) => {
    if (!pair) return t.skip('redis-server not installed');
    const p = pair;
    const hello = (v: string) =>
      Promise.all([p.ksConn.call('HELLO', v), p.redisConn.call('HELLO', v)]);
    if (resp === 3) await hello('3');
    try {
      const cmds = stream(seed, 2500);
      for (let i = 0; i < cmds.length; i++) {
        await compareStream(p, [cmds[i]]).catch((e: Error) => {
          throw new Error(`command ${i} ${JSON.stringify(cmds[i])}: ${e.message}`);
        });
      }
    } finally {
      if (resp === 3) await hello('2');
    }
  });
}

test('big values and long lists: ranges, trims, inserts in the middle', async (t) => {
  if (!pair) return t.skip('redis-server not installed');
  const big = 'B'.repeat(100000) + '\r\n';
  const many = Array.from({ length: 3000 }, (_, i) => `e${i % 97}`);
  await compareStream(pair, [
    ['RPUSH', 'big', big, 'x', big],
    ['LRANGE', 'big', '0', '-1'],
    ['RPUSH', 'long', ...many],
    ['LPUSH', 'long', ...many.slice(0, 500)],
    ['LINSERT', 'long', 'BEFORE', 'e50', 'mid'],
    ['LINSERT', 'long', 'AFTER', 'e96', 'mid2'],
    ['LPOS', 'long', 'e5', 'RANK', '-3', 'COUNT', '0', 'MAXLEN', '2000'],
    ['LPOS', 'long', 'e5', 'COUNT', '0'],
    ['LREM', 'long', '-7', 'e3'],
    ['LREM', 'long', '0', 'e4'],
    ['LRANGE', 'long', '1500', '1600'],
    ['LINDEX', 'long', '-1234'],
    ['LTRIM', 'long', '100', '-100'],
    ['LLEN', 'long'],
    ['LRANGE', 'long', '0', '-1'],
    ['LPOP', 'long', '1000'],
    ['RPOP', 'long', '100000'],
    ['LLEN', 'long'],
  ]);
});

/** Every list and hash command with its key argument(s) replaced by `k`. */
function everyCommandOn(k: string): string[][] {
  return [
    ['LPUSH', k, 'a'],
    ['RPUSH', k, 'a'],
    ['LPUSHX', k, 'a'],
    ['RPUSHX', k, 'a'],
    ['LPOP', k],
    ['RPOP', k, '2'],
    ['LLEN', k],
    ['LINDEX', k, '0'],
    ['LSET', k, '0', 'v'],
    ['LRANGE', k, '0', '-1'],
    ['LTRIM', k, '0', '1'],
    ['LREM', k, '0', 'a'],
    ['LINSERT', k, 'BEFORE', 'a', 'b'],
    ['LPOS', k, 'a'],
    ['LMOVE', k, 'xl', 'LEFT', 'RIGHT'],
    ['LMOVE', 'xl', k, 'LEFT', 'RIGHT'],
    ['RPOPLPUSH', k, 'xl'],
    ['RPOPLPUSH', 'xl', k],
    ['LMPOP', '1', k, 'LEFT'],
    ['BLPOP', k, '0.01'],
    ['BRPOP', k, '0.01'],
    ['BLMOVE', 'xl', k, 'LEFT', 'LEFT', '0.01'],
    ['BLMPOP', '0.01', '1', k, 'LEFT'],
    ['HSET', k, 'f', 'v'],
    ['HSETNX', k, 'f', 'v'],
    ['HMSET', k, 'f', 'v'],
    ['HGET', k, 'f'],
    ['HMGET', k, 'f'],
    ['HDEL', k, 'f'],
    ['HLEN', k],
    ['HSTRLEN', k, 'f'],
    ['HEXISTS', k, 'f'],
    ['HKEYS', k],
    ['HVALS', k],
    ['HGETALL', k],
    ['HINCRBY', k, 'n', '1'],
    ['HINCRBYFLOAT', k, 'n', '1'],
    ['HRANDFIELD', k],
    ['HRANDFIELD', k, '1'],
    ['HSCAN', k, '0'],
  ];
}

test('WRONGTYPE on every cross-type use, against every other type', async (t) => {
  if (!pair) return t.skip('redis-server not installed');
  const setup = [
    ['SELECT', '5'],
    ['SET', 't:str', 'x'],
    ['SADD', 't:set', 'a'],
    ['ZADD', 't:zset', '1', 'a'],
    ['RPUSH', 'xl', 'a', 'b', 'c', 'd', 'e', 'f'],
  ];
  const cmds: string[][] = [...setup];
  for (const k of ['t:str', 't:set', 't:zset']) cmds.push(...everyCommandOn(k));
  // A list under hash commands and a hash under list commands.
  cmds.push(['RPUSH', 't:list', 'a'], ['HSET', 't:hash', 'f', 'v']);
  for (const argv of everyCommandOn('t:list')) if (argv[0].startsWith('H')) cmds.push(argv);
  for (const argv of everyCommandOn('t:hash')) if (!argv[0].startsWith('H')) cmds.push(argv);
  cmds.push(['SELECT', '0']);
  await compareStream(pair, cmds);
});

test('expired lists and hashes are gone for every command', async (t) => {
  if (!pair) return t.skip('redis-server not installed');
  await compareStream(pair, [
    ['SELECT', '6'],
    ['RPUSH', 'e:list', 'a', 'b'],
    ['HSET', 'e:hash', 'f', 'v'],
    ['PEXPIRE', 'e:list', '30'],
    ['PEXPIRE', 'e:hash', '30'],
  ]);
  await new Promise((r) => setTimeout(r, 80));
  await compareStream(pair, [
    ['LLEN', 'e:list'],
    ['HGET', 'e:hash', 'f'],
    ['RPUSHX', 'e:list', 'x'],
    ['HSETNX', 'e:hash', 'f', 'new'],
    ['HGETALL', 'e:hash'],
    ['TTL', 'e:hash'],
    ['SELECT', '0'],
  ]);
});

test('read commands count keyspace hits and misses as Redis does; writes do not', async (t) => {
  if (!pair) return t.skip('redis-server not installed');
  const p = pair;
  const cmds = [
    ['SELECT', '7'],
    ['RPUSH', 'kh:l', 'a', 'b'],
    ['HSET', 'kh:h', 'f', 'v'],
    ['SET', 'kh:s', 'x'],
    ['CONFIG', 'RESETSTAT'],
  ];
  for (const k of ['kh:l', 'kh:h', 'kh:s', 'kh:none']) cmds.push(...everyCommandOn(k));
  cmds.push(['SELECT', '0']);
  await compareStream(p, cmds);
  const stats = async (c: typeof p.ksConn) => {
    const info = await c.call('INFO', 'stats');
    return /keyspace_hits:\d+\r\nkeyspace_misses:\d+/.exec(info)?.[0];
  };
  const [a, b] = [await stats(p.ksConn), await stats(p.redisConn)];
  if (!a || a !== b) throw new Error(`keyshard ${a} vs redis ${b}`);
});
