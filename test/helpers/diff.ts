/**
 * Differential testing: the same command stream goes to keyshard and to a real redis-server
 * 7.0 started side by side, and the raw reply bytes must match. Replies whose order Redis leaves
 * unspecified (SMEMBERS, KEYS, HGETALL, ...) are compared after sorting their elements.
 */
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { redisServerOrSkip, startKeyshard, startRedis, type ServerProc } from './procs.js';
import { RawConn, replyEnd } from './raw.js';

export interface Pair {
  ks: ServerProc;
  redis: ServerProc;
  ksConn: RawConn;
  redisConn: RawConn;
  stop(): Promise<void>;
}

/** Starts keyshard and redis-server with the same extra arguments, one connection to each. */
export async function startPair(args: string[] = []): Promise<Pair> {
  const [ks, redis] = await Promise.all([startKeyshard({ args }), startRedis({ args })]);
  const [ksConn, redisConn] = await Promise.all([RawConn.open(ks.port), RawConn.open(redis.port)]);
  return {
    ks,
    redis,
    ksConn,
    redisConn,
    async stop() {
      ksConn.close();
      redisConn.close();
      await Promise.all([ks.stop(), redis.stop()]);
    },
  };
}

/** Sends `argv` to both servers and asserts the raw replies are equal; returns keyshard's. */
export async function sameReply(p: Pair, argv: string[], ctx: string): Promise<string> {
  const [a, b] = await Promise.all([p.ksConn.call(...argv), p.redisConn.call(...argv)]);
  assert.equal(a, b, `${ctx} ${JSON.stringify(argv).slice(0, 300)}`);
  return a;
}

/**
 * A pair for the whole test file: started before its tests when redis-server is there (each
 * test then checks for it itself), handed to `onStart`, stopped after the last test.
 */
export function pairHooks(onStart: (p: Pair) => unknown, args: string[] = []): void {
  let pair: Pair | null = null;
  before(async () => {
    if (!redisServerOrSkip({ skip: () => undefined })) return;
    pair = await startPair(args);
    await onStart(pair);
  });
  after(async () => {
    await pair?.stop();
  });
}

/** Splits an aggregate reply into its header and the raw bytes of each element. */
export function splitAggregate(reply: string): { head: string; items: string[] } | null {
  const t = reply[0];
  if (!'*~%'.includes(t)) return null;
  const buf = Buffer.from(reply, 'latin1');
  const cr = buf.indexOf('\r\n');
  const head = reply.slice(0, cr + 2);
  let n = Number(reply.slice(1, cr));
  if (n < 0) return null;
  if (t === '%') n *= 2;
  const items: string[] = [];
  let p = cr + 2;
  for (let i = 0; i < n; i++) {
    const e = replyEnd(buf, p);
    items.push(buf.toString('latin1', p, e));
    p = e;
  }
  return { head, items };
}

/** Canonical form of an unordered reply: elements (or map pairs) sorted. */
export function sortedReply(reply: string, pairs = false): string {
  const agg = splitAggregate(reply);
  if (!agg) return reply;
  if (!pairs && reply[0] !== '%') return agg.head + [...agg.items].sort().join('');
  const grouped: string[] = [];
  for (let i = 0; i < agg.items.length; i += 2) grouped.push(agg.items[i] + agg.items[i + 1]);
  return agg.head + grouped.sort().join('');
}

export type Normalizer = (argv: string[], reply: string) => string;

/**
 * Sends each command to both servers and asserts identical replies. `normalize` may map a reply
 * to a canonical form (e.g. sortedReply for unordered commands). Returns the number compared.
 */
export async function compareStream(
  pair: Pair,
  commands: string[][],
  normalize: Normalizer = (_a, r) => r,
): Promise<number> {
  let n = 0;
  for (const argv of commands) {
    const [a, b] = await Promise.all([pair.ksConn.call(...argv), pair.redisConn.call(...argv)]);
    const ka = normalize(argv, a);
    const kb = normalize(argv, b);
    if (ka !== kb) {
      assert.equal(
        JSON.stringify(ka),
        JSON.stringify(kb),
        `reply mismatch after ${n} commands for ${JSON.stringify(argv)}`,
      );
    }
    n++;
  }
  return n;
}

export interface PipelineOptions {
  /** Commands sent per round trip (default 64). */
  batch?: number;
  /** Prefix of the failure message, e.g. the seed that replays the stream. */
  label?: string;
}

/**
 * Like compareStream, but pipelines `batch` commands per round trip, which makes streams of
 * thousands of commands take well under a second. Only for commands that answer at once (no
 * blocking commands, no QUIT). A mismatch names the command and the ones just before it.
 */
export async function compareStreamPipelined(
  pair: Pair,
  commands: string[][],
  normalize: Normalizer = (_a, r) => r,
  opts: PipelineOptions = {},
): Promise<number> {
  const batch = opts.batch ?? 64;
  for (let start = 0; start < commands.length; start += batch) {
    const group = commands.slice(start, start + batch);
    for (const argv of group) {
      pair.ksConn.send(...argv);
      pair.redisConn.send(...argv);
    }
    for (let i = 0; i < group.length; i++) {
      const argv = group[i];
      const [a, b] = await Promise.all([pair.ksConn.readReply(), pair.redisConn.readReply()]);
      const ka = normalize(argv, a);
      const kb = normalize(argv, b);
      if (ka === kb) continue;
      const n = start + i;
      const before = commands.slice(Math.max(0, n - 8), n).map((c) => JSON.stringify(c));
      assert.equal(
        JSON.stringify(ka),
        JSON.stringify(kb),
        `${opts.label ?? ''} reply mismatch at command ${n} ${JSON.stringify(argv)} (keyshard actual, redis expected); preceded by:\n  ${before.join('\n  ')}`,
      );
    }
  }
  return commands.length;
}

/** A small deterministic PRNG (mulberry32) so a failing seed replays exactly. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(r: () => number, items: readonly T[]): T {
  return items[Math.floor(r() * items.length)];
}
