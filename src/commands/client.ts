/**
 * CLIENT subcommands: identity (ID, SETNAME, GETNAME, INFO, LIST), control of other connections
 * (KILL, PAUSE, UNPAUSE, UNBLOCK), per-connection modes (REPLY, NO-EVICT) and the tracking
 * queries (GETREDIR, TRACKINGINFO; tracking itself is not implemented, so it is always off).
 * Unknown subcommands, e.g. 7.2's SETINFO, get the dispatcher's "unknown subcommand" error, as
 * 7.0 answers and as client libraries expect.
 */
import type { Client, ClientKind } from '../server/client.js';
import type { Server } from '../server/server.js';
import type { Handler } from './table.js';
import { listedClients } from '../server/info.js';
import { pubsubOf } from '../server/pubsub.js';
import { validClientName } from './connection.js';
import { replyHelp, subcommandSyntaxError } from './introspection.js';

/** Redis's client type names (getClientTypeByName); `slave` is the old name of `replica`. */
function clientType(name: string): ClientKind | null {
  switch (name.toLowerCase()) {
    case 'normal':
      return 'normal';
    case 'replica':
    case 'slave':
      return 'replica';
    case 'pubsub':
      return 'pubsub';
    case 'master':
      return 'master';
    default:
      return null;
  }
}

function flags(c: Client): string {
  let f = '';
  if (c.monitor) f += 'O';
  else if (c.kind === 'replica') f += 'S';
  if (c.kind === 'master') f += 'M';
  if (c.kind === 'pubsub') f += 'P';
  if (c.multi) f += 'x';
  if (c.blocked) f += 'b';
  if (c.dirtyCas) f += 'd';
  if (c.closeAfterReply) f += 'c';
  if (c.readonlyMode) f += 'r';
  if (c.noEvict) f += 'e';
  return f || 'N';
}

function fd(c: Client): number {
  const handle = (c.socket as unknown as { _handle?: { fd?: number } } | null)?._handle;
  return typeof handle?.fd === 'number' ? handle.fd : -1;
}

/**
 * What an idle Redis 7.0 connection reports: its query buffer allocation after the first read
 * (qbuf + qbuf-free) and its tot-mem (client struct, query and reply buffers).
 */
const QUERY_BUF_ALLOC = 20474;
const CLIENT_BASE_MEM = 37632;

/** Size of `argv` as a RESP multibulk request. */
function encodedLength(argv: string[]): number {
  let n = 3 + String(argv.length).length;
  for (const a of argv) n += 5 + String(a.length).length + a.length;
  return n;
}

function argvBytes(argv: string[] | null): number {
  let n = 0;
  if (argv) for (const a of argv) n += a.length;
  return n;
}

/**
 * One CLIENT LIST / CLIENT INFO line. `current` is the argv of the command this client is
 * executing (CLIENT LIST itself), which Redis counts in argv-mem.
 */
function clientLine(c: Client, current: string[] | null): string {
  const now = Date.now();
  // Redis counts the executing command in the query buffer until it completes.
  const qbuf = c.parser.buffered + (current ? encodedLength(current) : 0);
  const argvMem = argvBytes(current);
  const multiMem = c.multi ? c.multi.queue.reduce((n, q) => n + argvBytes(q.argv), 0) : 0;
  const obl = c.reply.size;
  const omem = c.socket?.writableLength ?? 0;
  const pendingWrite = omem > 0 || obl > 0;
  const qbufFree = Math.max(0, QUERY_BUF_ALLOC - qbuf);
  // The argv array itself: one pointer per argument.
  const argvArray = current ? 8 * current.length : 0;
  const subs = pubsubOf(c.server).subsOf(c);
  const totMem =
    CLIENT_BASE_MEM + Math.max(0, qbuf - QUERY_BUF_ALLOC) + argvMem + argvArray + multiMem + omem;
  return (
    `id=${c.id} addr=${c.addr} laddr=${c.laddr} fd=${fd(c)} name=${c.name} ` +
    `age=${Math.floor((now - c.createdAt) / 1000)} idle=${Math.floor((now - c.lastInteraction) / 1000)} ` +
    `flags=${flags(c)} db=${c.db.id} sub=${subs?.channel.size ?? 0} psub=${subs?.pattern.size ?? 0} ssub=${subs?.shard.size ?? 0} multi=${c.multi ? c.multi.queue.length : -1} ` +
    `qbuf=${qbuf} qbuf-free=${qbufFree} argv-mem=${argvMem} multi-mem=${multiMem} ` +
    `rbs=16384 rbp=16384 obl=${obl} oll=0 omem=${omem} tot-mem=${totMem} ` +
    `events=${pendingWrite ? 'rw' : 'r'} cmd=${c.lastCommand} ` +
    `user=${c.user} redir=-1 resp=${c.resp}`
  );
}

