/**
 * A BASE file as a command log (aof-use-rdb-preamble no), in the form Redis's rewrite produces:
 * per non-empty database a SELECT, then one command per key (SET; RPUSH / SADD / ZADD / HMSET
 * with at most 64 items each) and PEXPIREAT after keys with a TTL.
 */
import type { Keyspace } from '../../keyspace/keyspace.js';
import type { Value } from '../../keyspace/db.js';
import type { ListValue } from '../../types/list.js';
import type { HashValue } from '../../types/hash.js';
import type { SetValue } from '../../types/set.js';
import type { ZSetValue } from '../../types/zset.js';
import { encodeArgv } from '../../replication/backlog.js';
import { formatG17 } from '../../util/numfmt.js';

const ITEMS_PER_CMD = 64;

/** Emits `head` + items in commands of at most 64 items (pairs count as one item). */
function batched(out: string[], head: string[], items: Iterable<string[]>): void {
  let cur: string[] = [];
  let n = 0;
  for (const it of items) {
    cur.push(...it);
    if (++n === ITEMS_PER_CMD) {
      out.push(encodeArgv([...head, ...cur]));
      cur = [];
      n = 0;
    }
  }
  if (n > 0) out.push(encodeArgv([...head, ...cur]));
}

function* zsetItems(z: ZSetValue): Iterable<string[]> {
  for (let i = 0; i < z.size; i++) {
    const node = z.at(i);
    yield [formatG17(node.score), node.member];
  }
}

function keyCommands(out: string[], key: string, v: Value): void {
  if (typeof v === 'string') {
    out.push(encodeArgv(['SET', key, v]));
    return;
  }
  switch (v.kind) {
    case 'list':
      batched(
        out,
        ['RPUSH', key],
        map((v as ListValue).values(), (x) => [x]),
      );
      break;
    case 'set':
      batched(
        out,
        ['SADD', key],
        map((v as SetValue).members(), (x) => [x]),
      );
      break;
    case 'zset':
      batched(out, ['ZADD', key], zsetItems(v as ZSetValue));
      break;
    case 'hash':
      batched(
        out,
        ['HMSET', key],
        map((v as HashValue).entries(), ([f, x]) => [f, x]),
      );
      break;
  }
}

function* map<T>(it: Iterable<T>, fn: (x: T) => string[]): Iterable<string[]> {
  for (const x of it) yield fn(x);
}

/** The command-log base of `ks` in pieces of about `budget` bytes (latin1 strings). */
export function* commandBaseChunks(
  ks: Keyspace,
  ts: number | null,
  budget = 1 << 20,
): Generator<string> {
  let out: string[] = [];
  let size = 0;
  const push = (s: string): void => {
    out.push(s);
    size += s.length;
  };
  if (ts !== null) push(`#TS:${ts}\r\n`);
  for (const db of ks.dbs) {
    if (db.size === 0) continue;
    push(encodeArgv(['SELECT', String(db.id)]));
    for (const [key, v] of db.dict) {
      const cmds: string[] = [];
      keyCommands(cmds, key, v);
      for (const c of cmds) push(c);
      const exp = db.expires.get(key);
      if (exp !== undefined) push(encodeArgv(['PEXPIREAT', key, String(exp)]));
      if (size >= budget) {
        yield out.join('');
        out = [];
        size = 0;
      }
    }
  }
  if (out.length > 0) yield out.join('');
}

/** The whole command-log base of `ks` (latin1 bytes), after a `#TS:` line if `ts` is given. */
export function commandBase(ks: Keyspace, ts: number | null): Buffer {
  return Buffer.from([...commandBaseChunks(ks, ts)].join(''), 'latin1');
}
