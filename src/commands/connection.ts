/** Connection commands: PING, ECHO, QUIT, RESET, SELECT, SWAPDB, AUTH, HELLO. */
import type { Handler } from './table.js';
import type { Client } from '../server/client.js';
import { REDIS_VERSION } from '../server/server.js';

const WRONGPASS = 'WRONGPASS invalid username-password pair or user is disabled.';

/** Whether `name` is acceptable for CLIENT SETNAME / HELLO SETNAME (bytes '!'..'~' only). */
export function validClientName(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const ch = name.charCodeAt(i);
    if (ch < 0x21 || ch > 0x7e) return false;
  }
  return true;
}

function checkPassword(c: Client, user: string, pass: string): boolean {
  if (user !== 'default') return false;
  const required = c.server.config.get('requirepass');
  return required === '' || pass === required;
}

function helloReply(c: Client): void {
  const s = c.server;
  const r = c.reply;
  r.map(7);
  r.bulk('server');
  r.bulk('redis');
  r.bulk('version');
  r.bulk(REDIS_VERSION);
  r.bulk('proto');
  r.integer(r.resp);
  r.bulk('id');
  r.integer(c.id);
  r.bulk('mode');
  r.bulk(s.config.get('cluster-enabled') ? 'cluster' : 'standalone');
  r.bulk('role');
  r.bulk(s.isReplica() ? 'replica' : 'master');
  r.bulk('modules');
  r.array(0);
}

export const connectionCommands: Record<string, Handler> = {
  ping(c, argv) {
    if (argv.length > 2) {
      c.reply.err("wrong number of arguments for 'ping' command");
      return;
    }
    if (c.kind === 'pubsub' && c.resp === 2) {
      c.reply.array(2);
      c.reply.bulk('pong');
      c.reply.bulk(argv.length === 2 ? argv[1] : '');
      return;
    }
    if (argv.length === 2) c.reply.bulk(argv[1]);
    else c.reply.simple('PONG');
  },

  echo(c, argv) {
    c.reply.bulk(argv[1]);
  },

  quit(c) {
    c.reply.ok();
    c.closeAfterReply = true;
  },

  reset(c) {
    c.server.resetClient(c);
    c.reply.simple('RESET');
  },

  select(c, argv) {
    const s = c.server;
    const raw = argv[1];
    if (!/^-?\d+$/.test(raw) || raw.length > 20) {
      c.reply.err('value is not an integer or out of range');
      return;
    }
    const id = Number(raw);
    if (s.config.get('cluster-enabled') && id !== 0) {
      c.reply.err('SELECT is not allowed in cluster mode');
      return;
    }
    if (id < 0 || id >= s.keyspace.dbs.length) {
      c.reply.err('DB index is out of range');
      return;
    }
    c.db = s.keyspace.dbs[id];
    c.reply.ok();
  },

  auth(c, argv) {
    if (argv.length > 3) {
      c.reply.err('syntax error');
      return;
    }
    const s = c.server;
    if (argv.length === 2 && s.config.get('requirepass') === '') {
      c.reply.err(
        'AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
      );
      return;
    }
    const user = argv.length === 3 ? argv[1] : 'default';
    const pass = argv[argv.length - 1];
    if (checkPassword(c, user, pass)) {
      c.authenticated = true;
      c.user = user;
      c.reply.ok();
    } else {
      s.log.verbose(`Authentication failed for user ${user}`);
      c.reply.error(WRONGPASS);
    }
  },

  hello(c, argv) {
    let proto: 2 | 3 | 0 = 0;
    let i = 1;
    if (argv.length >= 2) {
      const raw = argv[1];
      const v = /^-?\d+$/.test(raw) && raw.length <= 20 ? Number(raw) : NaN;
      if (Number.isNaN(v)) {
        c.reply.err('Protocol version is not an integer or out of range');
        return;
      }
      if (v !== 2 && v !== 3) {
        c.reply.error('NOPROTO unsupported protocol version');
        return;
      }
      proto = v;
      i = 2;
    }
    let name: string | null = null;
    for (; i < argv.length; i++) {
      const opt = argv[i].toLowerCase();
      const more = argv.length - i - 1;
      if (opt === 'auth' && more >= 2) {
        if (!checkPassword(c, argv[i + 1], argv[i + 2])) {
          c.reply.error(WRONGPASS);
          return;
        }
        c.authenticated = true;
        c.user = argv[i + 1];
        i += 2;
      } else if (opt === 'setname' && more >= 1) {
        if (!validClientName(argv[i + 1])) {
          c.reply.err('Client names cannot contain spaces, newlines or special characters.');
          return;
        }
        name = argv[i + 1];
        i += 1;
      } else {
        c.reply.err(`Syntax error in HELLO option '${argv[i]}'`);
        return;
      }
    }
    if (!c.authenticated) {
      c.reply.error(
        'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time',
      );
      return;
    }
    if (name !== null) c.name = name;
    if (proto !== 0) c.reply.resp = proto;
    helloReply(c);
  },
};
