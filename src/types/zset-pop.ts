/**
 * ZPOPMIN, ZPOPMAX, ZMPOP and their blocking forms BZPOPMIN, BZPOPMAX, BZMPOP. Pops are
 * deterministic, so ZPOPMIN/ZPOPMAX propagate as sent; ZMPOP and every blocking pop propagate
 * as ZPOPMIN/ZPOPMAX key [count] for the key actually served. A blocking pop with nothing to
 * serve waits on all its keys through src/server/blocking.ts (inside MULTI it answers null).
 */
import { parseMpop, type MpopArgs } from '../commands/mpop-args.js';
import type { Handler } from '../commands/table.js';
import type { Client } from '../server/client.js';
import { blockForKeys, canBlock, parseBlockTimeout } from '../server/blocking.js';
import { lookupZset, ZSetValue } from './zset.js';
import { parseLong } from '../util/parse.js';

export type PopShape = 'flat' | 'nested' | 'key-flat' | 'key-nested';

/**
 * Pops up to `count` elements from `z` (at `key`) and replies in `shape`; deletes the key when
 * it empties. Shared with the blocking variants.
 */
export function popAndReply(
  c: Client,
  key: string,
  z: ZSetValue,
  max: boolean,
  count: number,
  shape: PopShape,
): void {
  const n = Math.min(count, z.size);
  const r = c.reply;
  if (shape === 'flat') r.array(n * 2);
  else if (shape === 'nested') r.array(n);
  else if (shape === 'key-flat') {
    r.array(n * 2 + 1);
    r.bulk(key);
  } else {
    r.array(2);
    r.bulk(key);
    r.array(n);
  }
  const nested = shape === 'nested' || shape === 'key-nested';
  for (let i = 0; i < n; i++) {
    const end = max ? z.last()! : z.first()!;
    if (nested) r.array(2);
    r.bulk(end.member);
    r.double(end.score);
    // By rank: no search by key in the tree.
    const rank = max ? z.size - 1 : 0;
    z.removeRanks(rank, rank);
  }
  if (z.size === 0) c.db.delete(key);
  c.server.dirty += n;
}

function zpopCommand(max: boolean): Handler {
  return (c, argv) => {
    if (argv.length > 3) return c.reply.err('syntax error');
    let count = -1;
    if (argv.length === 3) {
      const n = parseLong(argv[2]);
      if (n === null || n < 0) return c.reply.err('value is out of range, must be positive');
      count = n;
    }
    const z = lookupZset(c, argv[1]);
    if (z === null) return;
    if (z === undefined || count === 0) return c.reply.array(0);
    const shape = c.reply.resp === 3 && count !== -1 ? 'nested' : 'flat';
    popAndReply(c, argv[1], z, max, count === -1 ? 1 : count, shape);
  };
}

/** MIN or MAX: whether to pop the highest scores. */
export function parseMinMax(word: string): boolean | null {
  const w = word.toLowerCase();
  return w === 'max' ? true : w === 'min' ? false : null;
}

/**
 * ZMPOP on the first non-empty key; false when none had elements (nothing replied).
 * WRONGTYPE stops at the first key of another type; returns true then (error replied).
 */
export function mpopFirst(c: Client, a: MpopArgs<boolean>): boolean {
  for (const key of a.keys) {
    const z = lookupZset(c, key);
    if (z === null) return true;
    if (z === undefined) continue;
    popAndReply(c, key, z, a.where, a.count, 'key-nested');
    c.propagateAs = [[a.where ? 'ZPOPMAX' : 'ZPOPMIN', key, String(a.count)]];
    return true;
  }
  return false;
}

/** The argv a pop is replicated as. */
function popArgv(key: string, max: boolean, count: number | null): string[] {
  const argv = [max ? 'ZPOPMAX' : 'ZPOPMIN', key];
  if (count !== null) argv.push(String(count));
  return argv;
}

/**
 * The blocking pops: serve the first non-empty zset at once, else wait on every key. `count`
 * is null for BZPOPMIN/BZPOPMAX (flat [key, member, score] reply) and a number for BZMPOP.
 */
function blockingPop(
  c: Client,
  keys: string[],
  max: boolean,
  count: number | null,
  deadline: number,
): void {
  const shape: PopShape = count === null ? 'key-flat' : 'key-nested';
  const n = count ?? 1;
  for (const key of keys) {
    const z = lookupZset(c, key);
    if (z === null) return;
    if (z === undefined) continue;
    popAndReply(c, key, z, max, n, shape);
    c.propagateAs = [popArgv(key, max, count)];
    return;
  }
  if (!canBlock(c)) {
    c.reply.nilArray();
    return;
  }
  blockForKeys(c, keys, deadline, (key) => {
    const z = c.db.get(key);
    if (!(z instanceof ZSetValue) || z.size === 0) return false;
    popAndReply(c, key, z, max, n, shape);
    c.server.propagate(c.db.id, [popArgv(key, max, count)]);
    c.server.keyWritten(c.db, key);
    return true;
  });
}

function bzpopCommand(max: boolean): Handler {
  return (c, argv) => {
    const deadline = parseBlockTimeout(c, argv[argv.length - 1]);
    if (deadline !== null) blockingPop(c, argv.slice(1, -1), max, null, deadline);
  };
}

export const zsetPopCommands: Record<string, Handler> = {
  zpopmin: zpopCommand(false),
  zpopmax: zpopCommand(true),

  zmpop(c, argv) {
    const a = parseMpop(c, argv, 1, parseMinMax);
    if (a && !mpopFirst(c, a)) c.reply.nilArray();
  },

  bzpopmin: bzpopCommand(false),
  bzpopmax: bzpopCommand(true),

  bzmpop(c, argv) {
    const a = parseMpop(c, argv, 2, parseMinMax);
    if (!a) return;
    const deadline = parseBlockTimeout(c, argv[1]);
    if (deadline !== null) blockingPop(c, a.keys, a.where, a.count, deadline);
  },
};
