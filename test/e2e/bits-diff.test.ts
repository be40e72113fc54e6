/**
 * Differential test of the bitmap commands against redis-server 7.0: seeded random streams of
 * SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP and BITFIELD/BITFIELD_RO (every type width, '#'
 * offsets, all overflow policies, bad types, offsets and values) over a small key pool, mixed
 * with plain string writes; raw replies compared byte for byte in RESP2 and RESP3.
 */
import { test } from 'node:test';
import { redisServerOrSkip } from '../helpers/procs.js';
import { pairHooks, pick, type Pair } from '../helpers/diff.js';
import { compareWithHistory, streamTests } from './strings-stream.js';

let pair: Pair | null = null;

pairHooks((p) => (pair = p));

const KEYS = ['b1', 'b2', 'b3', 'wrong'];

const VALUES = [
  '',
  '\0',
  '\xff',
  '\xff\xff\xff',
  '\x00\xff',
  'foobar',
  'abc',
  '123',
  '-7',
  '\x80\x01',
];

const RANGE = [
  '0',
  '1',
  '2',
  '-1',
  '-2',
  '-3',
  '5',
  '7',
  '8',
  '9',
  '15',
  '16',
  '-8',
  '-9',
  '100',
  '-100',
  '9223372036854775807',
  '-9223372036854775808',
  'x',
  '',
  '1.5',
];

const OFFSETS = [
  '0',
  '1',
  '7',
  '8',
  '9',
  '15',
  '31',
  '63',
  '64',
  '100',
  '1000',
  '-1',
  'x',
  '',
  '4294967296',
  '#0',
  '#1',
  '#3',
  '#-1',
  '#x',
  '9223372036854775807',
];

const TYPES = [
  'i1',
  'i2',
  'i5',
  'i8',
  'i13',
  'i16',
  'i31',
  'i32',
  'i33',
  'i63',
  'i64',
  'u1',
  'u2',
  'u7',
  'u8',
  'u15',
  'u16',
  'u32',
  'u63',
  'u64',
  'i65',
  'i0',
  'u0',
  'x8',
  'I8',
  'U4',
  'i',
  '',
  'i-1',
  'i8\0z',
];

const FIELD_VALUES = [
  '0',
  '1',
  '-1',
  '2',
  '-2',
  '7',
  '8',
  '127',
  '128',
  '-128',
  '-129',
  '255',
  '256',
  '1000',
  '-1000',
  '65535',
  '2147483647',
  '-2147483648',
  '4294967295',
  '9223372036854775807',
  '-9223372036854775808',
  '9223372036854775808',
  'x',
  '',
];

function small(r: () => number): string {
  return String(Math.floor(r() * 64));
}

function bitfieldOps(r: () => number, readOnly: boolean): string[] {
  const out: string[] = [];
  for (let n = Math.floor(r() * 4); n >= 0; n--) {
    const x = r();
    const type = r() < 0.8 ? `${pick(r, ['i', 'u'])}${1 + Math.floor(r() * 64)}` : pick(r, TYPES);
    const offset = r() < 0.6 ? small(r) : r() < 0.5 ? `#${Math.floor(r() * 6)}` : pick(r, OFFSETS);
    const v = r() < 0.5 ? String(Math.floor(r() * 600) - 300) : pick(r, FIELD_VALUES);
    if (x < (readOnly ? 0.8 : 0.4)) out.push(pick(r, ['GET', 'get']), type, offset);
    else if (x < 0.6) out.push('SET', type, offset, v);
    else if (x < 0.85) out.push(pick(r, ['INCRBY', 'incrby']), type, offset, v);
    else if (x < 0.97)
      out.push('OVERFLOW', pick(r, ['WRAP', 'SAT', 'FAIL', 'sat', 'fail', 'nope']));
    else out.push(pick(r, ['GET', 'SET', 'INCRBY', 'OVERFLOW', 'bogus']));
  }
  return out;
}

function unit(r: () => number): string[] {
  return r() < 0.5 ? [] : [pick(r, ['BIT', 'BYTE', 'bit', 'byte', 'BITS'])];
}

