/**
 * Expiry commands: EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT (with NX / XX / GT / LT), TTL, PTTL,
 * EXPIRETIME, PEXPIRETIME, PERSIST.
 *
 * Every expiry is replicated as PEXPIREAT with the absolute ms time (options kept), so replicas
 * and the AOF expire the key at the same instant whenever they apply it. An expiry already in
 * the past deletes the key at once and is replicated as DEL (UNLINK with lazyfree-lazy-expire),
 * except on a replica or while loading, where the master's DEL is awaited instead.
 */
import type { Handler } from './table.js';
import type { Client } from '../server/client.js';
import { parseInt64 } from '../util/parse.js';
import { lookupRead } from './keys.js';

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

type Unit = 'seconds' | 'ms';

const NX = 1;
const XX = 2;
const GT = 4;
const LT = 8;

/** NX / XX / GT / LT after the time argument, or null after replying the error. */
function parseFlags(c: Client, argv: string[]): number | null {
  let flags = 0;
  for (let i = 3; i < argv.length; i++) {
    const opt = argv[i].toLowerCase();
    if (opt === 'nx') flags |= NX;
    else if (opt === 'xx') flags |= XX;
    else if (opt === 'gt') flags |= GT;
    else if (opt === 'lt') flags |= LT;
    else {
      c.reply.err(`Unsupported option ${argv[i]}`);
      return null;
    }
  }
  if (flags & NX && flags & (XX | GT | LT)) {
    c.reply.err('NX and XX, GT or LT options at the same time are not compatible');
    return null;
  }
  if (flags & GT && flags & LT) {
    c.reply.err('GT and LT options at the same time are not compatible');
    return null;
  }
  return flags;
}

/** Whether the flags allow replacing `current` (-1: no TTL, i.e. infinite) by `when`. */
function flagsAllow(flags: number, current: number, when: bigint): boolean {
  if (flags & NX && current !== -1) return false;
  if (flags & XX && current === -1) return false;
  if (flags & GT && (current === -1 || when <= BigInt(current))) return false;
  if (flags & LT && current !== -1 && when >= BigInt(current)) return false;
  return true;
}

function expireGeneric(c: Client, argv: string[], relative: boolean, unit: Unit): void {
  const flags = parseFlags(c, argv);
  if (flags === null) return;
  let when = parseInt64(argv[2]);
  if (when === null) {
    c.reply.err('value is not an integer or out of range');
    return;
  }
  const badTime = `invalid expire time in '${argv[0].toLowerCase()}' command`;
  if (unit === 'seconds') {
    // C division truncates toward zero, so the bounds are INT64_MAX / 1000 in both directions.
    if (when > INT64_MAX / 1000n || when < INT64_MIN / 1000n) {
      c.reply.err(badTime);
      return;
    }
    when *= 1000n;
  }
  const now = Date.now();
  const base = relative ? BigInt(now) : 0n;
  if (when > INT64_MAX - base) {
    c.reply.err(badTime);
    return;
  }
  when += base;

  const db = c.db;
  const key = argv[1];
  if (db.get(key) === undefined) {
    c.reply.integer(0);
    return;
  }
  if (flags !== 0 && !flagsAllow(flags, db.getExpire(key), when)) {
    c.reply.integer(0);
    return;
  }
  const s = c.server;
  s.dirty++;
  if (when <= BigInt(now) && !s.loading && !s.isReplica()) {
    db.remove(key);
    c.propagateAs = [[s.config.get('lazyfree-lazy-expire') ? 'UNLINK' : 'DEL', key]];
    c.reply.integer(1);
    return;
  }
  db.setExpire(key, Number(when));
  if (argv[0].toLowerCase() !== 'pexpireat') {
    c.propagateAs = [['PEXPIREAT', key, String(when), ...argv.slice(3)]];
  }
  c.reply.integer(1);
}

/** TTL / PTTL / EXPIRETIME / PEXPIRETIME. */
function ttlGeneric(c: Client, argv: string[], ms: boolean, absolute: boolean): void {
  const key = argv[1];
  if (lookupRead(c, c.db, key, false) === undefined) {
    c.reply.integer(-2);
    return;
  }
  const expire = c.db.getExpire(key);
  if (expire === -1) {
    c.reply.integer(-1);
    return;
  }
  const t = Math.max(0, absolute ? expire : expire - Date.now());
  c.reply.integer(ms ? t : Math.floor((t + 500) / 1000));
}

export const expireCommands: Record<string, Handler> = {
  expire: (c, argv) => expireGeneric(c, argv, true, 'seconds'),
  pexpire: (c, argv) => expireGeneric(c, argv, true, 'ms'),
  expireat: (c, argv) => expireGeneric(c, argv, false, 'seconds'),
  pexpireat: (c, argv) => expireGeneric(c, argv, false, 'ms'),
  ttl: (c, argv) => ttlGeneric(c, argv, false, false),
  pttl: (c, argv) => ttlGeneric(c, argv, true, false),
  expiretime: (c, argv) => ttlGeneric(c, argv, false, true),
  pexpiretime: (c, argv) => ttlGeneric(c, argv, true, true),

  persist(c, argv) {
    const db = c.db;
    const key = argv[1];
    if (db.get(key) === undefined || !db.persist(key)) {
      c.reply.integer(0);
      return;
    }
    c.server.dirty++;
    c.reply.integer(1);
  },
};
