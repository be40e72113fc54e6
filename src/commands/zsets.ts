/**
 * The sorted-set family with Redis 7.0's argument parsing order, error texts and reply shapes
 * (WITHSCORES flat in RESP2, [member, score] pairs in RESP3). Every range query resolves to a
 * run of consecutive ranks found in O(log n), then walks the B+tree's leaves from its start;
 * ZMPOP propagates as ZPOPMIN/ZPOPMAX.
 */
import type { Handler } from './table.js';
import type { Client } from '../server/client.js';
import { lookupZset, newZset, ZSetValue, zsetLimits } from '../types/zset.js';
import { zsetPopCommands } from '../types/zset-pop.js';
import { SetValue, WRONGTYPE } from '../types/set.js';
import { lexCount, lexFirst, lexLast, lexRemove } from '../types/zset-lex.js';
import {
  lexGteMin,
  lexLteMax,
  parseLexRange,
  parseScoreRange,
  scoreGteMin,
  scoreLteMax,
  type ScoreRange,
} from '../types/zset-range.js';
import { union, inter, diff, type Aggregate, type Source } from '../types/zset-setops.js';
import { parseCursor, parseScanOptions } from '../types/set-scan.js';
import { globMatch } from '../util/glob.js';
import { parseDouble, parseLong } from '../util/parse.js';
import { formatG17 } from '../util/numfmt.js';
import { BULK_WRITER_MIN, BulkWriter } from '../types/bulk-writer.js';

const NOT_INT = 'value is not an integer or out of range';
const NOT_FLOAT = 'value is not a valid float';
const SCORE_RANGE_ERR = 'min or max is not a float';
const LEX_RANGE_ERR = 'min or max not valid string range item';
const NAN_ERR = 'resulting score is not a number (NaN)';

/** `count` consecutive entries from 0-based rank `start`, descending when `rev`. */
interface Run {
  start: number;
  count: number;
  rev: boolean;
}

const EMPTY: Run = { start: 0, count: 0, rev: false };

/** Replies members (and scores) of a run: flat in RESP2, pairs in RESP3. */
function replyRun(c: Client, z: ZSetValue | undefined, run: Run, withscores: boolean): void {
  const n = z === undefined ? 0 : run.count;
  const r = n < BULK_WRITER_MIN ? c.reply : new BulkWriter(c.reply.resp);
  r.array(withscores && r.resp === 2 ? n * 2 : n);
  if (n > 0) z!.writeRange(run.start, n, run.rev, withscores, r);
  if (r instanceof BulkWriter) r.end(c.reply);
}

/** Replies picked members (and scores), as replyRun. */
function replyPicks(c: Client, members: string[], scores: number[], withscores: boolean): void {
  const n = members.length;
  const r = n < BULK_WRITER_MIN ? c.reply : new BulkWriter(c.reply.resp);
  const nested = withscores && r.resp === 3;
  r.array(withscores && !nested ? n * 2 : n);
  for (let k = 0; k < n; k++) {
    if (nested) r.array(2);
    r.bulk(members[k]);
    if (withscores) r.double(scores[k]);
  }
  if (r instanceof BulkWriter) r.end(c.reply);
}

/** Stores `z` at `dst` (or deletes `dst` when empty) and replies its size. */
function storeZset(c: Client, dst: string, z: ZSetValue): void {
  if (z.size > 0) {
    c.db.set(dst, z);
    c.server.dirty++;
  } else if (c.db.delete(dst)) {
    c.server.dirty++;
  }
  c.reply.integer(z.size);
}

// --- ZADD / ZINCRBY -------------------------------------------------------------------------

