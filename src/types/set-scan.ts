/**
 * SSCAN/ZSCAN/HSCAN support: the cursor and option parsing, and SSCAN's cursor scheme over live Map iterators (a ZSCAN cursor is a FieldTable slot instead). An SSCAN
 * cursor is the number of elements handed out so far; the live iterator that continues from it
 * is cached on the value, so elements present for the whole scan are returned exactly once even
 * while the collection changes. An unknown cursor (evicted, or from before a restart) falls back
 * to skipping that many elements.
 */
import type { Client } from '../server/client.js';
import { parseCursor as parseCursorArg } from '../keyspace/scan.js';
import { parseLong } from '../util/parse.js';

export interface ScanArgs {
  cursor: number;
  count: number;
  /** Null when there is no pattern or it is `*`. */
  pattern: string | null;
}

/** Parses the cursor as strtoul does (sign allowed, no leading space); null after replying. */
export function parseCursor(c: Client, s: string): number | null {
  const v = parseCursorArg(s);
  if (v === null) c.reply.err('invalid cursor');
  return v === null ? null : Number(v);
}

/** Parses MATCH/COUNT options from argv[from..]; null after replying an error. */
export function parseScanOptions(
  c: Client,
  argv: string[],
  from: number,
  cursor: number,
): ScanArgs | null {
  const out: ScanArgs = { cursor, count: 10, pattern: null };
  for (let i = from; i < argv.length; i += 2) {
    const opt = argv[i].toLowerCase();
    const left = argv.length - i;
    if (opt === 'count' && left >= 2) {
      const n = parseLong(argv[i + 1]);
      if (n === null) {
        c.reply.err('value is not an integer or out of range');
        return null;
      }
      if (n < 1) {
        c.reply.err('syntax error');
        return null;
      }
      out.count = n;
    } else if (opt === 'match' && left >= 2) {
      out.pattern = argv[i + 1] === '*' ? null : argv[i + 1];
    } else {
      c.reply.err('syntax error');
      return null;
    }
  }
  return out;
}

interface ScanState<T> {
  it: Iterator<T>;
  /** An element read ahead to know whether the iteration had ended. */
  pending: T | undefined;
}

const MAX_CURSORS = 16;

/** Cursor-based iteration over a hashtable-encoded collection. */
export class LiveScan<T> {
  private states = new Map<number, ScanState<T>>();

  /**
   * Returns up to `count` elements from `cursor` and the next cursor (0 when done).
   * `fresh` opens a new live iterator; `alive` says whether a read-ahead element still exists.
   */
  step(
    cursor: number,
    count: number,
    fresh: () => Iterator<T>,
    alive: (e: T) => boolean,
  ): { next: number; items: T[] } {
    let st = this.states.get(cursor);
    if (st) this.states.delete(cursor);
    else {
      st = { it: fresh(), pending: undefined };
      for (let i = 0; i < cursor; i++) if (st.it.next().done) return { next: 0, items: [] };
    }
    const items: T[] = [];
    if (st.pending !== undefined && alive(st.pending)) items.push(st.pending);
    st.pending = undefined;
    while (items.length < count) {
      const r = st.it.next();
      if (r.done) return { next: 0, items };
      items.push(r.value);
    }
    const r = st.it.next();
    if (r.done) return { next: 0, items };
    st.pending = r.value;
    const next = cursor + items.length;
    if (this.states.size >= MAX_CURSORS) {
      this.states.delete(this.states.keys().next().value as number);
    }
    this.states.set(next, st);
    return { next, items };
  }
}
