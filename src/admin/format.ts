/**
 * How redis-cli 7.0 prints replies: the "standard" form on a terminal (`(integer) 1`, `(nil)`,
 * numbered aggregates, quoted strings) and the raw form when stdout is not a terminal or with
 * --raw. Both were checked byte for byte against the real redis-cli.
 */
import type { RespValue } from './resp-reader.js';

/** C-style quoting of a byte string, as redis-cli's sdscatrepr. */
export function quoteRepr(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    const code = s.charCodeAt(i);
    if (ch === '\\' || ch === '"') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code === 7) out += '\\a';
    else if (code === 8) out += '\\b';
    else if (code >= 0x20 && code < 0x7f) out += ch;
    else out += '\\x' + code.toString(16).padStart(2, '0');
  }
  return out + '"';
}

const EMPTY: Record<string, string> = {
  array: '(empty array)',
  set: '(empty set)',
  push: '(empty push)',
  map: '(empty hash)',
};

function isAggregate(v: RespValue): v is Extract<RespValue, { items: RespValue[] }> {
  return v.t === 'array' || v.t === 'set' || v.t === 'push' || v.t === 'map';
}

/** The standard (terminal) form; every reply ends with a newline. */
export function formatTTY(v: RespValue, prefix = ''): string {
  switch (v.t) {
    case 'error':
      return `(error) ${v.s}\n`;
    case 'simple':
      return v.s + '\n';
    case 'int':
      return `(integer) ${v.s}\n`;
    case 'double':
      return `(double) ${v.s}\n`;
    case 'bignum':
      return `(big number) ${v.s}\n`;
    case 'bulk':
      return quoteRepr(v.s) + '\n';
    case 'verbatim':
      return v.s + '\n';
    case 'nil':
      return '(nil)\n';
    case 'bool':
      return v.b ? '(true)\n' : '(false)\n';
    default: {
      const isMap = v.t === 'map';
      const count = isMap ? v.items.length / 2 : v.items.length;
      if (count === 0) return EMPTY[v.t] + '\n';
      const width = String(count).length;
      const inner = prefix + ' '.repeat(width + 2);
      const sep = v.t === 'set' ? '~' : isMap ? '#' : ')';
      let out = '';
      for (let i = 0, n = 1; i < v.items.length; i++, n++) {
        out += (i === 0 ? '' : prefix) + String(n).padStart(width) + sep + ' ';
        out += formatTTY(v.items[i], inner);
        if (isMap) {
          const val = v.items[++i];
          out = out.slice(0, -1) + ' => ';
          // redis-cli breaks the line only before a nested aggregate of several entries.
          if (isAggregate(val) && val.items.length > (val.t === 'map' ? 2 : 1)) out += '\n' + inner;
          out += formatTTY(val, inner);
        }
      }
      return out;
    }
  }
}

/** The raw form, without the trailing command delimiter. */
export function formatRaw(v: RespValue): string {
  switch (v.t) {
    case 'nil':
      return '';
    case 'error':
      return v.s + '\n';
    case 'simple':
    case 'bulk':
    case 'verbatim':
    case 'int':
    case 'double':
    case 'bignum':
      return v.s;
    case 'bool':
      return v.b ? '(true)' : '(false)';
    case 'map': {
      const parts: string[] = [];
      for (let i = 0; i < v.items.length; i += 2)
        parts.push(formatRaw(v.items[i]) + ' ' + formatRaw(v.items[i + 1]));
      return parts.join('\n');
    }
    default:
      return v.items.map(formatRaw).join('\n');
  }
}
