/**
 * Differential test of the sorted-set family against redis-server 7.0: seeded random command
 * streams over a small key pool (plain sets and strings mixed in), hostile scores (inf, nan,
 * exponents, hex, spaces), score and lex bounds, out-of-range indexes, binary members, big and
 * long-member zsets that leave the listpack encoding; raw replies compared byte for byte in
 * RESP2 and RESP3. ZRANDMEMBER is compared structurally.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pairHooks, startPair, rng, pick, type Pair } from '../helpers/diff.js';
import { decode, fullScan } from './sets-resp.js';

let pair: Pair | null = null;
let hasObject = false;

pairHooks(async (p) => {
  pair = p;
  hasObject = !(await p.ksConn.call('OBJECT', 'ENCODING', 'x')).startsWith('-ERR unknown');
});

const MEMBERS = [
  'a',
  'b',
  'c',
  'd',
  'e',
  'aa',
  'ab',
  'B',
  '',
  '\r\n',
  'x\0y',
  '\xff',
  '1',
  '10',
  '2',
  'z'.repeat(70),
];
const SCORES = [
  '1',
  '2',
  '3',
  '2.5',
  '-1',
  '0',
  '-0',
  'inf',
  '-inf',
  '+inf',
  'nan',
  '1e308',
  '1e309',
  '-1e308',
  '1e-320',
  '1e-400',
  '0x10',
  ' 1',
  '1 ',
  '',
  'abc',
  '0.1',
  '3.0000000000000004',
  '1.5e3',
  '.5',
  '5.',
  '+2',
  '123456789012345678',
  '0.30000000000000004',
];
const BOUNDS = [
  '-inf',
  '+inf',
  'inf',
  '(1',
  '(',
  '',
  ' 2',
  '(inf',
  '(-inf',
  'nan',
  '(nan',
  'x',
  '1',
  '2',
  '(2',
  '2.5',
  '0',
  '-1',
  '1e400',
  '0x1',
];
const LEX = ['-', '+', '[a', '(a', '[b', '(b', '[aa', '[', '(', 'a', '+x', '[\xff', '(c', '[B'];
const RANKS = [
  '0',
  '1',
  '2',
  '-1',
  '-2',
  '5',
  '-100',
  '100',
  'x',
  '1.5',
  '9223372036854775807',
  '-9223372036854775808',
];

function gen(r: () => number, zkeys: string[], other: string[]): string[] {
  const zk = () => (r() < 0.85 ? pick(r, zkeys) : pick(r, other));
  const member = () => pick(r, MEMBERS);
  const score = () => (r() < 0.6 ? String(Math.floor(r() * 7) - 2) : pick(r, SCORES));
  const pairs = () => {
    const out: string[] = [];
    const n = 1 + Math.floor(r() * 3);
    for (let i = 0; i < n; i++) out.push(score(), member());
    return out;
  };
  const withs = () => (r() < 0.5 ? ['WITHSCORES'] : []);
  const limit = () =>
    r() < 0.3
      ? ['LIMIT', pick(r, ['0', '1', '2', '-1', 'x']), pick(r, ['1', '2', '-1', '0', '10'])]
      : [];
  const keysArg = () => {
    const ks = Array.from({ length: 1 + Math.floor(r() * 3) }, zk);
    const nk = r() < 0.85 ? String(ks.length) : pick(r, ['0', '-1', 'x', String(ks.length + 1)]);
    return [nk, ...ks];
  };
  const setopTail = (store: boolean, isDiff: boolean, nk: string) => {
    const t: string[] = [];
    const n = Number(nk);
    if (!isDiff && r() < 0.4 && n > 0 && n < 5) {
      t.push(
        'WEIGHTS',
        ...Array.from({ length: n }, () => pick(r, ['1', '2', '0', '-1', 'inf', '0.5', 'x'])),
      );
    }
    if (!isDiff && r() < 0.3) t.push('AGGREGATE', pick(r, ['SUM', 'min', 'MAX', 'avg']));
    if (!store && r() < 0.5) t.push('WITHSCORES');
    return t;
  };
  if (r() < 0.01) {
    const base = Math.floor(r() * 100);
    const args: string[] = [];
    for (let i = 0; i < 130; i++) args.push(String((base + i) % 17), `m${base + i}`);
    return ['ZADD', zk(), ...args];
  }
  const cmds: (() => string[])[] = [
    () => ['ZADD', zk(), ...pairs()],
    () => ['ZADD', zk(), ...pairs()],
    () => {
      const flags = ['NX', 'XX', 'GT', 'LT', 'CH', 'INCR'].filter(() => r() < 0.25);
      return ['ZADD', zk(), ...flags, ...(r() < 0.7 ? [score(), member()] : pairs())];
    },
    () => ['ZINCRBY', zk(), score(), member()],
    () => ['ZSCORE', zk(), member()],
    () => ['ZMSCORE', zk(), member(), member()],
    () => ['ZCARD', zk()],
    () => ['ZCOUNT', zk(), pick(r, BOUNDS), pick(r, BOUNDS)],
    () => ['ZLEXCOUNT', zk(), pick(r, LEX), pick(r, LEX)],
    () => ['ZRANGE', zk(), pick(r, RANKS), pick(r, RANKS), ...withs()],
    () => {
      const t: string[] = [];
      const kind = pick(r, ['BYSCORE', 'BYLEX', '']);
      const [a, b] =
        kind === 'BYLEX'
          ? [pick(r, LEX), pick(r, LEX)]
          : kind === 'BYSCORE'
            ? [pick(r, BOUNDS), pick(r, BOUNDS)]
            : [pick(r, RANKS), pick(r, RANKS)];
      if (kind) t.push(kind);
      if (r() < 0.4) t.push('REV');
      t.push(...limit(), ...withs());
      return ['ZRANGE', zk(), a, b, ...t.sort(() => r() - 0.5)];
    },
    () => {
      const t: string[] = [];
      const kind = pick(r, ['BYSCORE', 'BYLEX', '']);
      const [a, b] =
        kind === 'BYLEX'
          ? [pick(r, LEX), pick(r, LEX)]
          : kind === 'BYSCORE'
            ? [pick(r, BOUNDS), pick(r, BOUNDS)]
            : [pick(r, RANKS), pick(r, RANKS)];
      if (kind) t.push(kind);
      if (r() < 0.4) t.push('REV');
      t.push(...limit());
      if (r() < 0.05) t.push('WITHSCORES');
      return ['ZRANGESTORE', zk(), zk(), a, b, ...t];
    },
    () => ['ZREVRANGE', zk(), pick(r, RANKS), pick(r, RANKS), ...withs()],
    () => ['ZRANGEBYSCORE', zk(), pick(r, BOUNDS), pick(r, BOUNDS), ...withs(), ...limit()],
    () => ['ZREVRANGEBYSCORE', zk(), pick(r, BOUNDS), pick(r, BOUNDS), ...limit(), ...withs()],
    () => ['ZRANGEBYLEX', zk(), pick(r, LEX), pick(r, LEX), ...limit()],
    () => ['ZREVRANGEBYLEX', zk(), pick(r, LEX), pick(r, LEX), ...limit()],
    () => [pick(r, ['ZRANK', 'ZREVRANK']), zk(), member()],
    () => ['ZREM', zk(), member(), ...(r() < 0.5 ? [member()] : [])],
    () => ['ZREMRANGEBYRANK', zk(), pick(r, RANKS), pick(r, RANKS)],
    () => ['ZREMRANGEBYSCORE', zk(), pick(r, BOUNDS), pick(r, BOUNDS)],
    () => ['ZREMRANGEBYLEX', zk(), pick(r, LEX), pick(r, LEX)],
    () => [
      pick(r, ['ZPOPMIN', 'ZPOPMAX']),
      zk(),
      ...(r() < 0.5 ? [pick(r, ['0', '1', '2', '5', '-1', 'x'])] : []),
    ],
    () => {
      const [nk, ...ks] = keysArg();
      const t = r() < 0.5 ? ['COUNT', pick(r, ['1', '2', '10', '0', '-1', 'x'])] : [];
      return ['ZMPOP', nk, ...ks, pick(r, ['MIN', 'max', 'MIN', 'avg']), ...t];
    },
    () => [
      'ZRANDMEMBER',
      zk(),
      ...(r() < 0.7 ? [pick(r, ['0', '1', '2', '3', '20', '-1', '-5', 'x'])] : []),
      ...(r() < 0.3 ? ['WITHSCORES'] : []),
    ],
    () => {
      const op = pick(r, ['ZUNION', 'ZINTER', 'ZDIFF']);
      const [nk, ...ks] = keysArg();
      return [op, nk, ...ks, ...setopTail(false, op === 'ZDIFF', nk)];
    },
    () => {
      const op = pick(r, ['ZUNIONSTORE', 'ZINTERSTORE', 'ZDIFFSTORE']);
      const [nk, ...ks] = keysArg();
      return [op, zk(), nk, ...ks, ...setopTail(true, op === 'ZDIFFSTORE', nk)];
    },
    () => {
      const [nk, ...ks] = keysArg();
      return [
        'ZINTERCARD',
        nk,
        ...ks,
        ...(r() < 0.4 ? ['LIMIT', pick(r, ['0', '1', '-1', 'x'])] : []),
      ];
    },
    () => {
      const t: string[] = [];
      if (r() < 0.5) t.push('COUNT', pick(r, ['1', '3', '10', '0', 'x']));
      if (r() < 0.5) t.push('MATCH', pick(r, ['*', 'a*', '[a-c]', '?', 'm1*']));
      return ['ZSCAN', zk(), pick(r, ['0', '0', '0', 'x']), ...t];
    },
    () =>
      pick(r, [
        ['ZADD', zk(), '1'],
        ['ZADD', zk(), 'nx', 'xx', '1', 'a'],
        ['ZINCRBY', zk(), 'incr', '1'],
        ['ZRANGE', zk(), '0'],
        ['ZPOPMIN', zk(), '1', '2'],
        ['ZRANDMEMBER', zk(), '1', 'x'],
      ]),
  ];
  if (hasObject && r() < 0.05) return ['OBJECT', 'ENCODING', zk()];
  return pick(r, cmds)();
}

function isLex(argv: string[]): boolean {
  const cmd = argv[0].toLowerCase();
  return cmd.includes('lex') || argv.some((a) => a.toLowerCase() === 'bylex');
}

/**
 * Lex ranges over a skiplist whose scores differ have no defined answer: Redis's result then
 * depends on its random skiplist levels. Such commands are not compared.
 */
