/**
 * The request parser's limits and inline splitting. Limits are checked in-process with exact
 * error texts (Redis 7.0 networking.c); the inline quoting rules are checked against a live
 * redis-server: for each line, the arguments redis-server sees must be the ones splitArgs gives.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RequestParser, ProtocolError, splitArgs, parseLongLong } from '../../src/resp/parser.js';
import { redisServerOrSkip, startRedis } from '../helpers/procs.js';
import { RawConn, encodeCommand } from '../helpers/raw.js';

const AUTHED = { unauthenticated: false, maxBulkLen: 512 * 1024 * 1024 };
const UNAUTHED = { ...AUTHED, unauthenticated: true };

/** Feeds the pieces and returns every command, then the error text if one ended the stream. */
function parse(pieces: (string | Buffer)[], limits = AUTHED): (string[] | string)[] {
  const p = new RequestParser();
  const out: (string[] | string)[] = [];
  for (const piece of pieces) {
    p.feed(typeof piece === 'string' ? Buffer.from(piece, 'latin1') : piece);
    for (;;) {
      const r = p.next(limits);
      if (r === null) break;
      if (r instanceof ProtocolError) return [...out, r.message];
      out.push(r);
    }
  }
  return out;
}

test('multibulk count limits', () => {
  assert.deepEqual(parse(['*2147483648\r\n']), ['invalid multibulk length']);
  assert.deepEqual(parse(['*2147483647\r\n$1\r\na\r\n']), []); // waits for more arguments
  assert.deepEqual(parse(['*-0\r\n']), ['invalid multibulk length']);
  assert.deepEqual(parse(['*-9223372036854775808\r\n*1\r\n$1\r\na\r\n']), [['a']]);
  assert.deepEqual(parse(['*-9223372036854775809\r\n']), ['invalid multibulk length']);
  assert.deepEqual(parse(['*' + '9'.repeat(70000)]), ['too big mbulk count string']);
  assert.deepEqual(parse(['*' + '9'.repeat(65535)]), []); // exactly 64 KB: still waiting
  assert.deepEqual(parse(['*11\r\n'], UNAUTHED), ['unauthenticated multibulk length']);
  assert.deepEqual(parse(['*10\r\n'], UNAUTHED), []);
});

test('bulk length limits', () => {
  assert.deepEqual(parse(['*1\r\n$-1\r\n']), ['invalid bulk length']);
  assert.deepEqual(parse(['*1\r\n$+1\r\n']), ['invalid bulk length']);
  const small = { ...AUTHED, maxBulkLen: 1024 * 1024 };
  assert.deepEqual(parse(['*1\r\n$1048577\r\n'], small), ['invalid bulk length']);
  assert.deepEqual(parse(['*1\r\n$1048576\r\n'], small), []);
  assert.deepEqual(parse(['*1\r\n$16385\r\n'], UNAUTHED), ['unauthenticated bulk length']);
  assert.deepEqual(parse(['*1\r\n$16384\r\n'], UNAUTHED), []);
  assert.deepEqual(parse(['*1\r\n$' + '1'.repeat(70000)]), ['too big bulk count string']);
  assert.deepEqual(parse(['*1\r\nx\r\n']), ["expected '$', got 'x'"]);
});

test('inline limits', () => {
  assert.deepEqual(parse(['a'.repeat(65537)]), ['too big inline request']);
  assert.deepEqual(parse(['a'.repeat(65536)]), []);
  assert.deepEqual(parse(['ECHO "unterminated\r\n']), ['unbalanced quotes in request']);
  assert.deepEqual(parse(['PING\r\n\r\n  \r\nPING\n']), [['PING'], [], [], ['PING']]);
});

test('a NUL before the line end hides it, as strchr does in Redis', () => {
  assert.deepEqual(parse(['PING\0\r\nPING\r\n']), []);
  assert.deepEqual(parse(['*1\0\r\n$4\r\nPING\r\n']), []);
  assert.deepEqual(parse(['*1\r\n$4\r\nPI\0G\r\n']), [['PI\0G']]); // payloads are binary-safe
});

test('the two bytes after a bulk payload are skipped unchecked', () => {
  assert.deepEqual(parse(['*1\r\n$4\r\nPINGxx*1\r\n$4\r\nECHO\r\n']), [['PING'], ['ECHO']]);
});

test('big bulks arrive in any chunking, byte-exact', () => {
  const payload = Buffer.alloc(200000);
  for (let i = 0; i < payload.length; i++) payload[i] = (i * 31) & 0xff;
  const whole = Buffer.concat([
    Buffer.from(`*2\r\n$3\r\nSET\r\n$${payload.length}\r\n`),
    payload,
    Buffer.from('\r\n*1\r\n$4\r\nPING\r\n'),
  ]);
  const expected = [['SET', payload.toString('latin1')], ['PING']];
  for (const size of [1, 7, 1000, 16384, 65536, whole.length]) {
    const pieces: Buffer[] = [];
    for (let p = 0; p < whole.length; p += size) pieces.push(whole.subarray(p, p + size));
    assert.deepEqual(parse(pieces), expected, `chunks of ${size}`);
  }
});

