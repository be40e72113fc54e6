/**
 * Foundation command families for differential streams: connection, keys, expiry, strings and
 * transactions. Only deterministic forms are generated: no RANDOMKEY/SCAN/TIME/INFO, relative
 * expiries long and varied enough that timing cannot change a reply, absolute expiries only in the
 * past, no PTTL/EXPIRETIME.
 */
import type { CommandSpec, Ctx } from './framework.js';

const opt = (ctx: Ctx, p: number, ...words: string[]) => (ctx.chance(p) ? words : []);

/**
 * A relative expiry (seconds, or ms with unit 1000) drawn from a wide range: two equal relative
 * expiries on one key compare equal or not depending on whether a millisecond passed between
 * them, which differs between servers (GT/LT would answer differently by timing alone).
 */
const relative = (c: Ctx, unit: number) => String((100 + c.int(0, 100000)) * unit);

export const connectionSpecs: CommandSpec[] = [
  { name: 'ping', gen: (c) => (c.chance(0.5) ? ['PING'] : ['PING', c.value()]) },
  { name: 'echo', gen: (c) => ['ECHO', c.value()] },
  {
    name: 'select',
    weight: 0.5,
    gen: (c) => ['SELECT', c.pick(['0', '1', '2', '0', '16', '-1', 'x'])],
  },
];

export const keySpecs: CommandSpec[] = [
  { name: 'del', gen: (c) => ['DEL', ...c.keys(1, 3)] },
  { name: 'unlink', weight: 0.3, gen: (c) => ['UNLINK', ...c.keys(1, 3)] },
  { name: 'exists', gen: (c) => ['EXISTS', ...c.keys(1, 4)] },
  { name: 'type', gen: (c) => ['TYPE', c.key()] },
  { name: 'touch', weight: 0.3, gen: (c) => ['TOUCH', ...c.keys(1, 3)] },
  { name: 'rename', gen: (c) => ['RENAME', c.key(), c.key()] },
  { name: 'renamenx', gen: (c) => ['RENAMENX', c.key(), c.key()] },
  {
    name: 'copy',
    gen: (c) => [
      'COPY',
      c.key(),
      c.key(),
      ...opt(c, 0.3, 'DB', c.pick(['0', '1', '99'])),
      ...opt(c, 0.5, 'REPLACE'),
    ],
  },
  { name: 'move', weight: 0.3, gen: (c) => ['MOVE', c.key(), c.pick(['0', '1', '2', '16'])] },
  { name: 'dbsize', weight: 0.5, gen: () => ['DBSIZE'] },
  {
    name: 'keys',
    weight: 0.5,
    unordered: 'items',
    noMulti: true,
    gen: (c) => ['KEYS', c.pick(['*', 's*:1', '*[0-3]', '?', 'nomatch*'])],
  },
  { name: 'object', weight: 0.7, gen: (c) => ['OBJECT', 'ENCODING', c.key()] },
  { name: 'flushdb', weight: 0.05, gen: () => ['FLUSHDB'] },
  {
    name: 'swapdb',
    weight: 0.1,
    gen: (c) => ['SWAPDB', c.pick(['0', '1']), c.pick(['0', '1', '2', 'x'])],
  },
];

export const expireSpecs: CommandSpec[] = [
  {
    name: 'expire',
    gen: (c) => [
      'EXPIRE',
      c.key(),
      c.chance(0.8) ? relative(c, 1) : c.pick(['-1', '0', 'x', '9223372036854775807']),
      ...opt(c, 0.4, c.pick(['NX', 'XX', 'GT', 'LT', 'nx', 'BAD'])),
    ],
  },
  {
    name: 'pexpire',
    gen: (c) => [
      'PEXPIRE',
      c.key(),
      c.chance(0.9) ? relative(c, 1000) : '-5',
      ...opt(c, 0.3, c.pick(['NX', 'XX', 'GT', 'LT'])),
    ],
  },
  {
    name: 'expireat',
    gen: (c) => [
      'EXPIREAT',
      c.key(),
      // Only past times: TTL of a far absolute time rounds differently as the clock ticks.
      c.pick(['1', '1700000000', '-1', 'x']),
    ],
  },
  {
    name: 'pexpireat',
    weight: 0.5,
    gen: (c) => ['PEXPIREAT', c.key(), c.pick(['1', '1700000000000'])],
  },
  { name: 'persist', gen: (c) => ['PERSIST', c.key()] },
  { name: 'ttl', gen: (c) => ['TTL', c.key()] },
];

