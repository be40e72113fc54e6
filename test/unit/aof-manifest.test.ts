/** The AOF manifest format and the command-log reader, on bytes checked against redis-server. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Manifest, ManifestError, splitArgs } from '../../src/persistence/aof/manifest.js';
import {
  AofCommandReader,
  BAD_FORMAT,
  TRUNCATED,
} from '../../src/persistence/aof/command-reader.js';

test('manifest: parse and format round trip in Redis order (base, history, incrs)', () => {
  const text =
    'file appendonly.aof.2.base.rdb seq 2 type b\n' +
    'file appendonly.aof.1.incr.aof seq 1 type h\n' +
    'file appendonly.aof.2.incr.aof seq 2 type i\n' +
    'file appendonly.aof.3.incr.aof seq 3 type i\n';
  const l = text.split('\n');
  const m = Manifest.parse(`# a comment\n${[l[2], l[1], l[0], l[3]].join('\n')}\n`);
  assert.equal(m.format(), text);
  assert.equal(m.baseSeq, 2);
  assert.equal(m.incrSeq, 3);
});

test('manifest: unknown keys are ignored; quoted names with spaces round trip', () => {
  const m = Manifest.parse('file "a b.aof" seq 1 type i future x\n');
  assert.equal(m.incrs[0].name, 'a b.aof');
  assert.equal(m.format(), 'file "a b.aof" seq 1 type i\n');
  assert.deepEqual(splitArgs('a "x\\x41\\n" \'q\''), ['a', 'xA\n', 'q']);
  assert.equal(splitArgs('"unterminated'), null);
});

test('manifest: malformed content is refused with Redis reasons', () => {
  const cases: [string, string][] = [
    ['', 'Found an empty AOF manifest'],
    ['file a seq 1\n', 'Invalid AOF manifest file format'],
    ['file a seq 1 type b\n\n', 'Invalid AOF manifest file format'],
    ['file a/b seq 1 type b\n', "File can't be a path, just a filename"],
    ['file a seq 1 type x\n', 'Unknown AOF file type'],
    ['file a seq 1 type b\nfile b seq 2 type b\n', 'Found duplicate base file information'],
    ['file a seq 2 type i\nfile b seq 2 type i\n', 'Found a non-monotonic sequence number'],
    [`file ${'x'.repeat(1100)} seq 1 type b\n`, 'The AOF manifest file contains too long line'],
  ];
  for (const [text, msg] of cases) {
    assert.throws(
      () => Manifest.parse(text),
      (e: unknown) => e instanceof ManifestError && e.message === msg,
      JSON.stringify(text),
    );
  }
});

test('command reader: commands, comments, truncation points and bad format', () => {
  const good =
    '#TS:1\r\n*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nset\r\n$1\r\na\r\n$2\r\n\xff\x00\r\n';
  const r = new AofCommandReader(Buffer.from(good, 'latin1'), 0);
  assert.deepEqual(r.next(), ['SELECT', '0']);
  r.commit();
  assert.deepEqual(r.next(), ['set', 'a', '\xff\x00']);
  r.commit();
  assert.equal(r.next(), null);
  assert.equal(r.validUpTo, good.length);
  for (let cut = good.length - 1; cut > 30; cut--) {
    const t = new AofCommandReader(Buffer.from(good.slice(0, cut), 'latin1'), 0);
    assert.deepEqual(t.next(), ['SELECT', '0']);
    t.commit();
    assert.equal(t.next(), TRUNCATED, `cut at ${cut}`);
    assert.equal(t.validUpTo, 30);
  }
  assert.equal(new AofCommandReader(Buffer.from('garbage\r\n'), 0).next(), BAD_FORMAT);
  assert.equal(new AofCommandReader(Buffer.from('*0\r\n'), 0).next(), BAD_FORMAT);
  assert.equal(new AofCommandReader(Buffer.from('*1\r\n+x\r\n'), 0).next(), BAD_FORMAT);
});