function zadd(c: Client, argv: string[], incrCmd: boolean): void {
  let nx = false,
    xx = false,
    gt = false,
    lt = false,
    ch = false,
    incr = incrCmd;
  let i = 2;
  for (; i < argv.length; i++) {
    const o = argv[i].toLowerCase();
    if (o === 'nx') nx = true;
    else if (o === 'xx') xx = true;
    else if (o === 'ch') ch = true;
    else if (o === 'incr') incr = true;
    else if (o === 'gt') gt = true;
    else if (o === 'lt') lt = true;
    else break;
  }
  const elements = argv.length - i;
  if (elements % 2 !== 0 || elements === 0) return c.reply.err('syntax error');
  if (nx && xx) return c.reply.err('XX and NX options at the same time are not compatible');
  if ((gt && nx) || (lt && nx) || (gt && lt)) {
    return c.reply.err('GT, LT, and/or NX options at the same time are not compatible');
  }
  if (incr && elements > 2) {
    return c.reply.err('INCR option supports a single increment-element pair');
  }
  const scores: number[] = [];
  for (let j = i; j < argv.length; j += 2) {
    const s = parseDouble(argv[j]);
    if (s === null) return c.reply.err(NOT_FLOAT);
    scores.push(s);
  }
  const key = argv[1];
  let z = lookupZset(c, key);
  if (z === null) return;
  let added = 0,
    updated = 0,
    processed = 0;
  let last = 0;
  if (z === undefined && !xx) {
    z = newZset(c, argv[i + 1].length);
    c.db.set(key, z);
  }
  if (z !== undefined) {
    const limits = zsetLimits(c);
    for (let j = 0; j < scores.length; j++) {
      const m = argv[i + j * 2 + 1];
      let score = scores[j];
      const id = z.slotOf(m);
      if (id >= 0) {
        if (nx) continue;
        const cur = z.scoreAt(id);
        if (incr) {
          score += cur;
          if (Number.isNaN(score)) {
            c.server.dirty += added + updated;
            return c.reply.err(NAN_ERR);
          }
        }
        if ((lt && score >= cur) || (gt && score <= cur)) continue;
        last = score;
        processed++;
        if (score !== cur) {
          z.update(m, id, cur, score);
          updated++;
        }
      } else if (!xx) {
        z.add(m, score, limits);
        added++;
        processed++;
        last = score;
      }
    }
  }
  c.server.dirty += added + updated;
  if (incr) {
    if (processed) c.reply.double(last);
    else c.reply.nil();
  } else {
    c.reply.integer(ch ? added + updated : added);
  }
}

// --- ranges ---------------------------------------------------------------------------------

type RangeType = 'auto' | 'rank' | 'score' | 'lex';
type Direction = 'auto' | 'fwd' | 'rev';

/** The run of a rank range (after Redis's index sanitizing). */
function rankRange(z: ZSetValue, start: number, end: number, rev: boolean): Run {
  const len = z.size;
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  if (start > end || start >= len) return EMPTY;
  if (end >= len) end = len - 1;
  return { start: rev ? len - 1 - start : start, count: end - start + 1, rev };
}

/**
 * Redis's LIMIT walk: from rank `first` skip `offset` entries (in range or not), then take
 * entries while `inRange` holds, at most `limit` (negative: no limit). A negative offset
 * skips everything, as in Redis. Counts by walking, so it holds for any predicate.
 */
function walk(
  z: ZSetValue,
  first: number,
  rev: boolean,
  offset: number,
  limit: number,
  inRange: (m: string, s: number) => boolean,
): Run {
  if (first < 0 || offset < 0) return EMPTY;
  const start = rev ? first - offset : first + offset;
  if (start < 0 || start >= z.size) return EMPTY;
  const cur = z.at(start);
  let count = 0;
  while (count !== limit && inRange(cur.member, cur.score)) {
    count++;
    if (!(rev ? cur.prev() : cur.next())) break;
  }
  return { start, count, rev };
}

/**
 * The run of a score range with LIMIT: scores are ordered, so both ends come from two
 * O(log n) rank searches instead of a walk.
 */
function scoreRun(z: ZSetValue, r: ScoreRange, rev: boolean, offset: number, limit: number): Run {
  const b = scoreRanks(z, r);
  if (b === null || offset < 0) return EMPTY;
  const avail = b[1] - b[0] + 1 - offset;
  if (avail <= 0) return EMPTY;
  const count = limit < 0 ? avail : Math.min(limit, avail);
  return { start: rev ? b[1] - offset : b[0] + offset, count, rev };
}

