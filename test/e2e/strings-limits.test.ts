/**
 * Size limits of string growth (APPEND, SETRANGE, SETBIT, BITFIELD) and of LCS's transient
 * table, under a small proto-max-bulk-len (1 MB, its minimum), side by side with redis-server.
 */
import { test } from 'node:test';
import { redisServerOrSkip } from '../helpers/procs.js';
import { pairHooks, type Pair } from '../helpers/diff.js';
import { compareWithHistory } from './strings-stream.js';

let pair: Pair | null = null;

pairHooks((p) => (pair = p));

test('growth beyond proto-max-bulk-len is refused like Redis', async (t) => {
  if (!redisServerOrSkip(t) || !pair) return;
  const mb = 1024 * 1024;
  await compareWithHistory(pair, [
    ['FLUSHALL'],
    ['CONFIG', 'SET', 'proto-max-bulk-len', String(mb)],
    ['SET', 'big', 'a'.repeat(mb - 576)],
    ['APPEND', 'big', 'b'.repeat(600)],
    ['APPEND', 'big', 'b'.repeat(576)],
    ['STRLEN', 'big'],
    ['SETRANGE', 'big', String(mb - 1), 'x'],
    ['SETRANGE', 'big', String(mb), 'x'],
    ['SETRANGE', 'new', String(mb), 'x'],
    ['SETRANGE', 'new', String(mb), ''],
    ['SETRANGE', 'new', '9223372036854775807', 'x'],
    ['SETBIT', 'big', String(mb * 8 - 1), '1'],
    ['SETBIT', 'big', String(mb * 8), '1'],
    ['BITFIELD', 'big', 'SET', 'u8', `#${mb - 1}`, '1'],
    ['BITFIELD', 'big', 'SET', 'u8', `#${mb}`, '1'],
    ['BITFIELD', 'big', 'GET', 'i64', '#2305843009213693952'],
    ['GETBIT', 'big', String(mb * 8)],
    ['STRLEN', 'big'],
    ['SET', 'la', 'x'.repeat(600)],
    ['SET', 'lb', 'y'.repeat(600)],
    ['LCS', 'la', 'lb', 'LEN'],
    ['SET', 'lb', 'y'.repeat(400)],
    ['LCS', 'la', 'lb', 'LEN'],
    ['CONFIG', 'SET', 'proto-max-bulk-len', String(512 * mb)],
  ]);
});
