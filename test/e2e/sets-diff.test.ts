/**
 * Differential test of the set family against redis-server 7.0: seeded random command streams
 * over a small key pool (bad arities, wrong types, binary members, big sets that leave the
 * intset encoding), raw replies compared byte for byte. Unordered replies are compared sorted;
 * random ones (SPOP, SRANDMEMBER) structurally, after which both servers are resynchronized.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pairHooks, startPair, sortedReply, rng, pick, type Pair } from '../helpers/diff.js';
import { decode, fullScan } from './sets-resp.js';

let pair: Pair | null = null;
let hasObject = false;

pairHooks(async (p) => {
  pair = p;
  hasObject = !(await p.ksConn.call('OBJECT', 'ENCODING', 'x')).startsWith('-ERR unknown');
});

const MEMBERS = [
  '1',
  '2',
  '3',
  '-5',
  '0',
  '10',
  '007',
  '+1',
  '-0',
  ' 1',
  '9223372036854775807',
  '9223372036854775808',
  '-9223372036854775808',
  'a',
  'b',
  'c',
  '',
  '\r\n',
  'x\0y',
  '\xff\xfe',
  'hello world',
  '1.5',
  '1e3',
];
const UNORDERED = new Set(['smembers', 'sinter', 'sunion', 'sdiff']);

function gen(r: () => number, keys: string[]): string[] {
  const key = () => pick(r, keys);
  const member = () => (r() < 0.3 ? String(Math.floor(r() * 40) - 10) : pick(r, MEMBERS));
  const members = (min: number) => {
    const n = min + Math.floor(r() * 4);
    return Array.from({ length: n }, member);
  };
  const some = () => Array.from({ length: Math.floor(r() * 4) }, key);
  const x = r();
  if (x < 0.01) {
    // A big batch of integers: leaves the intset encoding (set-max-intset-entries 512).
    const base = Math.floor(r() * 1000);
    return ['SADD', key(), ...Array.from({ length: 520 }, (_, i) => String(base + i))];
  }
  const cmds: (() => string[])[] = [
    () => ['SADD', key(), ...members(1)],
    () => ['SADD', key(), ...members(1)],
    () => ['SREM', key(), ...members(1)],
    () => ['SCARD', key()],
    () => ['SISMEMBER', key(), member()],
    () => ['SMISMEMBER', key(), ...members(1)],
    () => ['SMEMBERS', key()],
    () => ['SMOVE', key(), key(), member()],
    () => ['SINTER', key(), ...some()],
    () => ['SUNION', key(), ...some()],
    () => ['SDIFF', key(), ...some()],
    () => ['SINTERSTORE', key(), key(), ...some()],
    () => ['SUNIONSTORE', key(), key(), ...some()],
    () => ['SDIFFSTORE', key(), key(), ...some()],
    () => {
      const ks = [key(), ...some()];
      const nk = r() < 0.8 ? ks.length : pick(r, ['0', '-1', 'x', String(ks.length + 2)]);
      const tail = r() < 0.4 ? ['LIMIT', pick(r, ['0', '1', '2', '-1', 'x'])] : [];
      if (r() < 0.05) tail.push('junk');
      return ['SINTERCARD', String(nk), ...ks, ...tail];
    },
    () => ['SPOP', key(), ...(r() < 0.5 ? [pick(r, ['0', '1', '2', '5', '100', '-1', 'x'])] : [])],
    () => [
      'SRANDMEMBER',
      key(),
      ...(r() < 0.7
        ? [pick(r, ['0', '1', '2', '3', '20', '-1', '-5', 'x', '-9223372036854775808'])]
        : []),
    ],
    () => {
      const tail: string[] = [];
      if (r() < 0.5) tail.push('COUNT', pick(r, ['1', '3', '10', '100', '0', 'x']));
      if (r() < 0.5) tail.push('MATCH', pick(r, ['*', '1*', '[a-c]', '?', '*\\*', '[^1]*']));
      if (r() < 0.05) tail.push('TYPE');
      return ['SSCAN', key(), pick(r, ['0', '0', '0', 'x', ' 0']), ...tail];
    },
    () =>
      pick(r, [
        ['SADD', key()],
        ['SCARD'],
        ['SISMEMBER', key()],
        ['SMOVE', key(), key()],
        ['SPOP', key(), '1', '2'],
        ['SRANDMEMBER', key(), '1', '2'],
      ]),
  ];
  if (hasObject && r() < 0.05) return ['OBJECT', 'ENCODING', key()];
  return pick(r, cmds)();
}

/** Members of `key` on redis (the truth used for structural checks). */
async function members(p: Pair, key: string): Promise<string[]> {
  const v = decode(await p.redisConn.call('SMEMBERS', key));
  return Array.isArray(v) ? (v as string[]) : [];
}

