/**
 * Shared by the set and sorted-set differential tests: decoding raw RESP replies into values
 * (for the structural checks of random replies) and a full SSCAN/ZSCAN walk.
 */
import type { RawConn } from '../helpers/raw.js';
import { replyEnd } from '../helpers/raw.js';

export type Resp = string | number | null | Resp[] | { error: string };

/** Decodes one raw RESP2/RESP3 reply (doubles and bulks both become strings). */
export function decode(raw: string): Resp {
  const buf = Buffer.from(raw, 'latin1');
  return decodeAt(buf, 0).value;
}

function decodeAt(buf: Buffer, pos: number): { value: Resp; end: number } {
  const cr = buf.indexOf('\r\n', pos);
  const t = String.fromCharCode(buf[pos]);
  const head = buf.toString('latin1', pos + 1, cr);
  const next = cr + 2;
  switch (t) {
    case '+':
    case ',':
      return { value: head, end: next };
    case '-':
      return { value: { error: head }, end: next };
    case ':':
      return { value: Number(head), end: next };
    case '_':
      return { value: null, end: next };
    case '$': {
      const n = Number(head);
      if (n < 0) return { value: null, end: next };
      return { value: buf.toString('latin1', next, next + n), end: next + n + 2 };
    }
    case '*':
    case '~':
    case '%': {
      let n = Number(head);
      if (n < 0) return { value: null, end: next };
      if (t === '%') n *= 2;
      const items: Resp[] = [];
      let p = next;
      for (let i = 0; i < n; i++) {
        const r = decodeAt(buf, p);
        items.push(r.value);
        p = r.end;
      }
      return { value: items, end: p };
    }
    default:
      throw new Error(`cannot decode ${JSON.stringify(buf.toString('latin1', pos))}`);
  }
}

export function reEnd(raw: string): number {
  return replyEnd(Buffer.from(raw, 'latin1'), 0);
}

/**
 * Walks a whole SSCAN/ZSCAN (bounded) and returns the sorted distinct raw elements (for ZSCAN,
 * member+score pairs joined by a NUL), or the first error reply.
 */
export async function fullScan(conn: RawConn, argv: string[], pairs: boolean): Promise<string> {
  const seen = new Set<string>();
  let cursor = argv[2];
  for (let i = 0; i < 10000; i++) {
    const raw = await conn.call(argv[0], argv[1], cursor, ...argv.slice(3));
    const r = decode(raw);
    if (!Array.isArray(r)) return raw;
    const items = r[1] as string[];
    for (let j = 0; j < items.length; j += pairs ? 2 : 1) {
      seen.add(pairs ? `${items[j]}\0${items[j + 1]}` : items[j]);
    }
    cursor = r[0] as string;
    if (cursor === '0') break;
  }
  return JSON.stringify([...seen].sort());
}
