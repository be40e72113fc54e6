/**
 * SORT and SORT_RO against redis-server 7.0: seeded random calls over lists, sets and sorted
 * sets of every encoding, with BY patterns (strings, hash fields, missing keys, constants),
 * LIMIT, GET, ASC/DESC, ALPHA and STORE, compared byte for byte, with the stored lists and the
 * sorted set's encoding (SORT converts it) read back; then the errors.
 *
 * Calls whose order Redis leaves to its hash tables or to an unstable partial sort are left
 * out: a set in its own order without STORE, and ALPHA by a pattern that ties (missing keys)
 * on a set, a sorted set or with LIMIT.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pairHooks, startPair, rng, pick, type Pair, sameReply as same } from '../helpers/diff.js';

let pair: Pair | null = null;

pairHooks((p) => (pair = p));

/** Element values: numbers of several forms, plain words, and a few odd strings. */
const NUMBERS = ['1', '2', '10', '-3', '2.5', '1e3', ' 7', '0x10', 'inf', '-inf', '', '0', '-0'];
const WORDS = ['apple', 'banana', 'cherry', 'date', 'fig', 'grape', 'kiwi', 'lemon'];
/** Equal to ALPHA without STORE (strcoll stops at a NUL): only in lists, which keep ties in order. */
const NUL_WORDS = ['a\0b', 'a\0c'];

async function load(
  p: Pair,
  r: () => number,
): Promise<{ keys: string[]; kinds: Map<string, string> }> {
  const kinds = new Map<string, string>();
  const elements = (n: number, numeric: boolean) =>
    Array.from({ length: n }, (_, i) =>
      numeric
        ? r() < 0.7
          ? String(Math.floor(r() * 50) - 10)
          : pick(r, NUMBERS)
        : `${pick(r, WORDS)}${i % 7}`,
    );
  const setup: string[][] = [];
  for (const [name, n, numeric] of [
    ['ln', 12, true],
    ['lw', 12, false],
    ['lbig', 300, true],
    ['lwbig', 200, false],
  ] as const) {
    setup.push(['RPUSH', name, ...elements(n, numeric)]);
    if (!numeric) setup.push(['RPUSH', name, ...NUL_WORDS]);
    kinds.set(name, 'list');
  }
  for (const [name, n, numeric] of [
    ['si', 10, true],
    ['sw', 10, false],
    ['sbig', 400, false],
  ] as const) {
    setup.push(['SADD', name, ...elements(n, numeric)]);
    kinds.set(name, 'set');
  }
  setup.push(['SADD', 'sint', ...Array.from({ length: 20 }, () => String(Math.floor(r() * 1000)))]);
  kinds.set('sint', 'set');
  for (const [name, n] of [
    ['zs', 10],
    ['zbig', 300],
  ] as const) {
    const args: string[] = [];
    for (let i = 0; i < n; i++) args.push(String(Math.floor(r() * 100)), `m${i}`);
    setup.push(['ZADD', name, ...args]);
    kinds.set(name, 'zset');
  }
  // BY and GET targets: a unique weight per element (so ALPHA by them never ties), and hashes.
  const all = new Set<string>();
  for (const cmd of setup) for (const e of cmd.slice(cmd[0] === 'ZADD' ? 3 : 2)) all.add(e);
  for (const cmd of setup.filter((x) => x[0] === 'ZADD'))
    for (let i = 3; i < cmd.length; i += 2) all.add(cmd[i]);
  let w = 0;
  for (const e of all) {
    setup.push(['SET', `w_${e}`, String((w * 7919) % 1000) + `.${w}`]);
    if (r() < 0.8) setup.push(['HSET', `h_${e}`, 'f', `v${(w * 31) % 97}-${w}`, 'g', e]);
    w++;
  }
  setup.push(['SET', 'str', 'x'], ['HSET', 'hash', 'a', 'b']);
  for (const cmd of setup) await same(p, cmd, 'setup');
  return { keys: [...kinds.keys()], kinds };
}