function listReply(c: Client, argv: string[], clients: Iterable<Client>): void {
  let text = '';
  for (const other of clients) {
    text += `${clientLine(other, other === c ? argv : null)}\n`;
  }
  c.reply.verbatim(text);
}

function clientList(c: Client, argv: string[]): void {
  const s = c.server;
  if (argv.length === 4 && argv[2].toLowerCase() === 'type') {
    const type = clientType(argv[3]);
    if (type === null) {
      c.reply.err(`Unknown client type '${argv[3]}'`);
      return;
    }
    listReply(
      c,
      argv,
      [...listedClients(s)].filter((o) => typeOf(o) === type),
    );
    return;
  }
  if (argv.length >= 4 && argv[2].toLowerCase() === 'id') {
    const picked: Client[] = [];
    for (const raw of argv.slice(3)) {
      if (!/^-?\d{1,19}$/.test(raw)) {
        c.reply.err('Invalid client ID');
        return;
      }
      const other = s.clients.get(Number(raw));
      if (other && !other.closed) picked.push(other);
    }
    listReply(c, argv, picked);
    return;
  }
  if (argv.length !== 2) {
    c.reply.err('syntax error');
    return;
  }
  listReply(c, argv, listedClients(s));
}

/** The type CLIENT LIST TYPE / CLIENT KILL TYPE match on (a monitor counts as normal). */
function typeOf(c: Client): ClientKind {
  return c.monitor ? 'normal' : c.kind;
}

/** Closes `target`; the caller itself is closed only after this reply is written. */
function kill(s: Server, caller: Client, target: Client): void {
  if (target === caller) caller.closeAfterReply = true;
  else s.closeClient(target);
}

interface KillFilter {
  id?: number;
  type?: ClientKind;
  addr?: string;
  laddr?: string;
  user?: string;
  skipme: boolean;
}

/** Parses CLIENT KILL's filter pairs; replies with the error and returns null when invalid. */
function killFilter(c: Client, argv: string[]): KillFilter | null {
  const f: KillFilter = { skipme: true };
  for (let i = 2; i < argv.length; i += 2) {
    const opt = argv[i].toLowerCase();
    if (i + 1 >= argv.length) {
      c.reply.err('syntax error');
      return null;
    }
    const val = argv[i + 1];
    if (opt === 'id') {
      const n = /^\d{1,19}$/.test(val) ? Number(val) : 0;
      if (!(n >= 1)) {
        c.reply.err('client-id should be greater than 0');
        return null;
      }
      f.id = n;
    } else if (opt === 'type') {
      const t = clientType(val);
      if (t === null) {
        c.reply.err(`Unknown client type '${val}'`);
        return null;
      }
      f.type = t;
    } else if (opt === 'addr') f.addr = val;
    else if (opt === 'laddr') f.laddr = val;
    else if (opt === 'user') {
      if (val !== 'default') {
        c.reply.err(`No such user '${val}'`);
        return null;
      }
      f.user = val;
    } else if (opt === 'skipme') {
      const v = val.toLowerCase();
      if (v !== 'yes' && v !== 'no') {
        c.reply.err('syntax error');
        return null;
      }
      f.skipme = v === 'yes';
    } else {
      c.reply.err('syntax error');
      return null;
    }
  }
  return f;
}

