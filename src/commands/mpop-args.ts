/** The argument grammar LMPOP, BLMPOP, ZMPOP and BZMPOP share: `numkeys key... WHERE [COUNT n]`. */
import type { Client } from '../server/client.js';
import { parseLong } from '../util/parse.js';

export interface MpopArgs<W> {
  keys: string[];
  /** The parsed LEFT/RIGHT or MIN/MAX word. */
  where: W;
  count: number;
}

/**
 * Parses from `numkeys` at argv[at]; `parseWhere` maps the direction word (null: not valid).
 * Returns null after replying the error, with Redis's texts and checks in Redis's order.
 */
export function parseMpop<W>(
  c: Client,
  argv: string[],
  at: number,
  parseWhere: (word: string) => W | null,
): MpopArgs<W> | null {
  const numkeys = parseLong(argv[at]);
  if (numkeys === null || numkeys < 1) {
    c.reply.err('numkeys should be greater than 0');
    return null;
  }
  const whereAt = at + numkeys + 1;
  const where = whereAt < argv.length ? parseWhere(argv[whereAt]) : null;
  if (where === null) {
    c.reply.err('syntax error');
    return null;
  }
  let count = -1;
  for (let j = whereAt + 1; j < argv.length; j++) {
    if (count === -1 && argv[j].toLowerCase() === 'count' && j + 1 < argv.length) {
      const n = parseLong(argv[++j]);
      if (n === null || n < 1) {
        c.reply.err('count should be greater than 0');
        return null;
      }
      count = n;
    } else {
      c.reply.err('syntax error');
      return null;
    }
  }
  return { keys: argv.slice(at + 1, whereAt), where, count: count === -1 ? 1 : count };
}
