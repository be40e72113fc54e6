/**
 * BLPOP, BRPOP, BLMPOP, BLMOVE, BRPOPLPUSH: served at once when a list has elements, else the
 * client waits (src/server/blocking.ts). Inside MULTI/EXEC they answer like the non-blocking
 * form. Every pop is propagated as its non-blocking equivalent (LPOP/RPOP, LPOP key n, LMOVE,
 * RPOPLPUSH), whether served at once or later.
 */
import type { Handler } from './table.js';
import type { Client } from '../server/client.js';
import { ListValue } from '../types/list.js';
import {
  lookupList,
  moveOne,
  parseEnd,
  popManyWithKey,
  popOneWithKey,
  type End,
} from '../types/list-ops.js';
import { parseMpop } from './mpop-args.js';
import { blockForKeys, canBlock, parseBlockTimeout } from '../server/blocking.js';

/** The non-empty list at `key` for a blocked client, or null when there is nothing for it. */
function readyList(c: Client, key: string): ListValue | null {
  const v = c.db.get(key);
  return v instanceof ListValue && v.length > 0 ? v : null;
}

/**
 * BLPOP/BRPOP (count undefined) and BLMPOP (count given): pops from the first non-empty list,
 * else blocks on all of them.
 */
function blockingPop(
  c: Client,
  keys: string[],
  deadline: number,
  end: End,
  count: number | undefined,
): void {
  const popFrom = (key: string, list: ListValue): string[] =>
    count === undefined
      ? popOneWithKey(c, c.db, key, list, end)
      : popManyWithKey(c, c.db, key, list, end, count);
  for (const key of keys) {
    const list = lookupList(c, c.db, key);
    if (list === null) return;
    if (list === undefined) continue;
    c.propagateAs = [popFrom(key, list)];
    return;
  }
  if (!canBlock(c)) {
    c.reply.nilArray();
    return;
  }
  blockForKeys(c, keys, deadline, (key) => {
    const list = readyList(c, key);
    if (!list) return false;
    c.server.propagate(c.db.id, [popFrom(key, list)]);
    c.server.keyWritten(c.db, key);
    return true;
  });
}

function blockingMove(
  c: Client,
  argv: string[],
  from: End,
  to: End,
  timeoutArg: string,
  propagateName: 'LMOVE' | 'RPOPLPUSH',
): void {
  const deadline = parseBlockTimeout(c, timeoutArg);
  if (deadline === null) return;
  const [, src, dst] = argv;
  const asMove =
    propagateName === 'LMOVE' ? ['LMOVE', src, dst, from, to] : ['RPOPLPUSH', src, dst];
  const list = lookupList(c, c.db, src);
  if (list === null) return;
  if (list !== undefined) {
    if (moveOne(c, c.db, src, list, dst, from, to)) c.propagateAs = [asMove];
    return;
  }
  if (!canBlock(c)) {
    c.reply.nil();
    return;
  }
  blockForKeys(c, [src], deadline, (key) => {
    const ready = readyList(c, key);
    if (!ready) return false;
    c.server.beforeWrite(c.db, dst);
    // A WRONGTYPE destination is answered and ends the wait; nothing moves.
    if (moveOne(c, c.db, src, ready, dst, from, to)) {
      c.server.propagate(c.db.id, [asMove]);
      c.server.keyWritten(c.db, src);
      c.server.keyWritten(c.db, dst);
    }
    return true;
  });
}

export const blockingListCommands: Record<string, Handler> = {
  blpop(c, argv) {
    const deadline = parseBlockTimeout(c, argv[argv.length - 1]);
    if (deadline !== null) blockingPop(c, argv.slice(1, -1), deadline, 'left', undefined);
  },

  brpop(c, argv) {
    const deadline = parseBlockTimeout(c, argv[argv.length - 1]);
    if (deadline !== null) blockingPop(c, argv.slice(1, -1), deadline, 'right', undefined);
  },

  blmpop(c, argv) {
    const p = parseMpop(c, argv, 2, parseEnd);
    if (!p) return;
    const deadline = parseBlockTimeout(c, argv[1]);
    if (deadline !== null) blockingPop(c, p.keys, deadline, p.where, p.count);
  },

  blmove(c, argv) {
    const from = parseEnd(argv[3]);
    const to = parseEnd(argv[4]);
    if (!from || !to) {
      c.reply.err('syntax error');
      return;
    }
    blockingMove(c, argv, from, to, argv[5], 'LMOVE');
  },

  brpoplpush: (c, argv) => blockingMove(c, argv, 'right', 'left', argv[3], 'RPOPLPUSH'),
};
