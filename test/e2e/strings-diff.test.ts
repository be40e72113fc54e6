/**
 * Differential test of the string commands against redis-server 7.0: seeded random command
 * streams over a small key pool (so commands collide), with bad arities, wrong types,
 * non-numbers, out-of-range values, binary values with CR/LF and NUL, empty and large values.
 * Raw replies must match byte for byte, in RESP2 and RESP3.
 */
import { pairHooks, pick, type Pair } from '../helpers/diff.js';
import { streamTests } from './strings-stream.js';

let pair: Pair | null = null;

pairHooks((p) => (pair = p));

const KEYS = ['k1', 'k2', 'k3', 'k\r\n4', 'wrong'];

const VALUES = [
  '',
  '0',
  '1',
  '-1',
  '7',
  '10',
  '-10',
  '99',
  '100',
  '12345678901234',
  '123456789012345',
  '1234567890123456',
  '9223372036854775807',
  '-9223372036854775808',
  '9223372036854775806',
  '-9223372036854775807',
  '9223372036854775808',
  '-9223372036854775809',
  '-0',
  '01',
  '+1',
  ' 1',
  '1 ',
  '1.5',
  '0.1',
  '-0.2',
  '3.0e3',
  '1e308',
  '1e400',
  'inf',
  '-inf',
  'nan',
  '0x10',
  '.5',
  '5.',
  'abc',
  'hello world',
  'a\r\nb',
  '\0',
  '\0\0x',
  '1\0',
  '\xff\xfe\x80',
  'a'.repeat(44),
  'b'.repeat(45),
  'xyzzy'.repeat(30),
  'abcabcab',
  'bcbcacb',
];

const INTS = [
  '0',
  '1',
  '-1',
  '2',
  '3',
  '5',
  '10',
  '-3',
  '-5',
  '-100',
  '100',
  '1000',
  '9223372036854775807',
  '-9223372036854775808',
  '9223372036854775808',
  '-9223372036854775809',
  '4611686018427387904',
  'x',
  '',
  '1.0',
  ' 1',
  '-0',
  '+5',
  '1e3',
];

const FLOATS = [
  '0',
  '1',
  '-1',
  '0.1',
  '0.2',
  '-0.3',
  '1.5',
  '10.5',
  '3.0e3',
  '1e-5',
  '-1.1e2',
  '1e308',
  '1e400',
  '-1e4000',
  '1e-4950',
  '1e-5000',
  'inf',
  '-inf',
  'infinity',
  'nan',
  '0x1p3',
  '0x.8',
  '0x',
  '.5',
  '5.',
  '-.5e1',
  ' 1',
  '1 ',
  'abc',
  '',
  '\0',
  '2\0x',
  '1e',
  '+3',
  '5e-324',
  '123456789.123456789',
  '0.30000000000000004',
  '7.0000000000000001',
];

function randomFloat(r: () => number): string {
  const x = r();
  if (x < 0.4) return pick(r, FLOATS);
  if (x < 0.7) return (Math.floor(r() * 20000) / 100 - 100).toString();
  if (x < 0.85) return (r() * 1000 - 500).toPrecision(1 + Math.floor(r() * 17));
  return `${Math.floor(r() * 99) - 49}e${Math.floor(r() * 40) - 20}`;
}

function randomBinary(r: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(Math.floor(r() * 256));
  return s;
}

function value(r: () => number): string {
  const x = r();
  if (x < 0.6) return pick(r, VALUES);
  if (x < 0.8) return String(Math.floor(r() * 2000) - 1000);
  if (x < 0.97) return randomBinary(r, Math.floor(r() * 12));
  // Large, but not so large that LCS over two of them takes seconds.
  return randomBinary(r, 1000 + Math.floor(r() * 4000));
}

function int(r: () => number): string {
  return r() < 0.6 ? String(Math.floor(r() * 40) - 20) : pick(r, INTS);
}