async function lexUndefined(p: Pair, key: string): Promise<boolean> {
  if ((await p.redisConn.call('OBJECT', 'ENCODING', key)) !== '$8\r\nskiplist\r\n') return false;
  const lo = decode(await p.redisConn.call('ZRANGE', key, '0', '0', 'WITHSCORES')) as Resp[];
  const hi = decode(await p.redisConn.call('ZRANGE', key, '-1', '-1', 'WITHSCORES')) as Resp[];
  return JSON.stringify(lo.flat()[1]) !== JSON.stringify(hi.flat()[1]);
}

async function zmembers(p: Pair, key: string): Promise<string[]> {
  const v = decode(await p.redisConn.call('ZRANGE', key, '0', '-1'));
  return Array.isArray(v) ? (v as string[]) : [];
}

function checkRandom(argv: string[], ks: string, before: string[], resp3: boolean): void {
  const v = decode(ks);
  const ctx = `${JSON.stringify(argv)} -> ${JSON.stringify(ks)}`;
  if (argv.length === 2) {
    if (v === null) assert.equal(before.length, 0, ctx);
    else assert.ok(before.includes(v as string), ctx);
    return;
  }
  assert.ok(Array.isArray(v), ctx);
  const withscores = argv.length === 4;
  let items = v as Resp[];
  if (withscores)
    items = resp3 ? items.map((e) => (e as Resp[])[0]) : items.filter((_, i) => i % 2 === 0);
  const n = Number(argv[2]);
  for (const m of items) assert.ok(before.includes(m as string), ctx);
  if (n < 0) assert.equal(items.length, before.length ? -n : 0, ctx);
  else {
    assert.equal(items.length, Math.min(n, before.length), ctx);
    assert.equal(new Set(items).size, items.length, ctx);
  }
}
type Resp = ReturnType<typeof decode>;

