/** MULTI / EXEC / DISCARD / WATCH / UNWATCH. Queueing itself happens in the dispatcher. */
import type { Handler } from './table.js';
import type { Client } from '../server/client.js';
import { call } from '../server/dispatcher.js';

export function unwatchAll(c: Client): void {
  for (const w of c.watching) c.server.keyspace.unwatch(w.db, w.key, c);
  c.watching = [];
  c.dirtyCas = false;
}

export const transactionCommands: Record<string, Handler> = {
  multi(c) {
    if (c.multi) {
      c.reply.err('MULTI calls can not be nested');
      return;
    }
    c.multi = { queue: [], failed: false };
    c.reply.ok();
  },

  discard(c) {
    if (!c.multi) {
      c.reply.err('DISCARD without MULTI');
      return;
    }
    c.multi = null;
    unwatchAll(c);
    c.reply.ok();
  },

  exec(c) {
    const m = c.multi;
    if (!m) {
      c.reply.err('EXEC without MULTI');
      return;
    }
    c.multi = null;
    if (m.failed) {
      unwatchAll(c);
      c.reply.error('EXECABORT Transaction discarded because of previous errors.');
      return;
    }
    if (c.dirtyCas) {
      unwatchAll(c);
      c.reply.nilArray();
      return;
    }
    unwatchAll(c);
    const s = c.server;
    s.beginTransaction(c);
    c.reply.array(m.queue.length);
    for (const q of m.queue) call(s, c, q.def, q.argv);
    s.endTransaction(c);
  },

  watch(c, argv) {
    if (c.multi) {
      c.reply.err('WATCH inside MULTI is not allowed');
      return;
    }
    const ks = c.server.keyspace;
    for (let i = 1; i < argv.length; i++) {
      const key = argv[i];
      if (c.watching.some((w) => w.db === c.db && w.key === key)) continue;
      c.watching.push({ db: c.db, key });
      ks.watch(c.db, key, c);
    }
    c.reply.ok();
  },

  unwatch(c) {
    unwatchAll(c);
    c.reply.ok();
  },
};