export const stringSpecs: CommandSpec[] = [
  {
    name: 'set',
    weight: 4,
    gen: (c) => [
      'SET',
      c.key(),
      c.value(),
      ...opt(c, 0.2, c.pick(['NX', 'XX'])),
      ...opt(c, 0.15, 'GET'),
      ...opt(
        c,
        0.15,
        ...c.pick([
          ['EX', '1000'],
          ['PX', '1000000'],
          ['KEEPTTL'],
          ['EX', '0'],
          ['EX', 'x'],
          ['EXAT', '1'],
        ]),
      ),
    ],
  },
  { name: 'get', weight: 4, gen: (c) => ['GET', c.key()] },
  { name: 'setnx', gen: (c) => ['SETNX', c.key(), c.value()] },
  { name: 'setex', gen: (c) => ['SETEX', c.key(), c.pick(['1000', '0', '-1', 'x']), c.value()] },
  {
    name: 'psetex',
    weight: 0.5,
    gen: (c) => ['PSETEX', c.key(), c.pick(['1000000', '0']), c.value()],
  },
  { name: 'getset', gen: (c) => ['GETSET', c.key(), c.value()] },
  { name: 'getdel', gen: (c) => ['GETDEL', c.key()] },
  {
    name: 'getex',
    weight: 0.5,
    gen: (c) => [
      'GETEX',
      c.key(),
      ...opt(c, 0.5, ...c.pick([['EX', '1000'], ['PERSIST'], ['PX', '0']])),
    ],
  },
  { name: 'mget', gen: (c) => ['MGET', ...c.keys(1, 4)] },
  {
    name: 'mset',
    gen: (c) => ['MSET', ...c.keys(1, 3).flatMap((k) => [k, c.value()]), ...opt(c, 0.1, c.key())],
  },
  { name: 'msetnx', gen: (c) => ['MSETNX', ...c.keys(1, 3).flatMap((k) => [k, c.value()])] },
  { name: 'append', weight: 2, gen: (c) => ['APPEND', c.key(), c.value()] },
  { name: 'strlen', gen: (c) => ['STRLEN', c.key()] },
  { name: 'incr', weight: 2, gen: (c) => ['INCR', c.key()] },
  { name: 'decr', gen: (c) => ['DECR', c.key()] },
  { name: 'incrby', weight: 2, gen: (c) => ['INCRBY', c.key(), c.number()] },
  { name: 'decrby', gen: (c) => ['DECRBY', c.key(), c.number()] },
  { name: 'incrbyfloat', weight: 2, gen: (c) => ['INCRBYFLOAT', c.key(), c.number()] },
  {
    name: 'getrange',
    gen: (c) => ['GETRANGE', c.key(), String(c.int(-10, 10)), String(c.int(-10, 70))],
  },
  {
    name: 'substr',
    weight: 0.3,
    gen: (c) => ['SUBSTR', c.key(), String(c.int(-5, 5)), String(c.int(-5, 20))],
  },
  {
    name: 'setrange',
    gen: (c) => ['SETRANGE', c.key(), c.pick(['0', '1', '5', '-1', '100']), c.value()],
  },
  {
    name: 'lcs',
    weight: 0.5,
    gen: (c) => [
      'LCS',
      c.key(),
      c.key(),
      ...opt(c, 0.3, 'LEN'),
      ...opt(c, 0.3, 'IDX'),
      ...opt(c, 0.2, 'MINMATCHLEN', '2'),
      ...opt(c, 0.2, 'WITHMATCHLEN'),
    ],
  },
  // Other types, so WRONGTYPE paths are exercised (only if keyshard serves them).
  { name: 'lpush', weight: 0.3, gen: (c) => ['LPUSH', c.key(), c.value()] },
  { name: 'sadd', weight: 0.3, gen: (c) => ['SADD', c.key(), c.value()] },
  { name: 'hset', weight: 0.3, gen: (c) => ['HSET', c.key(), 'f', c.value()] },
];

/** MULTI ... EXEC/DISCARD around commands drawn from `inner`, with WATCH now and then. */
export function transactionSpecs(inner: CommandSpec[]): CommandSpec[] {
  const usable = inner.filter((s) => !s.noMulti);
  const draw = (c: Ctx): string[] => {
    const g = c.pick(usable).gen(c);
    return (Array.isArray(g[0]) ? (g as string[][])[0] : g) as string[];
  };
  return [
    {
      name: 'multi',
      weight: 2,
      gen(c) {
        const seq: string[][] = [];
        if (c.chance(0.3)) seq.push(['WATCH', ...c.keys(1, 2)]);
        if (c.chance(0.2)) seq.push(draw(c)); // may touch a watched key
        seq.push(['MULTI']);
        for (let i = c.int(0, 4); i > 0; i--) seq.push(draw(c));
        if (c.chance(0.05)) seq.push(['NOSUCHCOMMAND']); // queueing error: EXECABORT
        if (c.chance(0.05)) seq.push(['GET']); // arity error while queueing
        if (c.chance(0.05)) seq.push(['MULTI']); // nested MULTI error
        seq.push(c.chance(0.85) ? ['EXEC'] : ['DISCARD']);
        return seq;
      },
    },
    { name: 'exec', weight: 0.1, gen: () => ['EXEC'] },
    { name: 'discard', weight: 0.1, gen: () => ['DISCARD'] },
    { name: 'unwatch', weight: 0.2, gen: () => ['UNWATCH'] },
  ];
}
