/**
 * One value in RDB form, shared by RDB files, full resyncs and DUMP/RESTORE. Writers use the
 * types and encodings Redis 7.0 writes (listpacks for small hashes and zsets, intsets, quicklist
 * nodes of listpacks for lists); the loader accepts every type a 7.0 server sends plus the
 * legacy plain forms, and builds values with the encoding limits in force.
 */
import type { Value } from '../../keyspace/db.js';
import type { Config } from '../../config/config.js';
import { ListValue } from '../../types/list.js';
import { HashValue, type HashLimits } from '../../types/hash.js';
import { SetValue } from '../../types/set.js';
import { ZSetValue, type ZsetLimits } from '../../types/zset.js';
import { RdbFormatError, RDB_TYPE, type RdbReader, type RdbWriter } from './encoding.js';
import { decodeListpack, encodeListpack, ListpackError } from './listpack.js';
import { decodeIntset, encodeIntset, IntsetError } from './intset.js';
import { decodeZiplist } from './ziplist.js';
import { formatG17 } from '../../util/numfmt.js';

/** The encoding limits new values are built with (from the config). */
export interface ValueLimits {
  hash: HashLimits;
  zset: ZsetLimits;
  setMaxIntsetEntries: number;
}

export function limitsFromConfig(cfg: Config): ValueLimits {
  return {
    hash: {
      entries: cfg.get('hash-max-listpack-entries'),
      value: cfg.get('hash-max-listpack-value'),
    },
    zset: {
      maxEntries: cfg.get('zset-max-listpack-entries'),
      maxValue: cfg.get('zset-max-listpack-value'),
    },
    setMaxIntsetEntries: cfg.get('set-max-intset-entries'),
  };
}

/** Approximate bytes per quicklist node, like list-max-listpack-size -2 (8 KB). */
const LIST_NODE_BYTES = 8192;

/** A score as Redis writes it into a listpack: integral values as integers, else %.17g. */
function scoreText(d: number): string {
  if (Number.isInteger(d) && Math.abs(d) < 2 ** 63) return BigInt(d).toString();
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  return formatG17(d);
}

export function valueType(v: Value): number {
  if (typeof v === 'string') return RDB_TYPE.STRING;
  switch (v.kind) {
    case 'list':
      return RDB_TYPE.LIST_QUICKLIST_2;
    case 'hash':
      return v.encoding() === 'listpack' ? RDB_TYPE.HASH_LISTPACK : RDB_TYPE.HASH;
    case 'set':
      return v.encoding() === 'intset' ? RDB_TYPE.SET_INTSET : RDB_TYPE.SET;
    case 'zset':
      return v.encoding() === 'listpack' ? RDB_TYPE.ZSET_LISTPACK : RDB_TYPE.ZSET_2;
  }
}

export function writeValue(w: RdbWriter, v: Value): void {
  if (typeof v === 'string') {
    w.string(v);
    return;
  }
  if (v instanceof ListValue) writeList(w, v);
  else if (v instanceof HashValue) writeHash(w, v);
  else if (v instanceof SetValue) writeSet(w, v);
  else if (v instanceof ZSetValue) writeZset(w, v);
  else throw new RdbFormatError(`cannot serialize a ${v.kind} value`);
}

/**
 * A list's elements split into quicklist nodes of about LIST_NODE_BYTES (list-max-listpack-size
 * -2), as Redis would hold them: the RDB writes one listpack per node, DEBUG OBJECT counts them.
 */
