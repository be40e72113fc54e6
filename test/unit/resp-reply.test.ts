/** The reply writer: RESP2 and RESP3 encodings, RESP3 types degrading to RESP2, error codes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { Reply } from '../../src/resp/reply.js';

function writer(resp: 2 | 3): { r: Reply; codes: string[] } {
  const codes: string[] = [];
  const r = new Reply({ countError: (c) => codes.push(c) });
  r.resp = resp;
  return { r, codes };
}

test('RESP2 forms of every reply type', () => {
  const { r } = writer(2);
  r.ok();
  r.simple('PONG');
  r.integer(-42);
  r.integer(9223372036854775807n);
  r.bulk('a\r\nb');
  r.bulkOrNull(null);
  r.nil();
  r.nilArray();
  r.map(1);
  r.set(2);
  r.push(3);
  r.double(1.5);
  r.double(Infinity);
  r.bool(true);
  r.verbatim('# Server\r\n');
  r.bulkArray(['x', '']);
  r.bulkOrNullArray(['y', undefined]);
  assert.equal(
    r.take(),
    '+OK\r\n+PONG\r\n:-42\r\n:9223372036854775807\r\n$4\r\na\r\nb\r\n$-1\r\n$-1\r\n*-1\r\n' +
      '*2\r\n*2\r\n*3\r\n$3\r\n1.5\r\n$3\r\ninf\r\n:1\r\n$10\r\n# Server\r\n\r\n' +
      '*2\r\n$1\r\nx\r\n$0\r\n\r\n*2\r\n$1\r\ny\r\n$-1\r\n',
  );
  assert.equal(r.take(), '');
});

test('RESP3 forms', () => {
  const { r } = writer(3);
  r.nil();
  r.nilArray();
  r.map(1);
  r.set(2);
  r.push(3);
  r.double(-0.25);
  r.double(-Infinity);
  r.bool(false);
  r.verbatim('# Keyspace\r\n');
  assert.equal(
    r.take(),
    '_\r\n_\r\n%1\r\n~2\r\n>3\r\n,-0.25\r\n,-inf\r\n#f\r\n=16\r\ntxt:# Keyspace\r\n\r\n',
  );
});

test('doubles print as %.17g', () => {
  const { r } = writer(3);
  r.double(0.1);
  r.double(1e21);
  r.double(3);
  assert.equal(r.take(), ',0.10000000000000001\r\n,1e+21\r\n,3\r\n');
});

test('errors: CR/LF become spaces, the code is counted', () => {
  const { r, codes } = writer(2);
  r.error('WRONGTYPE Operation against a key holding the wrong kind of value');
  r.err('bad\r\nthing');
  r.error('NOCODE');
  assert.equal(
    r.take(),
    '-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-ERR bad  thing\r\n-NOCODE\r\n',
  );
  assert.deepEqual(codes, ['WRONGTYPE', 'ERR', 'NOCODE']);
});

test('latin1 bytes pass through unchanged and lengths count bytes', () => {
  const { r } = writer(2);
  const bytes = '\x00\xff\xe9\x80';
  r.bulk(bytes);
  const out = Buffer.from(r.take(), 'latin1');
  assert.deepEqual(
    out,
    Buffer.concat([Buffer.from('$4\r\n'), Buffer.from([0, 0xff, 0xe9, 0x80]), Buffer.from('\r\n')]),
  );
});

test('integer replies print every integer as V8 does, across the digit-group boundaries', () => {
  const { r } = writer(2);
  const values = [0, -0, 7, -7, 999, 1000, 1001, 10_000, 99_999, 100_000, 999_999, 1_000_000];
  values.push(123_456_789, 999_999_999, 1e9, -1e9, -999_999_999, 2 ** 53 - 1, -(2 ** 53) + 1);
  // A seeded walk over magnitudes, so every group width and zero padding case comes up.
  let seed = 12345;
  for (let i = 0; i < 3000; i++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const n = Math.floor((seed / 2 ** 31) * 10 ** (1 + (i % 12)));
    values.push(i % 2 ? n : -n);
  }
  for (const n of values) {
    r.out = '';
    r.integer(n);
    assert.equal(r.out, `:${String(n)}\r\n`, `integer ${n}`);
  }
});

test('pieces keep their place among string replies; truncate() cuts back to any mark', () => {
  const { r } = writer(2);
  const text = (): string => {
    const saved = r.size;
    const all = r.take();
    assert.equal(all.length, saved);
    return all;
  };
  r.ok();
  const afterOk = r.size;
  r.pieces([Buffer.from('*2\r\n$1\r\na\r\n'), 'BIGSTRING', Buffer.from('\r\n')]);
  r.integer(5);
  assert.equal(r.size, 5 + 11 + 9 + 2 + 4);
  // Every mark: the first `mark` bytes of the whole, whatever piece it falls in.
  const whole = '+OK\r\n*2\r\n$1\r\na\r\nBIGSTRING\r\n:5\r\n';
  for (let mark = 0; mark <= whole.length; mark++) {
    r.ok();
    r.pieces([Buffer.from('*2\r\n$1\r\na\r\n'), 'BIGSTRING', Buffer.from('\r\n')]);
    r.integer(5);
    r.truncate(mark);
    assert.equal(r.size, mark);
    r.simple('X');
    assert.equal(text(), whole.slice(0, mark) + '+X\r\n', `mark ${mark}`);
  }
  r.ok();
  r.pieces([Buffer.from('$1\r\nb\r\n')]);
  r.truncate(afterOk);
  assert.equal(text(), '+OK\r\n');
  r.pieces(['x']);
  r.clear();
  assert.equal(r.size, 0);
  assert.equal(text(), '');
});

test('writeTo() sends string replies and pieces in order, then the reply is empty', async () => {
  const { r } = writer(2);
  const sink = new PassThrough();
  const got: Buffer[] = [];
  sink.on('data', (b: Buffer) => got.push(b));
  r.simple('A');
  r.writeTo(sink);
  r.simple('B');
  r.pieces([Buffer.from(new SharedArrayBuffer(3)).fill(0x43), 'DD']);
  r.simple('E');
  assert.equal(r.size, 4 + 3 + 2 + 4);
  r.writeTo(sink);
  assert.equal(r.size, 0);
  await new Promise((res) => setImmediate(res));
  assert.equal(Buffer.concat(got).toString('latin1'), '+A\r\n+B\r\nCCCDD+E\r\n');
});
