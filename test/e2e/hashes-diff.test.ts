/**
 * Differential test of the hash family against redis-server 7.0: seeded random command streams
 * over a small key pool (bad arities, wrong types, non-numbers, binary fields and values, long
 * values and big batches that leave the listpack encoding), in RESP2 and RESP3, raw replies
 * compared byte for byte. Replies of hashtable-encoded hashes come in an unspecified order and
 * are compared sorted when they differ; HRANDFIELD is compared structurally (random choices).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pairHooks, sortedReply, splitAggregate, rng, pick, type Pair } from '../helpers/diff.js';

let pair: Pair | null = null;

pairHooks((p) => (pair = p));

const KEYS = ['h1', 'h2', 'h3', 'k\r\n\0', '', 'str'];
const FIELDS = ['a', 'b', 'c', 'd', '', '\r\n', 'f\0g', '\xff', 'n', 'f'.repeat(65), 'ab', 'a*'];
const VALUES = [
  'x',
  '',
  '\r\n',
  '\0',
  '1',
  '-1',
  '10',
  '007',
  ' 1',
  '1.5',
  '0.1',
  '9223372036854775807',
  '-9223372036854775808',
  'v'.repeat(65),
  '1e3',
  'inf',
];
const INCRS = [
  '1',
  '-1',
  '5',
  '0',
  'x',
  '',
  '1.5',
  '9223372036854775807',
  '-9223372036854775808',
  '9223372036854775808',
  '+1',
  '01',
];
const FLOATS = [
  '0.1',
  '0.2',
  '-0.3',
  '1.5',
  '1e10',
  '3.0e-5',
  '-7',
  '0',
  '-0',
  'inf',
  '-inf',
  'nan',
  'x',
  '',
  '1e400',
  '1e-400',
  '0x1p3',
  '1e308',
  '5e-4950',
  '.5',
  '1.',
  '1e',
  ' 1',
  '1\0junk',
  '123456789.123456789',
  '1e4000',
];
const COUNTS = [
  '0',
  '1',
  '2',
  '3',
  '-1',
  '-3',
  '10',
  '-10',
  'x',
  '9223372036854775807',
  '-9223372036854775808',
  '4611686018427387904',
  '-4611686018427387904',
  '4611686018427387903',
];
const UNORDERED = new Set(['HGETALL', 'HKEYS', 'HVALS', 'HSCAN']);

function gen(r: () => number): string[] {
  const key = () => pick(r, KEYS);
  const field = () => (r() < 0.3 ? `f${Math.floor(r() * 20)}` : pick(r, FIELDS));
  const value = () => pick(r, VALUES);
  const pairs = () => {
    const out: string[] = [];
    for (let i = 1 + Math.floor(r() * 3); i > 0; i--) out.push(field(), value());
    return out;
  };
  const fields = () => Array.from({ length: 1 + Math.floor(r() * 3) }, field);
  if (r() < 0.005) {
    // A big batch: leaves the listpack encoding by entry count (hash-max-listpack-entries 512).
    const base = Math.floor(r() * 100);
    return [
      'HSET',
      key(),
      ...Array.from({ length: 530 }, (_, i) => [`b${base + i}`, `${i}`]).flat(),
    ];
  }
  const cmds: (() => string[])[] = [
    () => ['HSET', key(), ...pairs()],
    () => ['HSET', key(), ...pairs()],
    () => ['HMSET', key(), ...pairs()],
    () => ['HSETNX', key(), field(), value()],
    () => ['HGET', key(), field()],
    () => ['HMGET', key(), ...fields()],
    () => ['HDEL', key(), ...fields()],
    () => ['HLEN', key()],
    () => ['HSTRLEN', key(), field()],
    () => ['HEXISTS', key(), field()],
    () => ['HKEYS', key()],
    () => ['HVALS', key()],
    () => ['HGETALL', key()],
    () => ['HINCRBY', key(), field(), pick(r, INCRS)],
    () => ['HINCRBYFLOAT', key(), field(), pick(r, FLOATS)],
    () => ['HINCRBYFLOAT', key(), pick(r, ['a', 'b', 'n']), pick(r, FLOATS)],
    () => {
      const tail: string[] = [];
      if (r() < 0.7) tail.push(pick(r, COUNTS));
      if (r() < 0.4) tail.push(pick(r, ['WITHVALUES', 'withvalues', 'x']));
      return ['HRANDFIELD', key(), ...tail];
    },
    () => {
      const tail: string[] = [];
      if (r() < 0.3) tail.push('COUNT', pick(r, ['1000', '1000', '0', '-1', 'x']));
      else tail.push('COUNT', '1000');
      if (r() < 0.4)
        tail.push('MATCH', pick(r, ['*', 'f*', '[a-c]', '?', '*\\*', '[^a]*', 'f1?', '[']));
      if (r() < 0.05) tail.push(pick(r, ['TYPE', 'count', 'junk']));
      return [
        'HSCAN',
        key(),
        pick(r, ['0', '0', '0', '', 'x', ' 0', '-0', '+0', '18446744073709551616']),
        ...tail,
      ];
    },
    () => ['SET', 'str', value()],
  ];
  let argv = pick(r, cmds)();
  // HSCAN on a hashtable without a big COUNT returns a partial, server-specific page.
  if (argv[0] === 'SET' || argv[0] === 'HSCAN') return argv;
  const x = r();
  if (x < 0.03) argv = argv.slice(0, Math.max(1, argv.length - 1 - Math.floor(r() * 2)));
  else if (x < 0.05) argv = [...argv, value()];
  // A huge negative count is accepted without WITHVALUES and would stream forever.
  if (argv[0] === 'HRANDFIELD' && argv.length === 3 && /^-\d{16}/.test(argv[2])) argv[2] = '-2';
  return argv;
}

/** HRANDFIELD's shape: null or not, length, and for a positive count distinct fields. */
function randShape(argv: string[], reply: string, resp: 2 | 3): string {
  if (argv.length < 3 || !'*~'.includes(reply[0])) return reply[0] === '$' ? '$bulk' : reply;
  const agg = splitAggregate(reply);
  if (!agg) return reply;
  const withValues = argv.length === 4;
  const fields = withValues && resp === 2 ? agg.items.filter((_x, i) => i % 2 === 0) : agg.items;
  const positive = !argv[2].startsWith('-');
  const distinct = new Set(fields).size === fields.length;
  return `${agg.head}${positive ? `distinct=${distinct}` : ''}`;
}