/** Lex commands not compared because their answer is undefined (see lexUndefined). */
let skippedLex = 0;

async function runStream(p: Pair, seed: number, n: number, resp3: boolean): Promise<number> {
  const r = rng(seed);
  const zkeys = [`z${seed}a`, `z${seed}b`, `z${seed}c`];
  const other = [`set${seed}`, `str${seed}`, `none${seed}`];
  for (const conn of [p.ksConn, p.redisConn]) {
    await conn.call('HELLO', resp3 ? '3' : '2');
    await conn.call('SET', `str${seed}`, 'x');
    await conn.call('SADD', `set${seed}`, 'a', 'b', '1', 'zz');
  }
  for (let i = 0; i < n; i++) {
    const argv = gen(r, zkeys, other);
    const cmd = argv[0].toLowerCase();
    const ctx = `seed ${seed} #${i} ${JSON.stringify(argv)}`;
    if (cmd === 'zscan') {
      const [a, b] = await Promise.all([
        fullScan(p.ksConn, argv, true),
        fullScan(p.redisConn, argv, true),
      ]);
      assert.equal(a, b, ctx);
      continue;
    }
    if (cmd === 'zrandmember') {
      const before = await zmembers(p, argv[1]);
      const [a, b] = await Promise.all([p.ksConn.call(...argv), p.redisConn.call(...argv)]);
      if (a.startsWith('-') || b.startsWith('-')) assert.equal(a, b, ctx);
      else {
        assert.equal(a[0], b[0], `${ctx}: reply type`);
        checkRandom(argv, a, before, resp3);
      }
      continue;
    }
    if (isLex(argv) && (await lexUndefined(p, argv[cmd === 'zrangestore' ? 2 : 1]))) {
      skippedLex++;
      continue;
    }
    const [a, b] = await Promise.all([p.ksConn.call(...argv), p.redisConn.call(...argv)]);
    if (a !== b) {
      // Show both servers' view of the key to make a divergence easy to trace.
      const dump = async (conn: typeof p.ksConn) =>
        JSON.stringify(await conn.call('ZRANGE', argv[1], '0', '-1', 'WITHSCORES')).slice(0, 800);
      assert.equal(
        a,
        b,
        `${ctx}\nkeyshard ${await dump(p.ksConn)}\nredis    ${await dump(p.redisConn)}`,
      );
    }
  }
  return n;
}

test('sorted-set commands match redis-server on seeded random streams (RESP2 and RESP3)', async (t) => {
  if (!pair) return t.skip('redis-server not installed');
  // DIFF_SEEDS=<n> runs a longer soak locally; CI runs the default eight streams.
  const seeds = Number(process.env.DIFF_SEEDS ?? 8);
  let total = 0;
  for (let seed = 1; seed <= seeds; seed++)
    total += await runStream(pair, seed, 800, seed % 2 === 0);
  t.diagnostic(
    `${total - skippedLex} commands compared (${skippedLex} undefined lex queries skipped), ` +
      `OBJECT ENCODING ${hasObject ? 'included' : 'not available yet'}`,
  );
});

test('small zset-max-listpack-entries/value: listpack/skiplist conversions match redis-server', async (t) => {
  if (!pair) return t.skip('redis-server not installed');
  const small = await startPair([
    '--zset-max-listpack-entries',
    '3',
    '--zset-max-listpack-value',
    '2',
  ]);
  try {
    let total = 0;
    for (let seed = 101; seed <= 103; seed++)
      total += await runStream(small, seed, 600, seed % 2 === 0);
    t.diagnostic(`${total} commands compared`);
  } finally {
    await small.stop();
  }
});
