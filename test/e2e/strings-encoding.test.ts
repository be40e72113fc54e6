/**
 * OBJECT ENCODING of strings (int / embstr / raw, and raw after in-place changes until the
 * value is replaced) and INCRBYFLOAT's long double arithmetic at the edges of its range, side
 * by side with redis-server 7.0; plus stringEncoding's bookkeeping checked directly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redisServerOrSkip } from '../helpers/procs.js';
import { pairHooks, type Pair } from '../helpers/diff.js';
import { compareWithHistory } from './strings-stream.js';
import { Db, type DbOwner } from '../../src/keyspace/db.js';
import { markStringEncoding, stringEncoding } from '../../src/types/string-encoding.js';

let pair: Pair | null = null;

pairHooks((p) => (pair = p));

const enc = (k: string) => ['OBJECT', 'ENCODING', k];

test('OBJECT ENCODING follows Redis through stores and in-place changes', async (t) => {
  if (!redisServerOrSkip(t) || !pair) return;
  await compareWithHistory(pair, [
    ['FLUSHALL'],
    ['SET', 'k', '12345'],
    enc('k'),
    ['SET', 'k', '-9223372036854775808'],
    enc('k'),
    ['SET', 'k', '9223372036854775808'],
    enc('k'),
    ['SET', 'k', '012'],
    enc('k'),
    ['SET', 'k', 'x'.repeat(44)],
    enc('k'),
    ['SET', 'k', 'x'.repeat(45)],
    enc('k'),
    ['SET', 'k', '12'],
    ['APPEND', 'k', ''],
    enc('k'),
    ['SET', 'k', '12'],
    enc('k'),
    ['SETRANGE', 'k', '0', '3'],
    enc('k'),
    ['INCR', 'k'],
    enc('k'),
    ['INCRBYFLOAT', 'k', '1'],
    enc('k'),
    ['INCRBYFLOAT', 'k', '0.5'],
    enc('k'),
    ['SETBIT', 'k', '0', '0'],
    enc('k'),
    ['GETSET', 'k', '7'],
    enc('k'),
    ['BITFIELD', 'k', 'GET', 'u8', '0'],
    enc('k'),
    ['BITFIELD', 'k', 'SET', 'u8', '0', '55'],
    enc('k'),
    ['MSET', 'k', '1', 'j', 'abc'],
    enc('k'),
    ['BITOP', 'OR', 'd', 'k', 'j'],
    enc('d'),
    ['APPEND', 'new', '5'],
    enc('new'),
    ['SETRANGE', 'new2', '0', '5'],
    enc('new2'),
    ['SETBIT', 'new3', '1', '1'],
    enc('new3'),
    ['SET', 'new3', 'A'],
    enc('new3'),
    ['APPEND', 'r', 'abc'],
    ['APPEND', 'r', 'def'],
    ['RENAME', 'r', 'r2'],
    enc('r2'),
    ['SET', 'r', 'abcdef'],
    enc('r'),
    ['FLUSHALL'],
    ['SET', 'r2', 'abcdef'],
    enc('r2'),
  ]);
});

test('INCRBYFLOAT matches Redis across the long double range', async (t) => {
  if (!redisServerOrSkip(t) || !pair) return;
  const cases: [string, string][] = [
    ['0.1', '0.2'],
    ['10.5', '0.1'],
    ['1', '1e400'],
    ['0', '1.5e4000'],
    ['0', '1.18e4932'],
    ['0', '1.19e4932'],
    ['1.18e4932', '1.18e4932'],
    ['0', '1e-4940'],
    ['0', '3.7e-4951'],
    ['0', '1.9e-4951'],
    ['0', '1.8e-4951'],
    ['0', '0x1p-16445'],
    ['0', '0x1p-16446'],
    ['0', '0x1.fffffffffffffffep16383'],
    ['0', '0x1p16384'],
    ['0.3', '-0.1'],
    ['1e17', '0.5'],
    ['1e18', '1'],
    ['123456789012345678', '0.000000000000000001'],
    ['-1', '0.99999999999999999'],
    ['0', '-0'],
    ['-0', '-0'],
    ['5', '-5'],
    ['1e-18', '0'],
    ['-1e-18', '0'],
    ['3.0000000000000000001', '0'],
    ['0x10', '0x.8'],
    ['1e5000', '1'],
    ['0', '1e' + '9'.repeat(30)],
    ['0', '1e-' + '9'.repeat(30)],
    ['0', '0e' + '9'.repeat(30)],
    ['0', '1'.repeat(5119)],
    ['0', '1'.repeat(5120)],
  ];
  const cmds: string[][] = [];
  for (const [v, incr] of cases)
    cmds.push(['SET', 'f', v], ['INCRBYFLOAT', 'f', incr], ['GET', 'f']);
  await compareWithHistory(pair, cmds);
});

function testDb(): Db {
  const owner: DbOwner = {
    now: () => Date.now(),
    canExpire: () => true,
    onExpired: () => undefined,
    onKeyAdded: () => undefined,
    onKeyRemoved: () => undefined,
    onCleared: () => undefined,
  };
  return new Db(0, owner);
}

test('stringEncoding: a mark holds while the key keeps the marked value', () => {
  const db = testDb();
  db.set('k', '123');
  assert.equal(stringEncoding(db, 'k', '123'), 'int');
  markStringEncoding(db, 'k', '123', 'raw');
  assert.equal(stringEncoding(db, 'k', '123'), 'raw');
  // Another family replaced the value: the mark no longer applies.
  db.set('k', '1234');
  assert.equal(stringEncoding(db, 'k', '1234'), 'int');
  markStringEncoding(db, 'k', '1234', 'raw');
  db.clear();
  db.set('k', '1234');
  assert.equal(stringEncoding(db, 'k', '1234'), 'int');
  // Marks of deleted keys are swept once many accumulate.
  for (let i = 0; i < 5000; i++) {
    db.set(`x${i}`, 'v');
    markStringEncoding(db, `x${i}`, 'v', 'raw');
    db.delete(`x${i}`);
  }
  db.set('x1', 'v');
  assert.equal(stringEncoding(db, 'x1', 'v'), 'embstr');
});
