/**
 * The DUMP / RESTORE payload: one RDB value (the shared codec in persistence/rdb) framed as
 * `<type> <value> <RDB version u16 LE> <CRC-64 LE>` (rdb.md §15), so payloads move between
 * keyshard and redis-server 7.0 in both directions.
 */
import type { Value } from '../keyspace/db.js';
import { RdbFormatError, RdbReader, RdbWriter, RDB_VERSION } from '../persistence/rdb/encoding.js';
import { Crc64 } from '../persistence/rdb/crc64.js';
import { readValue, valueType, writeValue, type ValueLimits } from '../persistence/rdb/values.js';

/** Serializes a value as a DUMP payload (latin1 string). */
export function dumpPayload(v: Value, compress: boolean): string {
  const w = new RdbWriter();
  w.compress = compress;
  w.byte(valueType(v));
  writeValue(w, v);
  w.byte(RDB_VERSION & 0xff);
  w.byte(RDB_VERSION >> 8);
  const body = w.take();
  return body.toString('latin1') + new Crc64().update(body).bytes().toString('latin1');
}

/** Checks the footer: an RDB version not newer than ours and a matching CRC. */
export function payloadValid(p: Buffer): boolean {
  if (p.length < 10) return false;
  if (p.readUInt16LE(p.length - 10) > RDB_VERSION) return false;
  const crc = new Crc64().update(p, 0, p.length - 8).bytes();
  return crc.equals(p.subarray(p.length - 8));
}

/** Decodes a verified payload; null when the value cannot be read (or is an empty collection). */
export function loadPayload(p: Buffer, limits: ValueLimits): Value | null {
  const r = new RdbReader(p.subarray(0, p.length - 10));
  try {
    return readValue(r.byte(), r, limits);
  } catch (e) {
    if (e instanceof RdbFormatError) return null;
    throw e;
  }
}
