/**
 * Differential streams for the foundation commands (connection, keys, expiry, strings,
 * transactions) in RESP2 and RESP3: seeded, a few thousand commands each run, compared with
 * redis-server byte for byte. Commands keyshard does not serve yet are left out automatically.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPair, type Pair } from '../helpers/diff.js';
import { hasRedisServer, redisServerOrSkip } from '../helpers/procs.js';
import { excluded, implemented, runStream, seedsToRun, type CommandSpec } from './framework.js';
import {
  connectionSpecs,
  expireSpecs,
  keySpecs,
  stringSpecs,
  transactionSpecs,
} from './foundation.js';

let pair: Pair | null = null;
let specs: CommandSpec[] = [];

before(async () => {
  if (!hasRedisServer() && !process.env.CI) return;
  pair = await startPair();
  const all = [...connectionSpecs, ...keySpecs, ...expireSpecs, ...stringSpecs];
  const served = await implemented(pair, [...all.map((s) => s.name), 'multi']);
  specs = all.filter((s) => served.has(s.name) && !excluded().has(s.name));
  if (served.has('multi')) specs.push(...transactionSpecs(specs));
});
after(async () => {
  await pair?.stop();
});

async function streams(resp: 2 | 3, base: number): Promise<number> {
  // HELLO's reply carries the client id, which differs; only the switch matters here.
  const setup = resp === 3 ? [['HELLO', '3']] : [];
  let n = 0;
  for (const seed of seedsToRun(6, base)) n += await runStream(pair!, specs, seed, 600, setup);
  return n;
}

test('foundation streams match redis-server (RESP2)', async (t) => {
  if (!redisServerOrSkip(t)) return;
  assert.ok(specs.length > 0, 'keyshard serves none of the foundation commands');
  t.diagnostic(`commands compared: ${specs.map((s) => s.name).join(' ')}`);
  t.diagnostic(`${await streams(2, 1)} commands compared`);
});

test('foundation streams match redis-server (RESP3)', async (t) => {
  if (!redisServerOrSkip(t)) return;
  t.diagnostic(`${await streams(3, 1001)} commands compared`);
});
