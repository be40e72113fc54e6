/**
 * HyperLogLog against redis-server 7.0: the same PFADD/PFCOUNT/PFMERGE streams must leave
 * byte-identical strings (compared with GET) and identical counts, through sparse updates,
 * promotion to dense, merges of sparse and dense inputs, cached cardinalities, wrong types and
 * corrupted HLL strings.
 */
import { test } from 'node:test';
import { pairHooks, startPair, rng, pick, type Pair, sameReply as same } from '../helpers/diff.js';

let pair: Pair | null = null;

pairHooks((p) => (pair = p));

function element(r: () => number): string {
  const x = r();
  if (x < 0.1) return pick(r, ['', '\r\n', 'a\0b', '\xff\xfe\xfd', 'x'.repeat(100)]);
  return `e${Math.floor(r() * 1e9)}`;
}

test('PFADD / PFCOUNT / PFMERGE leave identical HLL strings and counts', async (t) => {
  if (!pair) return t.skip('redis-server not installed');
  const p = pair;
  const r = rng(7);
  const keys = ['h1', 'h2', 'h3', 'h4'];
  let n = 0;
  for (let round = 0; round < 600; round++) {
    const x = r();
    const ctx = `round ${round}`;
    if (x < 0.55) {
      // Small PFADDs keep keys sparse; occasional big ones push them to dense.
      const count = r() < 0.05 ? 400 + Math.floor(r() * 800) : Math.floor(r() * 6);
      const argv = ['PFADD', pick(r, keys), ...Array.from({ length: count }, () => element(r))];
      await same(p, argv, ctx);
      await same(p, ['GET', argv[1]], ctx);
    } else if (x < 0.75) {
      const ks = Array.from({ length: 1 + Math.floor(r() * 3) }, () => pick(r, keys));
      await same(p, ['PFCOUNT', ...ks], ctx);
      if (ks.length === 1) await same(p, ['GET', ks[0]], ctx);
    } else if (x < 0.85) {
      const dst = pick(r, keys);
      const src = Array.from({ length: Math.floor(r() * 3) }, () => pick(r, keys));
      await same(p, ['PFMERGE', dst, ...src], ctx);
      await same(p, ['GET', dst], ctx);
    } else if (x < 0.9) {
      await same(p, ['DEL', pick(r, keys)], ctx);
    } else {
      await same(p, ['PFADD', pick(r, keys)], ctx);
    }
    n++;
  }
  t.diagnostic(`${n} rounds compared`);
});

test('a single PFADD of many elements promotes to dense exactly as Redis', async (t) => {
  if (!pair) return t.skip('redis-server not installed');
  const r = rng(11);
  for (const size of [50, 700, 2000, 20000]) {
    const key = `big${size}`;
    const els = Array.from({ length: size }, () => element(r));
    await same(pair, ['PFADD', key, ...els], `size ${size}`);
    await same(pair, ['GET', key], `size ${size}`);
    await same(pair, ['PFCOUNT', key], `size ${size}`);
    await same(pair, ['GET', key], `size ${size} cached`);
    await same(pair, ['PFCOUNT', key, 'h1', 'nokey'], `size ${size}`);
    await same(pair, ['PFMERGE', `m${size}`, key, 'big50'], `size ${size}`);
    await same(pair, ['GET', `m${size}`], `size ${size}`);
  }
});

test('wrong types and corrupted HLL strings are rejected as Redis does', async (t) => {
  if (!pair) return t.skip('redis-server not installed');
  const p = pair;
  await same(p, ['PFADD', 'good', 'a', 'b', 'c'], 'setup');
  const good = (await p.redisConn.call('GET', 'good')).split('\r\n')[1];
  const header = good.slice(0, 16);
  const cases: [string, string][] = [
    ['plain', 'hello'],
    ['int', '12345'],
    ['short', 'HYLL'],
    ['badmagic', 'HYLX' + good.slice(4)],
    ['badenc', 'HYLL\x02' + good.slice(5)],
    ['shortdense', 'HYLL\x00' + good.slice(5)],
    ['sparse-short', header + '\x7f\xfe'],
    ['sparse-long', header + '\x7f\xff\x00'],
    ['sparse-empty', header],
    ['sparse-val', header + '\x7f\xfe\x80'],
  ];
  for (const [key, value] of cases) {
    await same(p, ['SET', key, value], key);
    await same(p, ['PFADD', key, 'x', 'y'], key);
    await same(p, ['PFCOUNT', key], key);
    await same(p, ['PFCOUNT', key, 'good'], key);
    await same(p, ['PFMERGE', 'dst', key], key);
    await same(p, ['PFMERGE', key, 'good'], key);
    await same(p, ['GET', key], key);
  }
  await same(p, ['SADD', 'aset', 'x'], 'set');
  await same(p, ['PFADD', 'aset', 'x'], 'set');
  await same(p, ['PFCOUNT', 'aset'], 'set');
  await same(p, ['PFCOUNT', 'good', 'aset'], 'set');
  await same(p, ['PFMERGE', 'good', 'aset'], 'set');
  await same(p, ['PFMERGE', 'aset', 'good'], 'set');
});

test('a small hll-sparse-max-bytes promotes to dense at the same point as Redis', async (t) => {
  if (!pair) return t.skip('redis-server not installed');
  const small = await startPair(['--hll-sparse-max-bytes', '60']);
  try {
    const r = rng(5);
    for (let i = 0; i < 60; i++) {
      const argv = ['PFADD', `k${i % 3}`, ...Array.from({ length: 1 + (i % 4) }, () => element(r))];
      await same(small, argv, `#${i}`);
      await same(small, ['GET', argv[1]], `#${i}`);
      if (i % 10 === 9) await same(small, ['PFMERGE', 'km', 'k0', 'k1', 'k2'], `#${i}`);
      if (i % 10 === 9) await same(small, ['GET', 'km'], `#${i}`);
    }
  } finally {
    await small.stop();
  }
});
