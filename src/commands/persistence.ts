/** SAVE and BGSAVE. */
import type { Handler } from './table.js';

export const persistenceCommands: Record<string, Handler> = {
  save(c) {
    const p = c.server.rdb;
    if (p.inProgress) {
      c.reply.err('Background save already in progress');
      return;
    }
    if (p.saveSync()) c.reply.ok();
    else c.reply.error('ERR');
  },

  bgsave(c, argv) {
    const p = c.server.rdb;
    if (argv.length > 2 || (argv.length === 2 && argv[1].toLowerCase() !== 'schedule')) {
      c.reply.err('syntax error');
      return;
    }
    if (p.inProgress) {
      c.reply.err('Background save already in progress');
      return;
    }
    p.startBgsave();
    c.reply.simple('Background saving started');
  },
};
