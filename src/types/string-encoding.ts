/**
 * What OBJECT ENCODING reports for a string value, as Redis 7.0 would.
 *
 * A value stored by SET and friends is `int` when it reads as a 64-bit integer in canonical form
 * (at most 20 bytes), `embstr` up to 44 bytes, `raw` beyond. A value modified in place (APPEND,
 * SETRANGE, SETBIT, BITFIELD writes, BITOP's destination) is `raw` whatever its content, until
 * it is replaced; an INCRBYFLOAT result is never `int`. Strings are plain JS strings and cannot
 * carry such a flag, so the few keys concerned are remembered here, per database dict, together
 * with the value they were given: the mark holds only while the key still has exactly that
 * value. Replacing a dict (FLUSHDB) therefore forgets its marks, and entries left behind by
 * deleted keys are swept once the table has doubled.
 */
import type { Db } from '../keyspace/db.js';
import { parseInt64 } from '../util/parse.js';

type Dict = Db['dict'];

/** Values longer than this are `raw` even when stored whole (OBJ_ENCODING_EMBSTR_SIZE_LIMIT). */
const EMBSTR_MAX = 44;
const SWEEP_MIN = 1024;

export type StringEncoding = 'int' | 'embstr' | 'raw';

interface Mark {
  value: string;
  encoding: StringEncoding;
}

interface Marks {
  keys: Map<string, Mark>;
  sweepAt: number;
}

const marksByDict = new WeakMap<Dict, Marks>();

let anyMarks = false;

/**
 * False until some key was marked: lets the SET/INCR hot path skip the bookkeeping entirely on
 * servers that never modify strings in place.
 */
export function stringMarksExist(): boolean {
  return anyMarks;
}

/** Records that `key` now holds `value` with an encoding other than a fresh store's. */
export function markStringEncoding(
  db: Db,
  key: string,
  value: string,
  encoding: 'embstr' | 'raw',
): void {
  let marks = marksByDict.get(db.dict);
  if (!marks) {
    marks = { keys: new Map(), sweepAt: SWEEP_MIN };
    marksByDict.set(db.dict, marks);
  }
  marks.keys.set(key, { value, encoding });
  anyMarks = true;
  if (marks.keys.size >= marks.sweepAt) sweep(db.dict, marks);
}

/** Forgets the mark of `key`: it was replaced by a freshly stored value. */
export function unmarkStringEncoding(db: Db, key: string): void {
  marksByDict.get(db.dict)?.keys.delete(key);
}

function sweep(dict: Dict, marks: Marks): void {
  for (const [key, mark] of marks.keys) {
    if (dict.get(key) !== mark.value) marks.keys.delete(key);
  }
  marks.sweepAt = Math.max(SWEEP_MIN, marks.keys.size * 2);
}

/** The encoding a freshly stored string value gets (tryObjectEncoding). */
export function freshStringEncoding(value: string): StringEncoding {
  if (value.length <= 20 && parseInt64(value) !== null) return 'int';
  return value.length <= EMBSTR_MAX ? 'embstr' : 'raw';
}

/** OBJECT ENCODING of the string `value` stored at `key` in `db`. */
export function stringEncoding(db: Db, key: string, value: string): StringEncoding {
  if (anyMarks) {
    const mark = marksByDict.get(db.dict)?.keys.get(key);
    if (mark !== undefined && mark.value === value) return mark.encoding;
  }
  return freshStringEncoding(value);
}