function matches(f: KillFilter, o: Client): boolean {
  if (f.id !== undefined && o.id !== f.id) return false;
  if (f.type !== undefined && typeOf(o) !== f.type) return false;
  if (f.addr !== undefined && o.addr !== f.addr) return false;
  if (f.laddr !== undefined && o.laddr !== f.laddr) return false;
  if (f.user !== undefined && o.user !== f.user) return false;
  return true;
}

function clientKill(c: Client, argv: string[]): void {
  const s = c.server;
  if (argv.length === 3) {
    // Old form: CLIENT KILL <ip:port>, may kill the caller itself.
    const target = [...listedClients(s)].find((o) => o.addr === argv[2]);
    if (!target) {
      c.reply.err('No such client');
      return;
    }
    c.reply.ok();
    kill(s, c, target);
    return;
  }
  const f = killFilter(c, argv);
  if (!f) return;
  let killed = 0;
  for (const o of [...listedClients(s)]) {
    if (!matches(f, o) || (o === c && f.skipme)) continue;
    kill(s, c, o);
    killed++;
  }
  c.reply.integer(killed);
}

/** Timeout in ms as Redis's getTimeoutFromObjectOrReply parses it. */
function parseTimeoutMs(c: Client, raw: string): number | null {
  if (!/^-?\d{1,19}$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
    c.reply.err('timeout is not an integer or out of range');
    return null;
  }
  const n = Number(raw);
  if (n < 0) {
    c.reply.err('timeout is negative');
    return null;
  }
  return n;
}

function clientPause(c: Client, argv: string[]): void {
  const ms = parseTimeoutMs(c, argv[2]);
  if (ms === null) return;
  let writesOnly = false;
  if (argv.length === 4) {
    const mode = argv[3].toLowerCase();
    if (mode === 'write') writesOnly = true;
    else if (mode !== 'all') {
      c.reply.err('CLIENT PAUSE mode must be WRITE or ALL');
      return;
    }
  } else if (argv.length > 4) {
    subcommandSyntaxError(c, argv);
    return;
  }
  const s = c.server;
  const until = Date.now() + ms;
  const prev = s.pause;
  // A pause never shortens or weakens one in effect: ALL wins over WRITE, the later end wins.
  s.pause = prev
    ? { until: Math.max(prev.until, until), writesOnly: prev.writesOnly && writesOnly }
    : { until, writesOnly };
  c.reply.ok();
}

function clientUnblock(c: Client, argv: string[]): void {
  if (!/^-?\d{1,19}$/.test(argv[2]) || !Number.isSafeInteger(Number(argv[2]))) {
    c.reply.err('value is not an integer or out of range');
    return;
  }
  let asError = false;
  if (argv.length === 4) {
    const how = argv[3].toLowerCase();
    if (how === 'error') asError = true;
    else if (how !== 'timeout') {
      c.reply.err('CLIENT UNBLOCK reason should be TIMEOUT or ERROR');
      return;
    }
  } else if (argv.length > 4) {
    subcommandSyntaxError(c, argv);
    return;
  }
  const s = c.server;
  const target = s.clients.get(Number(argv[2]));
  const state = target?.blocked;
  if (!target || !state || !state.unblockable) {
    c.reply.integer(0);
    return;
  }
  if (asError) {
    s.failBlocked(target, 'UNBLOCKED client unblocked via CLIENT UNBLOCK');
  } else {
    state.onTimeout();
    // onTimeout replies and unblocks; make sure the client is released either way.
    if (target.blocked === state) s.unblock(target);
  }
  s.scheduleFlush(target);
  c.reply.integer(1);
}