function zrangeGeneric(
  c: Client,
  argv: string[],
  argStart: number,
  store: string | null,
  type0: RangeType,
  dir0: Direction,
): void {
  let type = type0;
  let dir = dir0;
  let withscores = false;
  let offset = 0;
  let limit = -1;
  for (let j = argStart + 3; j < argv.length; j++) {
    const o = argv[j].toLowerCase();
    const left = argv.length - j - 1;
    if (store === null && o === 'withscores') withscores = true;
    else if (o === 'limit' && left >= 2) {
      const a = parseLong(argv[j + 1]);
      if (a === null) return c.reply.err(NOT_INT);
      const b = parseLong(argv[j + 2]);
      if (b === null) return c.reply.err(NOT_INT);
      offset = a;
      limit = b;
      j += 2;
    } else if (dir === 'auto' && o === 'rev') dir = 'rev';
    else if (type === 'auto' && o === 'bylex') type = 'lex';
    else if (type === 'auto' && o === 'byscore') type = 'score';
    else return c.reply.err('syntax error');
  }
  if (dir === 'auto') dir = 'fwd';
  if (type === 'auto') type = 'rank';
  if (limit !== -1 && type === 'rank') {
    return c.reply.err(
      'syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX',
    );
  }
  if (withscores && type === 'lex') {
    return c.reply.err('syntax error, WITHSCORES not supported in combination with BYLEX');
  }
  const rev = dir === 'rev';
  let minArg = argv[argStart + 1];
  let maxArg = argv[argStart + 2];
  if (rev && type !== 'rank') [minArg, maxArg] = [maxArg, minArg];
  let collect: (z: ZSetValue) => Run;
  if (type === 'rank') {
    const start = parseLong(minArg);
    if (start === null) return c.reply.err(NOT_INT);
    const end = parseLong(maxArg);
    if (end === null) return c.reply.err(NOT_INT);
    collect = (z) => rankRange(z, start, end, rev);
  } else if (type === 'score') {
    const r = parseScoreRange(minArg, maxArg);
    if (!r) return c.reply.err(SCORE_RANGE_ERR);
    collect = (z) => scoreRun(z, r, rev, offset, limit);
  } else {
    const r = parseLexRange(minArg, maxArg);
    if (!r) return c.reply.err(LEX_RANGE_ERR);
    collect = (z) =>
      rev
        ? walk(z, lexLast(z, r), true, offset, limit, (m) => lexGteMin(m, r))
        : walk(z, lexFirst(z, r), false, offset, limit, (m) => lexLteMax(m, r));
  }
  const z = lookupZset(c, argv[argStart]);
  if (z === null) return;
  const run = z === undefined ? EMPTY : collect(z);
  if (store === null) {
    replyRun(c, z, run, withscores);
    return;
  }
  const dst = newZset(c);
  if (run.count > 0) {
    const limits = zsetLimits(c);
    const cur = z!.at(run.start);
    for (let k = 0; k < run.count; k++) {
      dst.set(cur.member, cur.score, limits);
      if (run.rev) cur.prev();
      else cur.next();
    }
  }
  storeZset(c, store, dst);
}

function rangeCommand(argStart: number, type: RangeType, dir: Direction): Handler {
  return (c, argv) => zrangeGeneric(c, argv, argStart, null, type, dir);
}