function unordered(argv: string[], reply: string): string {
  const cmd = argv[0].toUpperCase();
  if (cmd === 'HGETALL') return sortedReply(reply, true);
  if (cmd !== 'HSCAN') return sortedReply(reply);
  const outer = splitAggregate(reply);
  if (!outer || outer.items.length !== 2) return reply;
  return outer.head + outer.items[0] + sortedReply(outer.items[1], true);
}

async function run(seed: number, n: number, resp: 2 | 3): Promise<void> {
  const p = pair!;
  if (resp === 3) {
    await p.ksConn.call('HELLO', '3');
    await p.redisConn.call('HELLO', '3');
  }
  try {
    await runStream(seed, n, resp);
  } finally {
    if (resp === 3) {
      await p.ksConn.call('HELLO', '2');
      await p.redisConn.call('HELLO', '2');
    }
  }
}

async function runStream(seed: number, n: number, resp: 2 | 3): Promise<void> {
  const p = pair!;
  const r = rng(seed);
  for (let i = 0; i < n; i++) {
    const argv = gen(r);
    const [a, b] = await Promise.all([p.ksConn.call(...argv), p.redisConn.call(...argv)]).catch(
      (e: Error) => {
        throw new Error(`command ${i} ${JSON.stringify(argv)}: ${e.message}`);
      },
    );
    if (a === b) continue;
    const cmd = argv[0].toUpperCase();
    let ka = a;
    let kb = b;
    if (cmd === 'HRANDFIELD') {
      ka = randShape(argv, a, resp);
      kb = randShape(argv, b, resp);
    } else if (UNORDERED.has(cmd)) {
      ka = unordered(argv, a);
      kb = unordered(argv, b);
    }
    assert.equal(JSON.stringify(ka), JSON.stringify(kb), `command ${i} ${JSON.stringify(argv)}`);
  }
}

