/**
 * List operations shared by the plain commands and by blocked clients being served later
 * (LPOP/BLPOP, LMPOP/BLMPOP, LMOVE/BLMOVE): each one pops, replies, deletes an emptied key,
 * counts the change and says what to propagate, exactly as the non-blocking command would.
 */
import type { Client } from '../server/client.js';
import type { Db } from '../keyspace/db.js';
import { ListValue } from './list.js';

export const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';

export type End = 'left' | 'right';

/**
 * The list at `key`, undefined when missing, or null after replying WRONGTYPE. A `read`
 * lookup counts a keyspace hit or miss, as Redis's lookupKeyRead does (writes do not).
 */
export function lookupList(
  c: Client,
  db: Db,
  key: string,
  read = false,
): ListValue | undefined | null {
  const v = db.get(key);
  if (read) {
    if (v === undefined) c.server.keyspace.misses++;
    else c.server.keyspace.hits++;
  }
  if (v === undefined) return undefined;
  if (v instanceof ListValue) return v;
  c.reply.error(WRONGTYPE);
  return null;
}

/** LEFT / RIGHT, case-insensitive; null when it is neither. */
export function parseEnd(s: string): End | null {
  const l = s.toLowerCase();
  return l === 'left' || l === 'right' ? l : null;
}

export function popEnd(list: ListValue, end: End): string {
  return (end === 'left' ? list.popFront() : list.popBack())!;
}

export function pushEnd(list: ListValue, end: End, v: string): void {
  if (end === 'left') list.pushFront(v);
  else list.pushBack(v);
}

/** Removes `key` once its list is empty, as Redis never keeps empty collections. */
export function dropIfEmpty(db: Db, key: string, list: ListValue): void {
  if (list.length === 0) db.remove(key);
}

/**
 * LMPOP's pop: up to `count` elements from one end, replied as [key, [elements]]. Returns the
 * deterministic form to propagate (LPOP/RPOP key n).
 */
export function popManyWithKey(
  c: Client,
  db: Db,
  key: string,
  list: ListValue,
  end: End,
  count: number,
): string[] {
  const n = Math.min(count, list.length);
  c.reply.array(2);
  c.reply.bulk(key);
  c.reply.array(n);
  for (let i = 0; i < n; i++) c.reply.bulk(popEnd(list, end));
  dropIfEmpty(db, key, list);
  c.server.dirty += n;
  return [end === 'left' ? 'LPOP' : 'RPOP', key, String(n)];
}

/** BLPOP/BRPOP's pop: one element replied as [key, element]; propagated as LPOP/RPOP key. */
export function popOneWithKey(c: Client, db: Db, key: string, list: ListValue, end: End): string[] {
  const v = popEnd(list, end);
  c.reply.array(2);
  c.reply.bulk(key);
  c.reply.bulk(v);
  dropIfEmpty(db, key, list);
  c.server.dirty++;
  return [end === 'left' ? 'LPOP' : 'RPOP', key];
}

/**
 * LMOVE's move from a non-empty `src` list. The destination is checked first: a WRONGTYPE
 * destination is answered and nothing moves (returns false).
 */
export function moveOne(
  c: Client,
  db: Db,
  srcKey: string,
  src: ListValue,
  dstKey: string,
  from: End,
  to: End,
): boolean {
  let dst = lookupList(c, db, dstKey);
  if (dst === null) return false;
  const v = popEnd(src, from);
  if (dst === undefined) {
    dst = new ListValue();
    db.set(dstKey, dst);
  }
  pushEnd(dst, to, v);
  // Checked after the push: with src == dst the list is never emptied.
  dropIfEmpty(db, srcKey, src);
  c.server.dirty++;
  c.reply.bulk(v);
  return true;
}
