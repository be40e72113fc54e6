/**
 * The seeded differential stream framework. A family describes its commands as data: a name,
 * a weight, a generator of arguments, and whether Redis leaves the reply's order unspecified.
 * A stream draws commands from the families (only those keyshard implements: it asks COMMAND
 * INFO), sends them to keyshard and redis-server, and compares the raw replies byte for byte.
 * A failing stream prints its seed; DIFF_SEED=<n> replays just that one, DIFF_EXCLUDE=a,b leaves
 * commands out.
 */
import {
  pick,
  rng,
  sortedReply,
  compareStreamPipelined,
  type Pair,
  splitAggregate,
} from '../helpers/diff.js';
import { RawConn } from '../helpers/raw.js';

export type Rng = () => number;

export interface Ctx {
  r: Rng;
  /** A key from this stream's small pool, so commands keep meeting the same keys. */
  key(): string;
  keys(min: number, max: number): string[];
  /** A value: small ints, floats, edge-case numbers, text, binary bytes, or empty. */
  value(): string;
  int(lo: number, hi: number): number;
  /** A number-like argument, sometimes malformed, for commands that parse numbers. */
  number(): string;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
}

export interface CommandSpec {
  /** Lowercase command name as COMMAND INFO knows it (`object` for OBJECT ENCODING). */
  name: string;
  /** Relative frequency (default 1). */
  weight?: number;
  /** One command, or a sequence sent in order (a transaction, say). */
  gen(ctx: Ctx): string[] | string[][];
  /** The reply's order is unspecified: compare sorted (`pairs` keeps field/value together). */
  unordered?: 'items' | 'pairs';
  /** Not for use inside MULTI (e.g. its reply would need sorting inside the EXEC array). */
  noMulti?: boolean;
}

const NUMBERS = [
  '0',
  '1',
  '-1',
  '7',
  '100',
  '3.5',
  '-0.25',
  '1e3',
  '10.5e2',
  '9223372036854775807',
  '-9223372036854775808',
  '9223372036854775808',
  ' 1',
  '1 ',
  '0x10',
  '+5',
  '',
  'abc',
  'inf',
  '-inf',
  'nan',
  '1.7976931348623157e308',
  '5e-324',
  '00',
  '-0',
];

export function makeCtx(r: Rng, prefix: string, poolSize = 8): Ctx {
  const pool = Array.from({ length: poolSize }, (_, i) => `${prefix}:${i}`);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const ctx: Ctx = {
    r,
    key: () => pick(r, pool),
    keys: (min, max) => Array.from({ length: int(min, max) }, () => pick(r, pool)),
    int,
    pick: (items) => pick(r, items),
    chance: (p) => r() < p,
    number: () => pick(r, NUMBERS),
    value() {
      const k = r();
      if (k < 0.3) return String(int(-20, 20));
      if (k < 0.4) return pick(r, NUMBERS);
      if (k < 0.7) return pick(r, ['a', 'hello', 'foo bar', 'x'.repeat(int(1, 60)), '']);
      let s = '';
      for (let i = int(0, 24); i > 0; i--) s += String.fromCharCode(int(0, 255));
      return s;
    },
  };
  return ctx;
}

/** DIFF_EXCLUDE=copy,lcs leaves commands out (to look past a known divergence while debugging). */
export function excluded(): Set<string> {
  return new Set((process.env.DIFF_EXCLUDE ?? '').split(',').filter(Boolean));
}

/** Which of `names` keyshard serves (COMMAND INFO answers null for the others). */
export async function implemented(pair: Pair, names: string[]): Promise<Set<string>> {
  const unique = [...new Set(names)];
  const reply = await pair.ksConn.call('COMMAND', 'INFO', ...unique);
  const agg = splitAggregate(reply);
  if (!agg || agg.items.length !== unique.length) {
    throw new Error(
      `COMMAND INFO is needed to pick the commands to compare: ${reply.slice(0, 200)}`,
    );
  }
  const out = new Set<string>();
  agg.items.forEach((item, i) => {
    if (item !== '*-1\r\n' && item !== '$-1\r\n' && item !== '_\r\n') out.add(unique[i]);
  });
  return out;
}

function weighted(r: Rng, specs: CommandSpec[]): CommandSpec {
  const total = specs.reduce((s, c) => s + (c.weight ?? 1), 0);
  let x = r() * total;
  for (const c of specs) {
    x -= c.weight ?? 1;
    if (x < 0) return c;
  }
  return specs[specs.length - 1];
}

/** A seeded stream of `count` commands (sequences count as one draw each). */
export function generate(specs: CommandSpec[], seed: number, count: number): string[][] {
  const r = rng(seed);
  const ctx = makeCtx(r, `s${seed}`);
  const out: string[][] = [];
  while (out.length < count) {
    const g = weighted(r, specs).gen(ctx);
    if (Array.isArray(g[0])) out.push(...(g as string[][]));
    else out.push(g as string[]);
  }
  return out;
}

/** Sorts the replies of commands whose order Redis leaves unspecified. */
export function normalizerFor(specs: CommandSpec[]): (argv: string[], reply: string) => string {
  const unordered = new Map<string, 'items' | 'pairs'>();
  for (const s of specs) if (s.unordered) unordered.set(s.name, s.unordered);
  return (argv, reply) => {
    const how = unordered.get(argv[0].toLowerCase());
    return how ? sortedReply(reply, how === 'pairs') : reply;
  };
}

/**
 * Runs one seeded stream of `count` commands on fresh connections to the pair (so one stream's
 * MULTI, SELECT or RESP3 state never leaks into the next); `setup` runs first on both (e.g.
 * HELLO 3; its replies are not compared). Fails with the seed in the message.
 */
export async function runStream(
  pair: Pair,
  specs: CommandSpec[],
  seed: number,
  count: number,
  setup: string[][] = [],
): Promise<number> {
  pair.ksConn.close();
  pair.redisConn.close();
  [pair.ksConn, pair.redisConn] = await Promise.all([
    RawConn.open(pair.ks.port),
    RawConn.open(pair.redis.port),
  ]);
  // Each stream starts from empty servers, so one stream's divergence cannot leak into the next.
  for (const argv of [['FLUSHALL'], ...setup]) {
    await Promise.all([pair.ksConn.call(...argv), pair.redisConn.call(...argv)]);
  }
  const commands = generate(specs, seed, count);
  return compareStreamPipelined(pair, commands, normalizerFor(specs), {
    label: `seed ${seed} (replay: DIFF_SEED=${seed}):`,
  });
}

export function seedsToRun(n: number, base: number): number[] {
  const only = process.env.DIFF_SEED;
  return only ? [Number(only)] : Array.from({ length: n }, (_, i) => base + i);
}