for (const [seed, resp] of [
  [1, 2],
  [2, 2],
  [3, 3],
] as const) {
  test(`random hash command stream, seed ${seed}, RESP${resp}`, async (t) => {
    if (!pair) return t.skip('redis-server not installed');
    await run(seed, 2500, resp);
  });
}

test('small hashes keep listpack order: HGETALL, HKEYS, HVALS, HSCAN match exactly', async (t) => {
  if (!pair) return t.skip('redis-server not installed');
  const p = pair;
  const cmds = [
    ['HSET', 'ord', 'z', '1', 'a', '2', 'm', '3', 'b', '4'],
    ['HDEL', 'ord', 'a'],
    ['HSET', 'ord', 'a', '5', 'z', '6', 'q', '7'],
    ['HINCRBY', 'ord', 'm', '10'],
    ['HINCRBYFLOAT', 'ord', 'new', '0.5'],
    ['HGETALL', 'ord'],
    ['HKEYS', 'ord'],
    ['HVALS', 'ord'],
    ['HSCAN', 'ord', '0'],
    ['HSCAN', 'ord', '0', 'MATCH', '[a-m]', 'COUNT', '1'],
  ];
  for (const argv of cmds) {
    const [a, b] = await Promise.all([p.ksConn.call(...argv), p.redisConn.call(...argv)]);
    assert.equal(JSON.stringify(a), JSON.stringify(b), JSON.stringify(argv));
  }
});

test('HRANDFIELD returns members of the hash, distinct for positive counts', async (t) => {
  if (!pair) return t.skip('redis-server not installed');
  const c = pair.ksConn;
  const fields = Array.from({ length: 40 }, (_, i) => `m${i}`);
  await c.call('HSET', 'rnd', ...fields.flatMap((f) => [f, `v-${f}`]));
  for (const count of ['5', '-50', '39', '40', '100']) {
    const reply = await c.call('HRANDFIELD', 'rnd', count, 'WITHVALUES');
    const items = splitAggregate(reply)!.items.map((x) => x.split('\r\n')[1]);
    const expectLen = count.startsWith('-') ? -Number(count) : Math.min(40, Number(count));
    assert.equal(items.length, expectLen * 2);
    const picked = items.filter((_x, i) => i % 2 === 0);
    for (let i = 0; i < items.length; i += 2) assert.equal(items[i + 1], `v-${items[i]}`);
    if (!count.startsWith('-')) assert.equal(new Set(picked).size, picked.length);
  }
});

test('HSCAN over a large hashtable returns every field exactly once across the cursor', async (t) => {
  if (!pair) return t.skip('redis-server not installed');
  const c = pair.ksConn;
  const n = 5000;
  const batch: string[] = [];
  for (let i = 0; i < n; i++) batch.push(`field:${i}`, String(i));
  await c.call('HSET', 'bigscan', ...batch);
  const seen = new Map<string, number>();
  let cursor = '0';
  let rounds = 0;
  do {
    const reply = await c.call('HSCAN', 'bigscan', cursor, 'COUNT', '100');
    const outer = splitAggregate(reply)!;
    cursor = outer.items[0].split('\r\n')[1];
    const items = splitAggregate(outer.items[1])!.items.map((x) => x.split('\r\n')[1]);
    for (let i = 0; i < items.length; i += 2) seen.set(items[i], (seen.get(items[i]) ?? 0) + 1);
    // Fields deleted mid-scan must not disturb the others.
    if (rounds === 3) await c.call('HDEL', 'bigscan', 'field:4999', 'field:10');
    rounds++;
  } while (cursor !== '0' && rounds < 10000);
  for (let i = 0; i < n; i++) {
    if (i === 4999 || i === 10) continue;
    assert.equal(seen.get(`field:${i}`), 1, `field:${i}`);
  }
});