test('repeated names and keys come out right, whatever differs and however it is read', () => {
  // The parser hands the previous command's name and key back when the bytes repeat; every
  // near miss (same length, one byte off at either end, longer than what it keeps) must not.
  const long = 'k'.repeat(80);
  const cmds = [
    ['RPUSH', 'list', 'a'],
    ['RPUSH', 'list', 'b'],
    ['RPUSH', 'lisT', 'c'],
    ['RPUSH', 'List', 'd'],
    ['RPUSH', 'list'],
    ['rpush', 'list', 'e'],
    ['GET', long],
    ['GET', `${long.slice(1)}x`],
    ['GET', long],
    ['SET', 'key:000000000001', 'x'],
    ['SET', 'key:000000000002', 'y'],
    ['SET', 'key:100000000002', 'z'],
    ['SET', '', ''],
    ['SET', '\0\r\n\xff', 'bin'],
    ['SET', '\0\r\n\xfe', 'bin'],
    ['PING'],
    ['PING'],
  ];
  const wire = Buffer.concat(cmds.map(encodeCommand));
  for (const size of [1, 3, 16, 64, wire.length]) {
    // Borrowed chunks: the parser must not keep pointing into a buffer that gets overwritten.
    const p = new RequestParser();
    const scratch = Buffer.alloc(size);
    const out: string[][] = [];
    for (let at = 0; at < wire.length; at += size) {
      const n = wire.copy(scratch, 0, at, at + size);
      p.feed(scratch.subarray(0, n), true);
      for (let r = p.next(AUTHED); r !== null; r = p.next(AUTHED)) {
        assert.ok(!(r instanceof ProtocolError));
        out.push(r);
      }
      p.detach();
      scratch.fill(0x3f);
    }
    assert.deepEqual(out, cmds, `chunks of ${size}`);
  }
});

test('arguments of every short length come out byte-exact', () => {
  // Short arguments are built byte by byte, longer ones sliced natively: both must agree.
  const args = ['ECHO'];
  for (let len = 0; len <= 40; len++) {
    let a = '';
    for (let k = 0; k < len; k++) a += String.fromCharCode((len * 37 + k * 101) & 0xff);
    args.push(a);
  }
  const [got] = parse([encodeCommand(args)]);
  assert.deepEqual(got, args);
});

test('a command with more arguments than are allocated up front keeps them all', () => {
  const args = ['MSET'];
  for (let i = 0; i < 1500; i++) args.push(`k${i}`, `v${i}`);
  const [got] = parse([encodeCommand(args)]);
  assert.deepEqual(got, args);
});

test('a byte-at-a-time trickle of a 64 KB line is accumulated and parsed once complete', () => {
  const p = new RequestParser();
  const one = Buffer.from('a');
  for (let i = 0; i < 65536; i++) {
    p.feed(one);
    assert.equal(p.next(AUTHED), null);
  }
  assert.equal(p.buffered, 65536);
  p.feed(Buffer.from('\r\n'));
  assert.deepEqual(p.next(AUTHED), ['a'.repeat(65536)]);
  assert.equal(p.buffered, 0);
});

test('parseLongLong follows string2ll', () => {
  const v = (s: string) => parseLongLong(Buffer.from(s), 0, s.length);
  assert.equal(v('0'), 0);
  assert.equal(v('-1'), -1);
  assert.equal(v('123'), 123);
  for (const bad of ['', '-', '-0', '01', '+1', ' 1', '1 ', '9223372036854775808', '1e3']) {
    assert.ok(Number.isNaN(v(bad)), bad);
  }
  assert.ok(v('9223372036854775807') > 9e18);
  assert.ok(v('-9223372036854775808') < -9e18);
});

/** Lines whose splitting has a rule behind it; each is checked against redis-server. */
const LINES = [
  'a b  c',
  '\t a\tb \v',
  'a\vb c\fd',
  '"a b" c',
  "'a b' c",
  'ab"c d"e',
  'x"a b"',
  '"a\\nb\\r\\t\\b\\a\\q\\\\"',
  '"\\x41\\x4a\\x4g\\x"',
  '"\\x7"',
  "'it\\'s' 'a\\\"b'",
  "'a\\nb'",
  '"a"\vb',
  '"a"\fb',
  '""',
  "''",
  '"" x \'\'',
  '"a"b',
  "'a'b",
  '"unterminated',
  "'unterminated",
  '"a\\"',
  'é ÿ "\xff\\xff"',
];

test('inline splitting matches redis-server', async (t) => {
  if (!redisServerOrSkip(t)) return;
  const redis = await startRedis();
  const c = await RawConn.open(redis.port);
  try {
    for (const line of LINES) {
      const ours = splitArgs(line);
      // Redis echoes the arguments of an unknown command in its error text: one quoted word
      // each, CR/LF mapped to spaces, NUL-free here. An unbalanced line closes the connection.
      const conn = ours === null ? await RawConn.open(redis.port) : c;
      conn.write(Buffer.from(`splitargs-probe ${line}\r\n`, 'latin1'));
      const reply = await conn.readReply();
      if (ours === null) {
        assert.equal(reply, '-ERR Protocol error: unbalanced quotes in request\r\n', line);
        await conn.waitClosed();
        continue;
      }
      let args = '';
      for (const a of ours) args += `'${a.replace(/[\r\n]/g, ' ')}' `;
      const expected = `-ERR unknown command 'splitargs-probe', with args beginning with: ${args}\r\n`;
      assert.equal(reply, expected, JSON.stringify(line));
      // ECHO shows a single argument byte for byte.
      if (ours.length === 1) {
        const echoed = await c.call(...['ECHO', ours[0]]);
        c.write(Buffer.from(`ECHO ${line}\r\n`, 'latin1'));
        assert.equal(await c.readReply(), echoed, JSON.stringify(line));
      }
    }
  } finally {
    c.close();
    await redis.stop();
  }
});