function zremrangeGeneric(c: Client, argv: string[], type: 'rank' | 'score' | 'lex'): void {
  let remove: (z: ZSetValue) => number;
  if (type === 'rank') {
    const s0 = parseLong(argv[2]);
    if (s0 === null) return c.reply.err(NOT_INT);
    const e0 = parseLong(argv[3]);
    if (e0 === null) return c.reply.err(NOT_INT);
    remove = (z) => {
      let start = s0 < 0 ? z.size + s0 : s0;
      let end = e0 < 0 ? z.size + e0 : e0;
      if (start < 0) start = 0;
      if (start > end || start >= z.size) return 0;
      if (end >= z.size) end = z.size - 1;
      return z.removeRanks(start, end);
    };
  } else if (type === 'score') {
    const r = parseScoreRange(argv[2], argv[3]);
    if (!r) return c.reply.err(SCORE_RANGE_ERR);
    remove = (z) => {
      const b = scoreRanks(z, r);
      return b ? z.removeRanks(b[0], b[1]) : 0;
    };
  } else {
    const r = parseLexRange(argv[2], argv[3]);
    if (!r) return c.reply.err(LEX_RANGE_ERR);
    remove = (z) => lexRemove(z, r);
  }
  const key = argv[1];
  const z = lookupZset(c, key);
  if (z === null) return;
  if (z === undefined) return c.reply.integer(0);
  const removed = remove(z);
  if (z.size === 0) c.db.delete(key);
  c.server.dirty += removed;
  c.reply.integer(removed);
}

/** 0-based rank bounds of the members whose scores are in `r`, or null. */
function scoreRanks(z: ZSetValue, r: ScoreRange): [number, number] | null {
  const a = z.countScoresBefore((s) => !scoreGteMin(s, r));
  const b = z.countScoresBefore((s) => scoreLteMax(s, r)) - 1;
  return a <= b ? [a, b] : null;
}

const zsetCountCommands: Record<'zcount' | 'zlexcount', Handler> = {
  zcount(c, argv) {
    const r = parseScoreRange(argv[2], argv[3]);
    if (!r) return c.reply.err(SCORE_RANGE_ERR);
    const z = lookupZset(c, argv[1]);
    if (z === null) return;
    const b = z === undefined ? null : scoreRanks(z, r);
    c.reply.integer(b ? b[1] - b[0] + 1 : 0);
  },

  zlexcount(c, argv) {
    const r = parseLexRange(argv[2], argv[3]);
    if (!r) return c.reply.err(LEX_RANGE_ERR);
    const z = lookupZset(c, argv[1]);
    if (z === null) return;
    c.reply.integer(z === undefined ? 0 : lexCount(z, r));
  },
};

// --- ZRANDMEMBER ----------------------------------------------------------------------------

function randomRank(z: ZSetValue): number {
  return Math.floor(Math.random() * z.size);
}

function zrandmember(c: Client, argv: string[]): void {
  if (argv.length < 3) {
    const z = lookupZset(c, argv[1]);
    if (z === null) return;
    c.reply.bulkOrNull(z ? z.at(randomRank(z)).member : null);
    return;
  }
  const l = parseLong(argv[2]);
  if (l === null) return c.reply.err(NOT_INT);
  if (argv[2] === '-9223372036854775808') {
    return c.reply.err(
      'value is out of range, value must between -9223372036854775807 and 9223372036854775807',
    );
  }
  if (argv.length > 4 || (argv.length === 4 && argv[3].toLowerCase() !== 'withscores')) {
    return c.reply.err('syntax error');
  }
  const withscores = argv.length === 4;
  if (withscores && Math.abs(l) >= 2 ** 62) {
    return c.reply.err('value is out of range');
  }
  const z = lookupZset(c, argv[1]);
  if (z === null) return;
  if (z === undefined || l === 0) return c.reply.array(0);
  const count = Math.abs(l);
  if (count >= z.size && l > 0) return replyRun(c, z, rankRange(z, 0, -1, false), withscores);
  const members: string[] = [];
  const scores: number[] = [];
  // A listpack set is read into one array first: a packed set would be walked once per pick.
  const all = z.listpack ? [...z.entries()] : null;
  const pick = (rank: number) => {
    if (all !== null) {
      members.push(all[rank][0]);
      scores.push(all[rank][1]);
      return;
    }
    const cur = z.at(rank);
    members.push(cur.member);
    scores.push(cur.score);
  };
  if (l < 0 || count === 1) {
    for (let i = 0; i < count; i++) pick(randomRank(z));
  } else {
    const picked = new Set<number>();
    while (picked.size < count) picked.add(randomRank(z));
    for (const rank of picked) pick(rank);
  }
  replyPicks(c, members, scores, withscores);
}

