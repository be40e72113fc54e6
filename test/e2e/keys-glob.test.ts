/**
 * The shared glob matcher (src/util/glob.ts) in process: Redis's quirks one by one, and the
 * case-insensitive mode CONFIG GET uses. (keys-diff.test.ts checks it against redis-server's
 * KEYS on random patterns.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { globMatch } from '../../src/util/glob.js';

const CASES: [string, string, boolean][] = [
  ['*', 'anything', true],
  ['*', '', false],
  ['', '', true],
  ['', 'a', false],
  ['h?llo', 'hello', true],
  ['h?llo', 'hllo', false],
  ['h*llo', 'hllo', true],
  ['h*llo', 'heeeello', true],
  ['h[ae]llo', 'hallo', true],
  ['h[ae]llo', 'hillo', false],
  ['h[^e]llo', 'hallo', true],
  ['h[^e]llo', 'hello', false],
  ['h[a-b]llo', 'hbllo', true],
  ['h[b-a]llo', 'hallo', true],
  ['h\\*llo', 'h*llo', true],
  ['h\\*llo', 'hello', false],
  ['a\\', 'a\\', true],
  ['[abc', 'b', true],
  ['[', 'a', false],
  ['[^', 'x', true],
  ['[a-]x]', ']', true],
  ['[a-]x]', 'x', true],
  ['[a-]x]', 'b', false],
  ['[\\]]', ']', true],
  ['[\\-]', '-', true],
  ['*a*b*c', 'xxaxxbxxc', true],
  ['*a*b*c', 'xxaxxcxxb', false],
  ['a*', 'a', true],
  ['**', 'x', true],
  // Bytes 0x80..0xff compare as signed chars in ranges: below 'a'.
  ['[\x80-a]', '0', true],
  ['[\x80-a]', 'b', false],
  ['[\x80-a]', '\xff', true],
  ['[a-\xff]', '\x80', false],
];

test('glob matching follows Redis stringmatchlen', () => {
  for (const [p, s, want] of CASES) {
    assert.equal(globMatch(p, s), want, `${JSON.stringify(p)} ~ ${JSON.stringify(s)}`);
  }
});

test('case-insensitive matching (CONFIG GET)', () => {
  assert.equal(globMatch('MAXMEMORY*', 'maxmemory-policy', true), true);
  assert.equal(globMatch('[A-Z]ort', 'port', true), true);
  assert.equal(globMatch('[a-z]ORT', 'PORT', true), true);
  assert.equal(globMatch('Port', 'port', false), false);
  assert.equal(globMatch('p?RT', 'Port', true), true);
});

test('many stars against a long subject finish (no exponential backtracking)', () => {
  assert.equal(globMatch(`${'a*'.repeat(500)}b`, 'a'.repeat(5000)), false);
  assert.equal(globMatch(`${'a*'.repeat(500)}b`, `${'a'.repeat(5000)}b`), true);
});