const HELP = [
  'CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CACHING (YES|NO)',
  '    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.',
  'GETREDIR',
  '    Return the client ID we are redirecting to when tracking is enabled.',
  'GETNAME',
  '    Return the name of the current connection.',
  'ID',
  '    Return the ID of the current connection.',
  'INFO',
  '    Return information about the current client connection.',
  'KILL <ip:port>',
  '    Kill connection made from <ip:port>.',
  'KILL <option> <value> [<option> <value> [...]]',
  '    Kill connections. Options are:',
  '    * ADDR (<ip:port>|<unixsocket>:0)',
  '      Kill connections made from the specified address',
  '    * LADDR (<ip:port>|<unixsocket>:0)',
  '      Kill connections made to specified local address',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
  '      Kill connections by type.',
  '    * USER <username>',
  '      Kill connections authenticated by <username>.',
  '    * SKIPME (YES|NO)',
  '      Skip killing current connection (default: yes).',
  'LIST [options ...]',
  '    Return information about client connections. Options:',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
  '      Return clients of specified type.',
  'UNPAUSE',
  '    Stop the current client pause, resuming traffic.',
  'PAUSE <timeout> [WRITE|ALL]',
  '    Suspend all, or just write, clients for <timeout> milliseconds.',
  'REPLY (ON|OFF|SKIP)',
  '    Control the replies sent to the current connection.',
  'SETNAME <name>',
  '    Assign the name <name> to the current connection.',
  'UNBLOCK <clientid> [TIMEOUT|ERROR]',
  '    Unblock the specified blocked client.',
  'TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]',
  '         [OPTIN] [OPTOUT] [NOLOOP]',
  '    Control server assisted client side caching.',
  'TRACKINGINFO',
  '    Report tracking status for the current connection.',
  'NO-EVICT (ON|OFF)',
  '    Protect current client connection from eviction.',
  'HELP',
  '    Prints this help.',
];

export const clientCommands: Record<string, Handler> = {
  'client|id'(c) {
    c.reply.integer(c.id);
  },

  'client|setname'(c, argv) {
    if (!validClientName(argv[2])) {
      c.reply.err('Client names cannot contain spaces, newlines or special characters.');
      return;
    }
    c.name = argv[2];
    c.reply.ok();
  },

  'client|getname'(c) {
    c.reply.bulkOrNull(c.name === '' ? null : c.name);
  },

  'client|info'(c, argv) {
    c.reply.verbatim(`${clientLine(c, argv)}\n`);
  },

  'client|list'(c, argv) {
    clientList(c, argv);
  },

  'client|kill'(c, argv) {
    clientKill(c, argv);
  },

  'client|pause'(c, argv) {
    clientPause(c, argv);
  },

  'client|unpause'(c) {
    c.server.unpause();
    c.reply.ok();
  },

  'client|reply'(c, argv) {
    const mode = argv[2].toLowerCase();
    if (mode === 'on') {
      c.replyMode = 'on';
      c.reply.ok();
    } else if (mode === 'off') c.replyMode = 'off';
    else if (mode === 'skip') {
      // SKIP while OFF changes nothing: replies stay off.
      if (c.replyMode !== 'off') c.replyMode = 'skip-next';
    } else c.reply.err('syntax error');
  },

  'client|no-evict'(c, argv) {
    const v = argv[2].toLowerCase();
    if (v === 'on') c.noEvict = true;
    else if (v === 'off') c.noEvict = false;
    else {
      c.reply.err('syntax error');
      return;
    }
    c.reply.ok();
  },

  'client|unblock'(c, argv) {
    clientUnblock(c, argv);
  },

  // Tracking is not implemented, so no connection is ever in tracking mode.
  'client|caching'(c) {
    c.reply.err(
      'CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled',
    );
  },

  'client|getredir'(c) {
    c.reply.integer(-1);
  },

  'client|trackinginfo'(c) {
    const r = c.reply;
    r.map(3);
    r.bulk('flags');
    r.set(1);
    r.bulk('off');
    r.bulk('redirect');
    r.integer(-1);
    r.bulk('prefixes');
    r.array(0);
  },

  'client|help'(c) {
    replyHelp(c, HELP);
  },
};