function gen(r: () => number): string[] {
  const key = () => pick(r, KEYS);
  const range = () => (r() < 0.7 ? String(Math.floor(r() * 24) - 12) : pick(r, RANGE));
  const cmds: (() => string[])[] = [
    () => ['SET', key(), pick(r, VALUES)],
    () => [
      'SETBIT',
      key(),
      r() < 0.8 ? small(r) : pick(r, OFFSETS),
      pick(r, ['0', '1', '1', '2', '-1', 'x']),
    ],
    () => ['SETBIT', key(), small(r), pick(r, ['0', '1'])],
    () => ['GETBIT', key(), r() < 0.8 ? small(r) : pick(r, OFFSETS)],
    () => {
      const x = r();
      if (x < 0.2) return ['BITCOUNT', key()];
      if (x < 0.3) return ['BITCOUNT', key(), range()];
      return ['BITCOUNT', key(), range(), range(), ...unit(r)];
    },
    () => {
      const bit = r() < 0.9 ? pick(r, ['0', '1']) : pick(r, ['2', '-1', 'x']);
      const x = r();
      if (x < 0.2) return ['BITPOS', key(), bit];
      if (x < 0.4) return ['BITPOS', key(), bit, range()];
      return ['BITPOS', key(), bit, range(), range(), ...unit(r)];
    },
    () => {
      const op = pick(r, ['AND', 'OR', 'XOR', 'NOT', 'and', 'not', 'NAND']);
      const n = op.toUpperCase() === 'NOT' && r() < 0.8 ? 1 : 1 + Math.floor(r() * 3);
      return ['BITOP', op, key(), ...Array.from({ length: n }, key)];
    },
    () => ['BITFIELD', key(), ...bitfieldOps(r, false)],
    () => ['BITFIELD', key(), ...bitfieldOps(r, false)],
    () => ['BITFIELD_RO', key(), ...bitfieldOps(r, true)],
    () => ['GET', key()],
    () => [
      'OBJECT',
      'ENCODING',
      pick(
        r,
        KEYS.filter((k) => k !== 'wrong'),
      ),
    ],
    () => ['APPEND', key(), pick(r, VALUES)],
  ];
  const argv = pick(r, cmds)();
  if (r() < 0.02) return argv.slice(0, 1 + Math.floor(r() * argv.length));
  return argv;
}

streamTests('bitmap', () => pair, KEYS, gen, 7);

test('BITFIELD overflow handling at every width matches redis-server', async (t) => {
  if (!redisServerOrSkip(t) || !pair) return;
  const INT64_MIN = -(2n ** 63n);
  const cmds: string[][] = [['FLUSHALL']];
  for (const signed of [true, false]) {
    for (let bits = 1; bits <= (signed ? 64 : 63); bits++) {
      const type = `${signed ? 'i' : 'u'}${bits}`;
      const max = signed ? 2n ** BigInt(bits - 1) - 1n : 2n ** BigInt(bits) - 1n;
      const min = signed ? -max - 1n : 0n;
      // Around the field's limits, and around the point where Redis's 64-bit range checks
      // wrap (max - 2^63), near the bottom of the int64 range.
      const edge = max + INT64_MIN;
      const values = [min - 1n, min, max, max + 1n, -1n, INT64_MIN, -INT64_MIN - 1n];
      values.push(edge - 1n, edge, edge + 1n, 3n);
      for (const v of values) {
        if (v < INT64_MIN || v > -INT64_MIN - 1n) continue;
        const s = String(v);
        const ops = [
          'OVERFLOW',
          'SAT',
          'SET',
          type,
          '3',
          s,
          'OVERFLOW',
          'WRAP',
          'SET',
          type,
          '3',
          s,
        ];
        ops.push('OVERFLOW', 'FAIL', 'SET', type, '3', s, 'INCRBY', type, '3', s);
        ops.push(
          'OVERFLOW',
          'SAT',
          'INCRBY',
          type,
          '3',
          s,
          'OVERFLOW',
          'WRAP',
          'INCRBY',
          type,
          '3',
          s,
        );
        cmds.push(['BITFIELD', 'q', ...ops, 'GET', type, '3']);
      }
    }
  }
  await compareWithHistory(pair, cmds);
});