test('random SORT / SORT_RO calls reply and store as Redis', async (t) => {
  if (!pair) return t.skip('redis-server not installed');
  const p = pair;
  const r = rng(2024);
  const { keys, kinds } = await load(p, r);
  let n = 0;
  for (let round = 0; round < 700; round++) {
    const key = pick(r, keys);
    const kind = kinds.get(key)!;
    const ro = r() < 0.25;
    const argv = [ro ? 'SORT_RO' : 'SORT', key];
    let by: string | null = null;
    const x = r();
    if (x < 0.25) by = 'w_*';
    else if (x < 0.4) by = 'h_*->f';
    else if (x < 0.47) by = 'nosort';
    else if (x < 0.52) by = 'missing_*';
    if (by !== null) argv.push('BY', by);
    const limited = r() < 0.35;
    if (limited) {
      const start = Math.floor(r() * 14) - 2;
      argv.push('LIMIT', String(start), String(Math.floor(r() * 12) - 2));
    }
    const getCount = r() < 0.3 ? 1 + Math.floor(r() * 3) : 0;
    for (let i = 0; i < getCount; i++)
      argv.push('GET', pick(r, ['#', 'w_*', 'h_*->g', 'h_*->nofield', 'nokey_*', 'const']));
    if (r() < 0.4) argv.push(r() < 0.5 ? 'ASC' : 'DESC');
    const alpha = kind === 'zset' || r() < 0.5;
    if (alpha) argv.push('ALPHA');
    const store = !ro && r() < 0.3;
    if (store) argv.push('STORE', 'dst');
    const ownOrder = by === 'nosort';
    if (kind === 'set' && ownOrder && !store) continue;
    if (alpha && (by === 'missing_*' || by === 'h_*->f') && (kind !== 'list' || limited)) continue;
    // Numbers only sort numerically; word lists fail the same way on both, and that is compared.
    const ctx = `round ${round}`;
    await same(p, argv, ctx);
    if (store) await same(p, ['LRANGE', 'dst', '0', '-1'], ctx);
    if (kind === 'zset') await same(p, ['OBJECT', 'ENCODING', key], ctx);
    n++;
  }
  t.diagnostic(`${n} SORT calls compared`);
});

test('SORT errors, missing keys and STORE of nothing as Redis', async (t) => {
  if (!pair) return t.skip('redis-server not installed');
  const p = pair;
  await same(p, ['RPUSH', 'l', '3', '1', '2'], 'setup');
  await same(p, ['SET', 'dst2', 'old'], 'setup');
  for (const argv of [
    ['SORT', 'str'],
    ['SORT', 'hash'],
    ['SORT', 'nokey'],
    ['SORT', 'nokey', 'STORE', 'dst2'],
    ['EXISTS', 'dst2'],
    ['SORT', 'l', 'LIMIT', '1'],
    ['SORT', 'l', 'LIMIT', 'a', '1'],
    ['SORT', 'l', 'LIMIT', '0', 'b'],
    ['SORT', 'l', 'BOGUS'],
    ['SORT', 'l', 'BY'],
    ['SORT', 'l', 'GET'],
    ['SORT_RO', 'l', 'STORE', 'x'],
    ['SORT', 'lw', 'STORE', 'dst3'],
    ['SORT', 'l', 'STORE', 'str'],
    ['TYPE', 'str'],
    ['SORT'],
    ['SORT_RO'],
    ['COMMAND', 'GETKEYS', 'SORT', 'l', 'LIMIT', '0', '1', 'STORE', 'a', 'GET', 'x', 'STORE', 'b'],
    ['COMMAND', 'GETKEYS', 'SORT_RO', 'l', 'GET', 'x'],
  ]) {
    await same(p, argv, 'errors');
  }
});

test('in cluster mode BY and GET patterns are refused and STORE must share the slot', async (t) => {
  if (!pair) return t.skip('redis-server not installed');
  const c = await startPair(['--cluster-enabled', 'yes']);
  try {
    for (const conn of [c.ksConn, c.redisConn]) {
      assert.equal(await conn.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383'), '+OK\r\n');
    }
    const up = async (conn: typeof c.ksConn) => {
      for (let i = 0; i < 200; i++) {
        if ((await conn.call('CLUSTER', 'INFO')).includes('cluster_state:ok')) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error('cluster never came up');
    };
    await Promise.all([up(c.ksConn), up(c.redisConn)]);
    for (const argv of [
      ['RPUSH', '{k}l', '3', '1', '2'],
      ['SORT', '{k}l'],
      ['SORT', '{k}l', 'BY', 'w_*'],
      ['SORT', '{k}l', 'BY', 'nosort', 'DESC'],
      ['SORT', '{k}l', 'GET', '#'],
      ['SORT_RO', '{k}l', 'GET', 'x_*'],
      ['SORT', '{k}l', 'STORE', '{k}dst'],
      ['SORT', '{k}l', 'STORE', 'elsewhere'],
      ['LRANGE', '{k}dst', '0', '-1'],
    ]) {
      await same(c, argv, 'cluster');
    }
  } finally {
    await c.stop();
  }
});
