/** Parses raw RESP reply bytes into plain values, for structural comparisons in tests. */

export type RespValue =
  | string
  | number
  | bigint
  | boolean
  | null
  | { error: string }
  | RespValue[]
  | { map: [RespValue, RespValue][] };

export function parseReply(raw: string): RespValue {
  let pos = 0;
  const line = (): string => {
    const end = raw.indexOf('\r\n', pos);
    const s = raw.slice(pos, end);
    pos = end + 2;
    return s;
  };
  const value = (): RespValue => {
    const t = raw[pos++];
    const head = line();
    switch (t) {
      case '+':
      case '(':
        return head;
      case '-':
        return { error: head };
      case ':':
        return Number(head);
      case ',':
        return Number(head);
      case '#':
        return head === 't';
      case '_':
        return null;
      case '$':
      case '=': {
        const n = Number(head);
        if (n < 0) return null;
        const s = raw.slice(pos, pos + n);
        pos += n + 2;
        return t === '=' ? s.slice(4) : s;
      }
      case '*':
      case '~':
      case '>': {
        const n = Number(head);
        if (n < 0) return null;
        const out: RespValue[] = [];
        for (let i = 0; i < n; i++) out.push(value());
        return out;
      }
      case '%':
      case '|': {
        const n = Number(head);
        const map: [RespValue, RespValue][] = [];
        for (let i = 0; i < n; i++) map.push([value(), value()]);
        return { map };
      }
      default:
        throw new Error(`bad RESP type ${JSON.stringify(t)} at ${pos}`);
    }
  };
  return value();
}
