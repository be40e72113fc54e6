/**
 * The bitmap commands of Redis 7.0 (bitops.c): SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP,
 * BITFIELD and BITFIELD_RO, with Redis's argument checks in Redis's order (7.0 looks the key up
 * before parsing BITCOUNT/BITPOS ranges, so a missing key answers even to bad ranges).
 */
import type { Handler } from './table.js';
import type { Client } from '../server/client.js';
import { parseInt64 } from '../util/parse.js';
import { MAX_STRING_LENGTH, readKey, WRONGTYPE } from './strings.js';
import { markStringEncoding } from '../types/string-encoding.js';
import { optionName } from '../types/string-cstr.js';
import { zeroPad } from '../types/string-bytes.js';
import { ERR_NOT_INTEGER } from '../types/string-set-args.js';
import {
  combine,
  countBits,
  fieldOverflow,
  findBit,
  readField,
  writeField,
  type BitOp,
} from '../types/bit-ops.js';

const ERR_BIT_OFFSET = 'bit offset is not an integer or out of range';
const ERR_BIT_VALUE = 'bit is not an integer or out of range';
const ERR_FIELD_TYPE =
  'Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.';

/**
 * A bit offset argument; with `bits` > 0 the `#n` form means n * bits (BITFIELD). Offsets are
 * limited to proto-max-bulk-len bytes. Null after replying with the error.
 */
function bitOffsetArg(c: Client, arg: string, bits: number): number | null {
  const hash = bits > 0 && arg.charCodeAt(0) === 35;
  let v = parseInt64(hash ? arg.slice(1) : arg);
  // The multiplication wraps like Redis's 64-bit arithmetic, and is then rejected as negative
  // or too large.
  if (v !== null && hash) v = BigInt.asIntN(64, v * BigInt(bits));
  if (v === null || v < 0n || v >> 3n >= BigInt(c.server.config.get('proto-max-bulk-len'))) {
    c.reply.err(ERR_BIT_OFFSET);
    return null;
  }
  return Number(v);
}

/**
 * lookupStringForBitCommand: the string at `key` made at least `bytes` long (created if
 * missing). Null after a WRONGTYPE reply; `grew` tells whether the length changed.
 */
function stringForBitWrite(
  c: Client,
  key: string,
  bytes: number,
): { value: string; grew: boolean } | null {
  const v = c.db.get(key);
  if (v !== undefined && typeof v !== 'string') {
    c.reply.error(WRONGTYPE);
    return null;
  }
  if (bytes > MAX_STRING_LENGTH) {
    c.reply.err('string exceeds maximum allowed size (proto-max-bulk-len)');
    return null;
  }
  const old = v ?? '';
  const value = zeroPad(old, bytes);
  return { value, grew: v === undefined || value.length !== old.length };
}

/** Stores the result of an in-place bit modification: TTL kept, encoding raw. */
function storeModified(c: Client, key: string, value: string): void {
  c.db.set(key, value, true);
  markStringEncoding(c.db, key, value, 'raw');
}

function setbit(c: Client, argv: string[]): void {
  const offset = bitOffsetArg(c, argv[2], 0);
  if (offset === null) return;
  const on = parseInt64(argv[3]);
  if (on === null || (on !== 0n && on !== 1n)) {
    c.reply.err(ERR_BIT_VALUE);
    return;
  }
  const key = argv[1];
  const byte = Math.floor(offset / 8);
  const target = stringForBitWrite(c, key, byte + 1);
  if (!target) return;
  const old = target.value.charCodeAt(byte);
  const mask = 1 << (7 - (offset % 8));
  const was = (old & mask) !== 0 ? 1 : 0;
  let value = target.value;
  // Redis skips the write (and its propagation) when nothing changes, but the value is still
  // unshared, which makes its encoding raw.
  if (target.grew || was !== Number(on)) {
    const nb = on === 1n ? old | mask : old & ~mask;
    value = value.slice(0, byte) + String.fromCharCode(nb) + value.slice(byte + 1);
    c.server.dirty++;
  }
  storeModified(c, key, value);
  c.reply.integer(was);
}

function getbit(c: Client, argv: string[]): void {
  const offset = bitOffsetArg(c, argv[2], 0);
  if (offset === null) return;
  const v = readKey(c, argv[1]);
  if (v === undefined) {
    c.reply.integer(0);
    return;
  }
  if (typeof v !== 'string') {
    c.reply.error(WRONGTYPE);
    return;
  }
  const byte = Math.floor(offset / 8);
  const bit = byte < v.length ? (v.charCodeAt(byte) >> (7 - (offset % 8))) & 1 : 0;
  c.reply.integer(bit);
}

/** Reads the optional BYTE|BIT unit; null after a syntax error reply. */
function unitArg(c: Client, arg: string | undefined): boolean | null {
  if (arg === undefined) return false;
  const u = optionName(arg);
  if (u === 'BIT') return true;
  if (u === 'BYTE') return false;
  c.reply.err('syntax error');
  return null;
}

/** Normalizes a [start, end] range over `total` units (negative = from the end). */
function clampRange(start: number, end: number, total: number): [number, number] {
  if (start < 0) start = total + start;
  if (end < 0) end = total + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= total) end = total - 1;
  return [start, end];
}