/** Makes keyshard's `key` equal to redis's, rebuilding both from the same member list. */
async function resync(p: Pair, key: string): Promise<void> {
  const m = await members(p, key);
  for (const conn of [p.ksConn, p.redisConn]) {
    await conn.call('SPOP', key, '100000');
    if (m.length) await conn.call('SADD', key, ...m);
  }
}

function checkRandom(argv: string[], ks: string, before: string[]): void {
  const v = decode(ks);
  if (argv.length < 3 || !/^-?\d+$/.test(argv[2])) {
    if (v === null) assert.equal(before.length, 0);
    else assert.ok(before.includes(v as string), `${JSON.stringify(argv)} -> ${ks}`);
    return;
  }
  assert.ok(Array.isArray(v), `${JSON.stringify(argv)} -> ${ks}`);
  const items = v as string[];
  const n = Number(argv[2]);
  for (const m of items) assert.ok(before.includes(m), `${JSON.stringify(argv)}: ${m}`);
  if (n < 0 && argv[0] === 'SRANDMEMBER') {
    assert.equal(items.length, before.length ? -n : 0);
  } else {
    assert.equal(items.length, Math.min(n, before.length));
    assert.equal(new Set(items).size, items.length);
  }
}

async function runStream(p: Pair, seed: number, n: number, resp3: boolean): Promise<number> {
  const r = rng(seed);
  const keys = [`s${seed}a`, `s${seed}b`, `s${seed}c`, `str${seed}`, `none${seed}`];
  for (const conn of [p.ksConn, p.redisConn]) {
    await conn.call('HELLO', resp3 ? '3' : '2');
    await conn.call('SET', `str${seed}`, 'x');
  }
  let compared = 0;
  for (let i = 0; i < n; i++) {
    const argv = gen(r, keys);
    const cmd = argv[0].toLowerCase();
    const ctx = `seed ${seed} #${i} ${JSON.stringify(argv)}`;
    if (cmd === 'sscan' && argv.length >= 3) {
      const [a, b] = await Promise.all([
        fullScan(p.ksConn, argv, false),
        fullScan(p.redisConn, argv, false),
      ]);
      assert.equal(a, b, ctx);
    } else if ((cmd === 'spop' || cmd === 'srandmember') && argv.length <= 3) {
      const before = await members(p, argv[1]);
      const [a, b] = await Promise.all([p.ksConn.call(...argv), p.redisConn.call(...argv)]);
      if (b.startsWith('-') || a.startsWith('-')) assert.equal(a, b, ctx);
      else {
        assert.equal(a[0], b[0], `${ctx}: reply type ${a} vs ${b}`);
        checkRandom(argv, a, before);
        if (cmd === 'spop') await resync(p, argv[1]);
      }
    } else {
      const [a, b] = await Promise.all([p.ksConn.call(...argv), p.redisConn.call(...argv)]);
      if (UNORDERED.has(cmd)) assert.equal(sortedReply(a), sortedReply(b), ctx);
      else assert.equal(a, b, ctx);
    }
    compared++;
  }
  return compared;
}

test('set commands match redis-server on seeded random streams (RESP2 and RESP3)', async (t) => {
  if (!pair) return t.skip('redis-server not installed');
  let total = 0;
  // DIFF_SEEDS=<n> runs a longer soak locally; CI runs the default six streams.
  const seeds = Number(process.env.DIFF_SEEDS ?? 6);
  for (let seed = 1; seed <= seeds; seed++)
    total += await runStream(pair, seed, 700, seed % 2 === 0);
  t.diagnostic(
    `${total} commands compared, OBJECT ENCODING ${hasObject ? 'included' : 'not available yet'}`,
  );
});

test('small set-max-intset-entries: intset/hashtable conversions match redis-server', async (t) => {
  if (!pair) return t.skip('redis-server not installed');
  const small = await startPair(['--set-max-intset-entries', '3']);
  try {
    let total = 0;
    for (let seed = 101; seed <= 103; seed++)
      total += await runStream(small, seed, 500, seed % 2 === 0);
    t.diagnostic(`${total} commands compared`);
  } finally {
    await small.stop();
  }
});
