/**
 * Shared by the string and bitmap differential tests: runs a generated command stream against
 * keyshard and redis-server side by side and fails on the first reply that differs, showing
 * the commands that led to it. A non-string key named 'wrong' is recreated every 50 commands
 * so that WRONGTYPE paths stay exercised even after a write turned it into a string.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redisServerOrSkip } from '../helpers/procs.js';
import { rng, type Pair } from '../helpers/diff.js';

/** A command creating the non-string key 'wrong' (the first collection type keyshard has). */
async function wrongTypeCommand(p: Pair): Promise<string[]> {
  for (const cmd of [
    ['SADD', 'wrong', 'm'],
    ['RPUSH', 'wrong', 'm'],
    ['HSET', 'wrong', 'f', 'v'],
  ]) {
    await p.ksConn.call('DEL', 'wrong');
    if ((await p.ksConn.call(...cmd)).startsWith(':')) {
      await Promise.all([p.ksConn.call('DEL', 'wrong'), p.redisConn.call('DEL', 'wrong')]);
      return cmd;
    }
  }
  throw new Error('keyshard has no collection command to create a wrong-type key');
}

/** Sends each command to both servers; asserts identical raw replies. */
export async function compareWithHistory(p: Pair, cmds: string[][]): Promise<void> {
  const history: string[] = [];
  for (const argv of cmds) {
    let a: string;
    let b: string;
    try {
      [a, b] = await Promise.all([p.ksConn.call(...argv), p.redisConn.call(...argv)]);
    } catch (e) {
      throw new Error(`${JSON.stringify(argv).slice(0, 300)} failed: ${(e as Error).message}`);
    }
    history.push(`${JSON.stringify(argv)} -> ${JSON.stringify(b)}`);
    if (history.length > 12) history.shift();
    if (a !== b) {
      assert.fail(
        `mismatch for ${JSON.stringify(argv)}\nkeyshard: ${JSON.stringify(a)}\nredis:    ` +
          `${JSON.stringify(b)}\nafter:\n${history.slice(0, -1).join('\n')}`,
      );
    }
  }
}

/** Runs `n` commands from `gen` seeded with `seed` on both servers. */
export async function runStream(
  p: Pair,
  seed: number,
  n: number,
  gen: (r: () => number) => string[],
): Promise<void> {
  const mkWrong = await wrongTypeCommand(p);
  const r = rng(seed);
  const cmds: string[][] = [];
  for (let i = 0; i < n; i++) {
    if (i % 50 === 0) cmds.push(['DEL', 'wrong'], mkWrong);
    cmds.push(gen(r));
  }
  await compareWithHistory(p, cmds);
}

/** Compares the final values of `keys` with GET on both servers. */
export async function compareValues(p: Pair, keys: string[]): Promise<void> {
  for (const k of keys) {
    const a = await p.ksConn.call('GET', k);
    const b = await p.redisConn.call('GET', k);
    assert.equal(JSON.stringify(a), JSON.stringify(b), `final value of ${k}`);
  }
}

/**
 * Registers the two stream tests a family runs: seeds 1-3 in RESP2 (then the final values of
 * `keys` compared) and one seed in RESP3. `pair()` is read when the tests run.
 */
export function streamTests(
  family: string,
  pair: () => Pair | null,
  keys: string[],
  gen: (r: () => number) => string[],
  resp3Seed: number,
): void {
  test(`random ${family} command streams match redis-server (RESP2)`, async (t) => {
    const p = pair();
    if (!redisServerOrSkip(t) || !p) return;
    for (const c of [p.ksConn, p.redisConn]) await c.call('FLUSHALL');
    for (const seed of [1, 2, 3]) await runStream(p, seed, 1500, gen);
    await compareValues(p, keys);
  });

  test(`random ${family} command streams match redis-server (RESP3)`, async (t) => {
    const p = pair();
    if (!redisServerOrSkip(t) || !p) return;
    for (const c of [p.ksConn, p.redisConn]) {
      await c.call('FLUSHALL');
      await c.call('HELLO', '3');
    }
    await runStream(p, resp3Seed, 1500, gen);
    for (const c of [p.ksConn, p.redisConn]) await c.call('HELLO', '2');
  });
}