function bitcount(c: Client, argv: string[]): void {
  const v = readKey(c, argv[1]);
  if (v === undefined) {
    c.reply.integer(0);
    return;
  }
  if (typeof v !== 'string') {
    c.reply.error(WRONGTYPE);
    return;
  }
  let startBit: number;
  let endBit: number;
  if (argv.length === 4 || argv.length === 5) {
    const s = parseInt64(argv[2]);
    const e = s === null ? null : parseInt64(argv[3]);
    if (s === null || e === null) {
      c.reply.err(ERR_NOT_INTEGER);
      return;
    }
    if (s < 0n && e < 0n && s > e) {
      c.reply.integer(0);
      return;
    }
    const isBit = unitArg(c, argv[4]);
    if (isBit === null) return;
    const [start, end] = clampRange(Number(s), Number(e), isBit ? v.length * 8 : v.length);
    startBit = isBit ? start : start * 8;
    endBit = isBit ? end : end * 8 + 7;
  } else if (argv.length === 2) {
    startBit = 0;
    endBit = v.length * 8 - 1;
  } else {
    c.reply.err('syntax error');
    return;
  }
  c.reply.integer(startBit > endBit ? 0 : countBits(v, startBit, endBit));
}

function bitpos(c: Client, argv: string[]): void {
  const bitArg = parseInt64(argv[2]);
  if (bitArg === null) {
    c.reply.err(ERR_NOT_INTEGER);
    return;
  }
  if (bitArg !== 0n && bitArg !== 1n) {
    c.reply.err('The bit argument must be 1 or 0.');
    return;
  }
  const bit = bitArg === 1n ? 1 : 0;
  const v = readKey(c, argv[1]);
  if (v === undefined) {
    // A missing key is an endless run of zeros.
    c.reply.integer(bit ? -1 : 0);
    return;
  }
  if (typeof v !== 'string') {
    c.reply.error(WRONGTYPE);
    return;
  }
  let startBit = 0;
  let endBit = v.length * 8 - 1;
  let endGiven = false;
  if (argv.length >= 4 && argv.length <= 6) {
    const s = parseInt64(argv[3]);
    if (s === null) {
      c.reply.err(ERR_NOT_INTEGER);
      return;
    }
    const isBit = unitArg(c, argv[5]);
    if (isBit === null) return;
    const total = isBit ? v.length * 8 : v.length;
    let end = total - 1;
    if (argv.length >= 5) {
      const e = parseInt64(argv[4]);
      if (e === null) {
        c.reply.err(ERR_NOT_INTEGER);
        return;
      }
      end = Number(e);
      endGiven = true;
    }
    const [start, clampedEnd] = clampRange(Number(s), end, total);
    startBit = isBit ? start : start * 8;
    endBit = isBit ? clampedEnd : clampedEnd * 8 + 7;
  } else if (argv.length !== 3) {
    c.reply.err('syntax error');
    return;
  }
  if (startBit > endBit) {
    c.reply.integer(-1);
    return;
  }
  const pos = findBit(v, startBit, endBit, bit);
  // Looking for a 0 past a range of ones: without an explicit end the string continues with
  // zeros, so the answer is the first bit after it; with an explicit end there is none.
  if (pos === -1 && bit === 0 && !endGiven) c.reply.integer(endBit + 1);
  else c.reply.integer(pos);
}

const BIT_OPS: Record<string, BitOp> = { AND: 'AND', OR: 'OR', XOR: 'XOR', NOT: 'NOT' };

function bitop(c: Client, argv: string[]): void {
  const op = BIT_OPS[optionName(argv[1])];
  if (op === undefined) {
    c.reply.err('syntax error');
    return;
  }
  if (op === 'NOT' && argv.length !== 4) {
    c.reply.err('BITOP NOT must be called with a single source key.');
    return;
  }
  const sources: string[] = [];
  for (let j = 3; j < argv.length; j++) {
    const v = readKey(c, argv[j]);
    if (v !== undefined && typeof v !== 'string') {
      c.reply.error(WRONGTYPE);
      return;
    }
    sources.push(v ?? '');
  }
  const dest = argv[2];
  const result = combine(op, sources);
  if (result.length > 0) {
    c.db.set(dest, result);
    markStringEncoding(c.db, dest, result, 'raw');
    c.server.dirty++;
  } else if (c.db.delete(dest)) {
    c.server.dirty++;
  }
  c.reply.integer(result.length);
}

// --- BITFIELD -------------------------------------------------------------------------------

type Overflow = 'WRAP' | 'SAT' | 'FAIL';

interface FieldOp {
  kind: 'GET' | 'SET' | 'INCRBY';
  signed: boolean;
  bits: number;
  offset: number;
  value: bigint;
  overflow: Overflow;
}