// --- ZUNION / ZINTER / ZDIFF ----------------------------------------------------------------

type SetOp = 'union' | 'inter' | 'diff';

function setOpGeneric(
  c: Client,
  argv: string[],
  numkeysIdx: number,
  op: SetOp,
  dst: string | null,
  cardOnly: boolean,
): void {
  const name = argv[0].toLowerCase();
  const setnum = parseLong(argv[numkeysIdx]);
  if (setnum === null) return c.reply.err(NOT_INT);
  if (setnum < 1) return c.reply.err(`at least 1 input key is needed for '${name}' command`);
  if (setnum > argv.length - (numkeysIdx + 1)) return c.reply.err('syntax error');
  const sources: Source[] = [];
  let j = numkeysIdx + 1;
  for (let i = 0; i < setnum; i++, j++) {
    const v = c.db.get(argv[j]);
    if (v !== undefined && !(v instanceof ZSetValue) && !(v instanceof SetValue)) {
      return c.reply.error(WRONGTYPE);
    }
    sources.push({ value: v, weight: 1 });
  }
  let how: Aggregate = 'sum';
  let withscores = false;
  let limit = 0;
  while (j < argv.length) {
    const o = argv[j].toLowerCase();
    const remaining = argv.length - j;
    if (op !== 'diff' && !cardOnly && remaining >= setnum + 1 && o === 'weights') {
      j++;
      for (let i = 0; i < setnum; i++, j++) {
        const w = parseDouble(argv[j]);
        if (w === null) return c.reply.err('weight value is not a float');
        sources[i].weight = w;
      }
    } else if (op !== 'diff' && !cardOnly && remaining >= 2 && o === 'aggregate') {
      const a = argv[j + 1].toLowerCase();
      if (a !== 'sum' && a !== 'min' && a !== 'max') return c.reply.err('syntax error');
      how = a;
      j += 2;
    } else if (dst === null && !cardOnly && o === 'withscores') {
      withscores = true;
      j++;
    } else if (cardOnly && remaining >= 2 && o === 'limit') {
      const l = parseLong(argv[j + 1]);
      if (l === null || l < 0) return c.reply.err("LIMIT can't be negative");
      limit = l;
      j += 2;
    } else {
      return c.reply.err('syntax error');
    }
  }
  if (cardOnly) {
    c.reply.integer(inter(sources, how, true, limit).count);
    return;
  }
  const result =
    op === 'union'
      ? union(sources, how)
      : op === 'inter'
        ? inter(sources, how).result
        : diff(sources);
  // Built as a skiplist, as Redis builds it: a -0 score survives into the reply.
  const z = newZset(c, Infinity);
  const limits = zsetLimits(c);
  for (const [m, s] of result) z.set(m, s, limits);
  if (dst !== null) {
    z.shrinkIfSmall(limits);
    storeZset(c, dst, z);
    return;
  }
  replyRun(c, z, rankRange(z, 0, -1, false), withscores);
}

function setOpCommand(op: SetOp, store: boolean): Handler {
  return (c, argv) =>
    store
      ? setOpGeneric(c, argv, 2, op, argv[1], false)
      : setOpGeneric(c, argv, 1, op, null, false);
}

/**
 * A score as a listpack stores it (and ZSCAN then shows it): integral values within
 * +-(2^63-1)/2 as exact integers, others as %.17g.
 */
function listpackScore(d: number): string {
  if (Number.isInteger(d) && Math.abs(d) <= 2 ** 62) return BigInt(d).toString();
  return formatG17(d);
}

// --- the table ------------------------------------------------------------------------------

