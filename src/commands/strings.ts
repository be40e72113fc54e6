/** PLACEHOLDER: string commands (GET/SET only until the strings family lands). */
import type { Handler } from './table.js';

export const stringCommands: Record<string, Handler> = {
  get(c, argv) {
    const v = c.db.get(argv[1]);
    if (v === undefined) c.reply.nil();
    else if (typeof v !== 'string')
      c.reply.error('WRONGTYPE Operation against a key holding the wrong kind of value');
    else c.reply.bulk(v);
  },
  set(c, argv) {
    c.db.set(argv[1], argv[2]);
    c.server.dirty++;
    c.reply.ok();
  },
};
