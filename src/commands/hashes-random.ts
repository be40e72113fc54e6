/**
 * HRANDFIELD. Random choices cannot follow Redis's RNG; the reply shapes and the rules do:
 * a negative count may repeat fields, a positive count returns distinct fields (the whole hash
 * when count >= size), and WITHVALUES in RESP3 gives [field, value] pairs.
 */
import type { Client } from '../server/client.js';
import { parseInt64 } from '../util/parse.js';
import type { HashValue } from '../types/hash.js';
import { lookupHash } from './hashes.js';

const LONG_MAX = 9223372036854775807n;

export function hrandfield(c: Client, argv: string[]): void {
  if (argv.length === 2) {
    const h = lookupHash(c, argv[1], true);
    if (h === null) return;
    if (h === undefined) c.reply.nil();
    else c.reply.bulk(h.randomEntry(Math.random)[0]);
    return;
  }
  const l = parseInt64(argv[2]);
  if (l === null) {
    c.reply.err('value is not an integer or out of range');
    return;
  }
  if (l < -LONG_MAX) {
    c.reply.err(
      'value is out of range, value must between -9223372036854775807 and 9223372036854775807',
    );
    return;
  }
  if (argv.length > 4 || (argv.length === 4 && argv[3].toLowerCase() !== 'withvalues')) {
    c.reply.err('syntax error');
    return;
  }
  const withValues = argv.length === 4;
  if (withValues && (l < -LONG_MAX / 2n || l > LONG_MAX / 2n)) {
    c.reply.err('value is out of range');
    return;
  }
  const h = lookupHash(c, argv[1], true);
  if (h === null) return;
  if (h === undefined || l === 0n) {
    c.reply.array(0);
    return;
  }
  withCount(c, h, l, withValues);
}

function withCount(c: Client, h: HashValue, l: bigint, withValues: boolean): void {
  const unique = l > 0n;
  const count = Number(unique ? l : -l);
  const pairs = withValues && c.reply.resp === 3;
  const header = (n: number): void => c.reply.array(withValues && !pairs ? n * 2 : n);
  const emit = (f: string, v: string): void => {
    if (pairs) c.reply.array(2);
    c.reply.bulk(f);
    if (withValues) c.reply.bulk(v);
  };
  if (!unique || count === 1) {
    header(count);
    if (h.scansWhole) {
      // Small (listpack) hash: index an array instead of walking the Map per pick.
      const all = [...h.entries()];
      for (let i = 0; i < count; i++) {
        const [f, v] = all[Math.floor(Math.random() * all.length)];
        emit(f, v);
      }
    } else {
      for (let i = 0; i < count; i++) {
        const [f, v] = h.randomEntry(Math.random);
        emit(f, v);
      }
    }
    return;
  }
  if (count >= h.size) {
    header(h.size);
    for (const [f, v] of h.entries()) emit(f, v);
    return;
  }
  header(count);
  if (count * 3 > h.size || h.scansWhole) {
    // Many of the fields: a partial shuffle of all of them.
    const all = [...h.entries()];
    for (let i = 0; i < count; i++) {
      const j = i + Math.floor(Math.random() * (all.length - i));
      [all[i], all[j]] = [all[j], all[i]];
      emit(all[i][0], all[i][1]);
    }
    return;
  }
  // Few of many: random picks until enough distinct ones.
  const picked = new Set<string>();
  while (picked.size < count) {
    const [f, v] = h.randomEntry(Math.random);
    if (picked.has(f)) continue;
    picked.add(f);
    emit(f, v);
  }
}