export const zsetCommands: Record<string, Handler> = {
  zadd: (c, argv) => zadd(c, argv, false),
  zincrby: (c, argv) => zadd(c, argv, true),

  zscore(c, argv) {
    const z = lookupZset(c, argv[1]);
    if (z === null) return;
    const s = z?.score(argv[2]);
    if (s === undefined) c.reply.nil();
    else c.reply.double(s);
  },

  zmscore(c, argv) {
    const z = lookupZset(c, argv[1]);
    if (z === null) return;
    c.reply.array(argv.length - 2);
    for (let i = 2; i < argv.length; i++) {
      const s = z?.score(argv[i]);
      if (s === undefined) c.reply.nil();
      else c.reply.double(s);
    }
  },

  zcard(c, argv) {
    const z = lookupZset(c, argv[1]);
    if (z !== null) c.reply.integer(z?.size ?? 0);
  },

  zrank(c, argv) {
    const z = lookupZset(c, argv[1]);
    if (z === null) return;
    const r = z ? z.rank(argv[2]) : -1;
    if (r < 0) c.reply.nil();
    else c.reply.integer(r);
  },

  zrevrank(c, argv) {
    const z = lookupZset(c, argv[1]);
    if (z === null) return;
    const r = z ? z.rank(argv[2]) : -1;
    if (r < 0) c.reply.nil();
    else c.reply.integer(z!.size - 1 - r);
  },

  zrem(c, argv) {
    const key = argv[1];
    const z = lookupZset(c, key);
    if (z === null) return;
    if (z === undefined) return c.reply.integer(0);
    let removed = 0;
    for (let i = 2; i < argv.length; i++) {
      if (z.remove(argv[i])) removed++;
      if (z.size === 0) {
        c.db.delete(key);
        break;
      }
    }
    c.server.dirty += removed;
    c.reply.integer(removed);
  },

  ...zsetCountCommands,

  zrange: rangeCommand(1, 'auto', 'auto'),
  zrevrange: rangeCommand(1, 'rank', 'rev'),
  zrangebyscore: rangeCommand(1, 'score', 'fwd'),
  zrevrangebyscore: rangeCommand(1, 'score', 'rev'),
  zrangebylex: rangeCommand(1, 'lex', 'fwd'),
  zrevrangebylex: rangeCommand(1, 'lex', 'rev'),
  zrangestore: (c, argv) => zrangeGeneric(c, argv, 2, argv[1], 'auto', 'auto'),

  zremrangebyrank: (c, argv) => zremrangeGeneric(c, argv, 'rank'),
  zremrangebyscore: (c, argv) => zremrangeGeneric(c, argv, 'score'),
  zremrangebylex: (c, argv) => zremrangeGeneric(c, argv, 'lex'),

  ...zsetPopCommands,

  zrandmember: zrandmember,

  zunion: setOpCommand('union', false),
  zinter: setOpCommand('inter', false),
  zdiff: setOpCommand('diff', false),
  zunionstore: setOpCommand('union', true),
  zinterstore: setOpCommand('inter', true),
  zdiffstore: setOpCommand('diff', true),
  zintercard: (c, argv) => setOpGeneric(c, argv, 1, 'inter', null, true),

  zscan(c, argv) {
    const cursor = parseCursor(c, argv[2]);
    if (cursor === null) return;
    const z = lookupZset(c, argv[1]);
    if (z === null) return;
    if (z === undefined) return c.reply.raw('*2\r\n$1\r\n0\r\n*0\r\n');
    const opts = parseScanOptions(c, argv, 3, cursor);
    if (!opts) return;
    let next = 0;
    let items: [string, number][] = [];
    if (z.listpack) items = [...z.entries()];
    else if (cursor <= Number.MAX_SAFE_INTEGER) {
      next = z.scanStep(cursor, opts.count, (m, score) => items.push([m, score]));
    }
    const pat = opts.pattern;
    if (pat !== null) items = items.filter(([m]) => globMatch(pat, m));
    c.reply.array(2);
    c.reply.bulk(String(next));
    c.reply.array(items.length * 2);
    const fmt = z.listpack ? listpackScore : formatG17;
    for (const [m, s] of items) {
      c.reply.bulk(m);
      c.reply.bulk(fmt(s));
    }
  },
};