export function quicklistNodes(v: ListValue): string[][] {
  const nodes: string[][] = [];
  let cur: string[] = [];
  let bytes = 0;
  for (const e of v.values()) {
    if (cur.length > 0 && bytes + e.length > LIST_NODE_BYTES) {
      nodes.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(e);
    bytes += e.length + 2;
  }
  if (cur.length) nodes.push(cur);
  return nodes;
}

function writeList(w: RdbWriter, v: ListValue): void {
  const nodes = quicklistNodes(v);
  w.length(nodes.length);
  for (const n of nodes) {
    w.length(2); // PACKED container
    w.blob(encodeListpack(n));
  }
}

function writeHash(w: RdbWriter, v: HashValue): void {
  if (v.encoding() === 'listpack') {
    const flat: string[] = [];
    for (const [f, val] of v.entries()) flat.push(f, val);
    w.blob(encodeListpack(flat));
    return;
  }
  w.length(v.size);
  for (const [f, val] of v.entries()) {
    w.string(f);
    w.string(val);
  }
}

function writeSet(w: RdbWriter, v: SetValue): void {
  if (v.encoding() === 'intset') {
    w.blob(encodeIntset(v.members().map((m) => BigInt(m))));
    return;
  }
  w.length(v.size);
  for (const m of v.members()) w.string(m);
}

function writeZset(w: RdbWriter, v: ZSetValue): void {
  if (v.encoding() === 'listpack') {
    const flat: string[] = [];
    const c = v.first();
    if (c !== null) {
      do flat.push(c.member, scoreText(c.score));
      while (c.next());
    }
    w.blob(encodeListpack(flat));
    return;
  }
  // Redis writes skiplist zsets from the highest score down, so loading inserts at the head.
  w.length(v.size);
  const c = v.last();
  if (c !== null) {
    do {
      w.string(c.member);
      w.binaryDouble(c.score);
    } while (c.prev());
  }
}

// --- loading -------------------------------------------------------------------------------

function blobOf(r: RdbReader): Buffer {
  return r.blob();
}

function listpackOf(r: RdbReader): string[] {
  try {
    return decodeListpack(blobOf(r));
  } catch (e) {
    if (e instanceof ListpackError)
      throw new RdbFormatError(`Listpack integrity check failed: ${e.message}`);
    throw e;
  }
}

function buildHash(pairs: Iterable<[string, string]>, limits: ValueLimits): HashValue {
  const h = new HashValue();
  for (const [f, v] of pairs) {
    if (h.has(f)) throw new RdbFormatError('Duplicate hash fields detected');
    h.set(f, v, limits.hash);
  }
  return h;
}

function buildZset(pairs: Iterable<[string, number]>, limits: ValueLimits): ZSetValue {
  const z = ZSetValue.forFirst(limits.zset);
  for (const [m, s] of pairs) {
    if (Number.isNaN(s)) throw new RdbFormatError('Zset with NAN score detected');
    if (z.score(m) !== undefined) throw new RdbFormatError('Duplicate zset fields detected');
    z.set(m, s, limits.zset);
  }
  return z;
}

function* pairsOf<T>(items: string[], conv: (s: string) => T): Iterable<[string, T]> {
  if (items.length % 2 !== 0) throw new RdbFormatError('Listpack with an odd number of elements');
  for (let i = 0; i < items.length; i += 2) yield [items[i], conv(items[i + 1])];
}

function parseScore(s: string): number {
  const v = s === 'inf' || s === '+inf' ? Infinity : s === '-inf' ? -Infinity : Number(s);
  if (Number.isNaN(v)) throw new RdbFormatError('Zset with invalid score detected');
  return v;
}

/** Reads a value of RDB type `type`; null for an empty collection (skipped as Redis does). */
export function readValue(type: number, r: RdbReader, limits: ValueLimits): Value | null {
  switch (type) {
    case RDB_TYPE.STRING:
      return r.string();
    case RDB_TYPE.LIST:
    case RDB_TYPE.LIST_QUICKLIST:
    case RDB_TYPE.LIST_QUICKLIST_2:
    case RDB_TYPE.LIST_ZIPLIST: {
      const l = new ListValue();
      if (type === RDB_TYPE.LIST) {
        const n = r.length();
        for (let i = 0; i < n; i++) l.pushBack(r.string());
      } else if (type === RDB_TYPE.LIST_ZIPLIST) {
        for (const e of decodeZiplist(blobOf(r))) l.pushBack(e);
      } else {
        const nodes = r.length();
        for (let i = 0; i < nodes; i++) {
          const container = type === RDB_TYPE.LIST_QUICKLIST_2 ? r.length() : 2;
          if (container === 1) {
            l.pushBack(r.string());
            continue;
          }
          if (container !== 2)
            throw new RdbFormatError(
              `Quicklist integrity check failed: bad container ${container}`,
            );
          const items = type === RDB_TYPE.LIST_QUICKLIST ? decodeZiplist(blobOf(r)) : listpackOf(r);
          for (const e of items) l.pushBack(e);
        }
      }
      return l.length ? l : null;
    }
    case RDB_TYPE.SET: {
      const n = r.length();
      const s = new SetValue();
      for (let i = 0; i < n; i++) {
        if (!s.add(r.string(), limits.setMaxIntsetEntries))
          throw new RdbFormatError('Duplicate set members detected');
      }
      return s.size ? s : null;
    }
    case RDB_TYPE.SET_INTSET: {
      let members: bigint[];
      try {
        members = decodeIntset(blobOf(r));
      } catch (e) {
        if (e instanceof IntsetError)
          throw new RdbFormatError(`Intset integrity check failed: ${e.message}`);
        throw e;
      }
      const s = new SetValue();
      for (const m of members) s.add(m.toString(), limits.setMaxIntsetEntries);
      return s.size ? s : null;
    }
    case RDB_TYPE.HASH: {
      const n = r.length();
      const pairs: [string, string][] = [];
      for (let i = 0; i < n; i++) pairs.push([r.string(), r.string()]);
      return n ? buildHash(pairs, limits) : null;
    }
    case RDB_TYPE.HASH_LISTPACK:
    case RDB_TYPE.HASH_ZIPLIST: {
      const items = type === RDB_TYPE.HASH_LISTPACK ? listpackOf(r) : decodeZiplist(blobOf(r));
      return items.length
        ? buildHash(
            pairsOf(items, (s) => s),
            limits,
          )
        : null;
    }
    case RDB_TYPE.ZSET:
    case RDB_TYPE.ZSET_2: {
      const n = r.length();
      const pairs: [string, number][] = [];
      for (let i = 0; i < n; i++) {
        const m = r.string();
        pairs.push([m, type === RDB_TYPE.ZSET_2 ? r.binaryDouble() : r.stringDouble()]);
      }
      return n ? buildZset(pairs, limits) : null;
    }
    case RDB_TYPE.ZSET_LISTPACK:
    case RDB_TYPE.ZSET_ZIPLIST: {
      const items = type === RDB_TYPE.ZSET_LISTPACK ? listpackOf(r) : decodeZiplist(blobOf(r));
      return items.length ? buildZset(pairsOf(items, parseScore), limits) : null;
    }
    case RDB_TYPE.STREAM_LISTPACKS:
    case RDB_TYPE.STREAM_LISTPACKS_2:
      throw new RdbFormatError('Streams are not supported by keyshard');
    case RDB_TYPE.MODULE:
    case RDB_TYPE.MODULE_2:
      throw new RdbFormatError('Module values are not supported by keyshard');
    default:
      throw new RdbFormatError(`Unknown RDB encoding type ${type}`);
  }
}
