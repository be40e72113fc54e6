/** SAVE, BGSAVE and BGREWRITEAOF. */
import type { Handler } from './table.js';
import { aofOf } from '../persistence/aof/aof-persistence.js';

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
    const aof = aofOf(c.server);
    if (aof.rewrite) {
      // One background job at a time, as Redis's single child: SCHEDULE runs it afterwards.
      if (argv.length === 2) {
        aof.bgsaveScheduled = true;
        c.reply.simple('Background saving scheduled');
      } else {
        c.reply.err(
          "Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.",
        );
      }
      return;
    }
    p.startBgsave();
    c.reply.simple('Background saving started');
  },

  bgrewriteaof(c) {
    switch (aofOf(c.server).bgrewrite(c.server.inExec)) {
      case 'in-progress':
        c.reply.err('Background append only file rewriting already in progress');
        break;
      case 'scheduled':
        c.reply.simple('Background append only file rewriting scheduled');
        break;
      case 'started':
        c.reply.simple('Background append only file rewriting started');
        break;
      case 'failed':
        c.reply.err(
          "Can't execute an AOF background rewriting. Please check the server logs for more information.",
        );
        break;
    }
  },
};
