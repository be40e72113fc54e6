/**
 * DEBUG DIGEST / DIGEST-VALUE: Redis's order-independent SHA1 fingerprint of the dataset, so
 * that keyshard and redis-server holding the same data report the same digest (replication
 * and persistence tests compare them).
 *
 * The scheme: mix(d, data) is d = SHA1(d xor SHA1(data)), order-dependent; xor(d, data) is
 * d ^= SHA1(data), order-independent. A key's digest mixes the key, the type code and the value
 * (list elements mixed in order; set members xored; hash fields and zset members each digested
 * separately and xored in); a TTL xors in "!!expire!!". The dataset digest mixes each non-empty
 * database's number and xors in every key's digest.
 */
import { createHash } from 'node:crypto';
import type { Db, Value } from '../keyspace/db.js';
import { formatG17 } from '../util/numfmt.js';
import { ListValue } from '../types/list.js';
import { SetValue } from '../types/set.js';
import { HashValue } from '../types/hash.js';
import { ZSetValue } from '../types/zset.js';

type Digest = Buffer;

function sha1(data: Buffer): Buffer {
  return createHash('sha1').update(data).digest();
}

function bytes(s: string): Buffer {
  return Buffer.from(s, 'latin1');
}

function xorDigest(d: Digest, data: Buffer): void {
  const h = sha1(data);
  for (let i = 0; i < 20; i++) d[i] ^= h[i];
}

function mixDigest(d: Digest, data: Buffer): void {
  xorDigest(d, data);
  sha1(d).copy(d);
}

/** Redis's type codes (OBJ_STRING ... OBJ_HASH), mixed in as 4 big-endian bytes. */
const TYPE_CODE = { list: 1, set: 2, zset: 3, hash: 4 } as const;

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** A digest of two strings, xored into `d` (hash field/value, zset member/score). */
function xorPair(d: Digest, a: string, b: string): void {
  const ele = Buffer.alloc(20);
  mixDigest(ele, bytes(a));
  mixDigest(ele, bytes(b));
  xorDigest(d, ele);
}

function mixValue(d: Digest, db: Db, key: string, v: Value): void {
  mixDigest(d, u32(typeof v === 'string' ? 0 : TYPE_CODE[v.kind]));
  if (typeof v === 'string') mixDigest(d, bytes(v));
  else if (v instanceof ListValue) for (const e of v.values()) mixDigest(d, bytes(e));
  else if (v instanceof SetValue) for (const m of v.members()) xorDigest(d, bytes(m));
  else if (v instanceof HashValue) for (const [f, val] of v.entries()) xorPair(d, f, val);
  else if (v instanceof ZSetValue) {
    for (let i = 0; i < v.size; i++) {
      const n = v.at(i);
      xorPair(d, n.member, formatG17(n.score));
    }
  }
  if (db.getExpire(key) !== -1) xorDigest(d, bytes('!!expire!!'));
}

/** DEBUG DIGEST-VALUE of one key: zeros when it does not exist. */
export function valueDigest(db: Db, key: string): string {
  const d = Buffer.alloc(20);
  const v = db.peek(key);
  if (v !== undefined) mixValue(d, db, key, v);
  return d.toString('hex');
}

/** DEBUG DIGEST: zeros for an empty dataset. */
export function datasetDigest(dbs: readonly Db[]): string {
  const final = Buffer.alloc(20);
  for (const db of dbs) {
    if (db.size === 0) continue;
    mixDigest(final, u32(db.id));
    for (const [key, v] of db.dict) {
      const d = Buffer.alloc(20);
      mixDigest(d, bytes(key));
      mixValue(d, db, key, v);
      xorDigest(final, d);
    }
  }
  return final.toString('hex');
}