/** `i<n>` (1..64) or `u<n>` (1..63); null after replying with the error. */
function fieldTypeArg(c: Client, arg: string): { signed: boolean; bits: number } | null {
  // Lowercase only: Redis 7.0 rejects I8 and U8.
  const t = arg.charCodeAt(0);
  // The width is read as a C string: it ends at a NUL byte.
  const nul = arg.indexOf('\0', 1);
  const width = parseInt64(nul < 0 ? arg.slice(1) : arg.slice(1, nul));
  const signed = t === 0x69;
  if ((t !== 0x69 && t !== 0x75) || width === null || width < 1n || width > (signed ? 64n : 63n)) {
    c.reply.err(ERR_FIELD_TYPE);
    return null;
  }
  return { signed, bits: Number(width) };
}

/**
 * The value to store for SET/INCRBY and the reply, per the overflow policy: WRAP keeps the low
 * bits, SAT clamps, FAIL stores nothing and replies null. SET is an increment of 0 from the new
 * value, as in Redis.
 */
function fieldResult(op: FieldOp, old: bigint): { store: bigint | null; reply: bigint | null } {
  const { bits, signed } = op;
  const set = op.kind === 'SET';
  // An unsigned SET sees the value as unsigned 64-bit: -1 is huge, so it saturates to max.
  const value = set ? (signed ? op.value : BigInt.asUintN(64, op.value)) : old;
  const incr = set ? 0n : op.value;
  const overflow = fieldOverflow(signed, bits, value, incr);
  let store = value + incr;
  if (overflow !== 0) {
    if (op.overflow === 'FAIL') return { store: null, reply: null };
    if (op.overflow === 'WRAP')
      store = signed ? BigInt.asIntN(bits, store) : BigInt.asUintN(bits, store);
    else if (overflow > 0)
      store = signed ? (1n << BigInt(bits - 1)) - 1n : (1n << BigInt(bits)) - 1n;
    else store = signed ? -(1n << BigInt(bits - 1)) : 0n;
  }
  return { store, reply: set ? old : store };
}

function signedIf(op: FieldOp, raw: bigint): bigint {
  return op.signed ? BigInt.asIntN(op.bits, raw) : raw;
}

function bitfieldGeneric(c: Client, argv: string[], readOnlyCommand: boolean): void {
  const ops: FieldOp[] = [];
  let overflow: Overflow = 'WRAP';
  let writes = false;
  let highestBit = 0;
  for (let j = 2; j < argv.length; j++) {
    const rem = argv.length - j - 1;
    const sub = optionName(argv[j]);
    let kind: FieldOp['kind'];
    if (sub === 'GET' && rem >= 2) kind = 'GET';
    else if (sub === 'SET' && rem >= 3) kind = 'SET';
    else if (sub === 'INCRBY' && rem >= 3) kind = 'INCRBY';
    else if (sub === 'OVERFLOW' && rem >= 1) {
      const o = optionName(argv[++j]);
      if (o !== 'WRAP' && o !== 'SAT' && o !== 'FAIL') {
        c.reply.err('Invalid OVERFLOW type specified');
        return;
      }
      overflow = o;
      continue;
    } else {
      c.reply.err('syntax error');
      return;
    }
    const type = fieldTypeArg(c, argv[j + 1]);
    if (!type) return;
    const offset = bitOffsetArg(c, argv[j + 2], type.bits);
    if (offset === null) return;
    let value = 0n;
    if (kind !== 'GET') {
      writes = true;
      highestBit = Math.max(highestBit, offset + type.bits - 1);
      const v = parseInt64(argv[j + 3]);
      if (v === null) {
        c.reply.err(ERR_NOT_INTEGER);
        return;
      }
      value = v;
    }
    ops.push({ kind, ...type, offset, value, overflow });
    j += kind === 'GET' ? 2 : 3;
  }

  const key = argv[1];
  if (!writes) {
    const v = readKey(c, key);
    if (v !== undefined && typeof v !== 'string') {
      c.reply.error(WRONGTYPE);
      return;
    }
    c.reply.array(ops.length);
    for (const op of ops) c.reply.integer(signedIf(op, readField(v ?? '', op.offset, op.bits)));
    return;
  }
  if (readOnlyCommand) {
    c.reply.err('BITFIELD_RO only supports the GET subcommand');
    return;
  }
  const target = stringForBitWrite(c, key, Math.floor(highestBit / 8) + 1);
  if (!target) return;
  const buf = Buffer.from(target.value, 'latin1');
  c.reply.array(ops.length);
  for (const op of ops) {
    const old = signedIf(op, readField(buf, op.offset, op.bits));
    if (op.kind === 'GET') {
      c.reply.integer(old);
      continue;
    }
    const r = fieldResult(op, old);
    if (r.store === null) {
      // Refused by OVERFLOW FAIL: not a change, even if the key was just created (as in Redis).
      c.reply.nil();
    } else {
      writeField(buf, op.offset, op.bits, r.store);
      c.reply.integer(r.reply!);
      c.server.dirty++;
    }
  }
  storeModified(c, key, buf.toString('latin1'));
}

export const bitCommands: Record<string, Handler> = {
  setbit,
  getbit,
  bitcount,
  bitpos,
  bitop,
  bitfield(c, argv) {
    bitfieldGeneric(c, argv, false);
  },
  bitfield_ro(c, argv) {
    bitfieldGeneric(c, argv, true);
  },
};
