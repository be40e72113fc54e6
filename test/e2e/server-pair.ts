/**
 * A keyshard + redis-server pair shared by the tests of one file, and helpers to send the same
 * commands to both. Comparison tests run in CI (redisServerOrSkip throws there when
 * redis-server is missing).
 */
import assert from 'node:assert/strict';
import { redisServerOrSkip } from '../helpers/procs.js';
import { RawConn } from '../helpers/raw.js';
import { pairHooks, type Pair } from '../helpers/diff.js';

/** Starts a pair with DEBUG enabled before the file's tests and stops it after. */
export function usePair(): (t: { skip(msg: string): void }) => Pair | null {
  let pair: Pair | null = null;
  pairHooks((p) => (pair = p), ['--enable-debug-command', 'yes']);
  return (t) => (redisServerOrSkip(t) ? pair : null);
}

/** Opens one more connection to each server. */
export async function conns(p: Pair): Promise<[RawConn, RawConn]> {
  return Promise.all([RawConn.open(p.ks.port), RawConn.open(p.redis.port)]);
}

/** Sends the same commands on both and asserts identical replies. */
export async function same(
  a: RawConn,
  b: RawConn,
  cmds: string[][],
  norm: (argv: string[], r: string) => string = (_a, r) => r,
): Promise<void> {
  for (const argv of cmds) {
    const [x, y] = await Promise.all([a.call(...argv), b.call(...argv)]);
    assert.equal(norm(argv, x), norm(argv, y), `reply to ${JSON.stringify(argv)}`);
  }
}