/** A relative or absolute expire that never fires while the test runs, or an invalid one. */
function expireOpt(r: () => number): string[] {
  const unit = pick(r, ['EX', 'PX', 'EXAT', 'PXAT', 'ex', 'Px']);
  const nowS = Math.floor(Date.now() / 1000);
  const x = r();
  let v: string;
  if (x < 0.15) v = pick(r, ['0', '-1', 'x', '', '1.5', '9223372036854775807', '9223372036854775']);
  else if (x < 0.25 && unit.toUpperCase().endsWith('AT'))
    v = pick(r, ['1', '1000']); // past
  else if (unit.toUpperCase() === 'EX') v = String(1000 + Math.floor(r() * 1000));
  else if (unit.toUpperCase() === 'PX') v = String(1000000 + Math.floor(r() * 1000));
  else if (unit.toUpperCase() === 'EXAT') v = String(nowS + 5000);
  else v = String((nowS + 5000) * 1000);
  return [unit, v];
}

function setOptions(r: () => number): string[] {
  const out: string[] = [];
  const n = Math.floor(r() * 3);
  for (let i = 0; i < n; i++) {
    const x = r();
    if (x < 0.35) out.push(...expireOpt(r));
    else
      out.push(
        pick(r, ['NX', 'XX', 'GET', 'KEEPTTL', 'get', 'nx', 'PERSIST', 'EX', 'XX\0z', 'foo']),
      );
  }
  return out;
}

function gen(r: () => number): string[] {
  const key = () => pick(r, KEYS);
  const keys = (min: number) => Array.from({ length: min + Math.floor(r() * 3) }, key);
  const cmds: (() => string[])[] = [
    () => ['SET', key(), value(r)],
    () => ['SET', key(), value(r), ...setOptions(r)],
    () => ['SET', key(), value(r), ...setOptions(r)],
    () => ['GET', key()],
    () => ['GET', key()],
    () => ['SETNX', key(), value(r)],
    () => ['SETEX', key(), pick(r, ['100', '0', '-5', 'x', '9223372036854775807']), value(r)],
    () => ['PSETEX', key(), pick(r, ['100000', '0', '-5', 'x']), value(r)],
    () => ['GETSET', key(), value(r)],
    () => ['GETEX', key(), ...(r() < 0.5 ? expireOpt(r) : r() < 0.5 ? ['PERSIST'] : setOptions(r))],
    () => ['GETDEL', key()],
    () => [
      'OBJECT',
      'ENCODING',
      pick(
        r,
        KEYS.filter((k) => k !== 'wrong'),
      ),
    ],
    () => ['MGET', ...keys(1)],
    () => {
      const kv: string[] = [];
      for (let i = 0, n = 1 + Math.floor(r() * 3); i < n; i++) kv.push(key(), value(r));
      if (r() < 0.1) kv.pop();
      return [pick(r, ['MSET', 'MSETNX']), ...kv];
    },
    () => ['APPEND', key(), value(r)],
    () => ['STRLEN', key()],
    () => ['INCR', key()],
    () => ['DECR', key()],
    () => ['INCRBY', key(), int(r)],
    () => ['DECRBY', key(), int(r)],
    () => ['INCRBYFLOAT', key(), randomFloat(r)],
    () => ['INCRBYFLOAT', key(), randomFloat(r)],
    () => ['SETRANGE', key(), pick(r, ['0', '1', '3', '10', '-1', 'x', '100']), value(r)],
    () => [pick(r, ['GETRANGE', 'SUBSTR']), key(), int(r), int(r)],
    () => {
      const opts: string[] = [];
      for (let i = Math.floor(r() * 3); i > 0; i--) {
        opts.push(pick(r, ['LEN', 'IDX', 'WITHMATCHLEN', 'MINMATCHLEN', 'x', 'idx']));
        if (opts[opts.length - 1] === 'MINMATCHLEN' && r() < 0.9) opts.push(int(r));
      }
      return ['LCS', key(), key(), ...opts];
    },
  ];
  const argv = pick(r, cmds)();
  // Now and then a wrong number of arguments.
  const x = r();
  if (x < 0.02) return argv.slice(0, 1 + Math.floor(r() * argv.length));
  if (x < 0.03) return [...argv, value(r)];
  return argv;
}

streamTests('string', () => pair, KEYS, gen, 42);
