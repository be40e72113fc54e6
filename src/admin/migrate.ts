/**
 * MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE] [AUTH pw] [AUTH2 user pw]
 * [KEYS k...].
 *
 * Redis does the transfer synchronously; here it is asynchronous I/O, so the calling client is
 * blocked (server.block) while it runs. Payloads are taken when the batch is sent, and a source
 * key is deleted after the target's +OK only if it still holds the value that was sent (a write
 * that landed meanwhile is kept rather than lost). The deletions are propagated as one DEL, as
 * Redis rewrites MIGRATE. On the wire the target sees what redis-server sends: [AUTH], [SELECT db]
 * when the cached link is not on that db yet, then RESTORE (RESTORE-ASKING in cluster mode) per
 * key, pipelined.
 */
import type { Client } from '../server/client.js';
import type { Value } from '../keyspace/db.js';
import { parseLong } from '../util/parse.js';
import { dumpPayload } from './dump-payload.js';
import { closeLink, getLink, serialized, type MigrateLink } from './migrate-links.js';
import type { RespValue } from './resp-reader.js';

const NOT_INT = 'value is not an integer or out of range';

interface MigrateArgs {
  host: string;
  port: number;
  db: number;
  timeout: number;
  copy: boolean;
  replace: boolean;
  auth: string[] | null;
  keys: string[];
}

/** Parses the arguments in Redis's order; replies the error and returns null when invalid. */
function parseArgs(c: Client, argv: string[]): MigrateArgs | null {
  const a: MigrateArgs = {
    host: argv[1],
    port: 0,
    db: 0,
    timeout: 0,
    copy: false,
    replace: false,
    auth: null,
    keys: [argv[3]],
  };
  for (let j = 6; j < argv.length; j++) {
    const opt = argv[j].toLowerCase();
    const more = argv.length - j - 1;
    if (opt === 'copy') a.copy = true;
    else if (opt === 'replace') a.replace = true;
    else if (opt === 'auth' && more >= 1) a.auth = [argv[++j]];
    else if (opt === 'auth2' && more >= 2) {
      a.auth = [argv[j + 1], argv[j + 2]];
      j += 2;
    } else if (opt === 'keys') {
      if (argv[3].length !== 0) {
        c.reply.err(
          'When using MIGRATE KEYS option, the key argument must be set to the empty string',
        );
        return null;
      }
      a.keys = argv.slice(j + 1);
      break;
    } else {
      c.reply.err('syntax error');
      return null;
    }
  }
  const timeout = parseLong(argv[5]);
  const db = parseLong(argv[4]);
  if (timeout === null || db === null) {
    c.reply.err(NOT_INT);
    return null;
  }
  a.timeout = timeout <= 0 ? 1000 : timeout;
  a.db = db;
  // Redis converts the port with atoi().
  a.port = parseInt(argv[2], 10) || 0;
  return a;
}

export function migrateCommand(c: Client, argv: string[]): void {
  const a = parseArgs(c, argv);
  if (!a) return;
  const db = c.db;
  if (!a.keys.some((k) => db.get(k) !== undefined)) return c.reply.simple('NOKEY');
  if (c.server.inExec || c.kind !== 'normal') {
    // A transaction cannot wait for I/O; Redis would block the whole server here instead.
    return c.reply.err('MIGRATE is not supported inside MULTI/EXEC in keyshard');
  }
  let cancelled = false;
  c.server.block(c, {
    deadline: 0,
    unblockable: false,
    onTimeout: () => undefined,
    onCancel: () => {
      cancelled = true;
    },
  });
  const finish = (reply: (cl: Client) => void): void => {
    if (cancelled) return;
    reply(c);
    c.server.unblock(c);
  };
  serialized(a.host, a.port, () => transfer(c, a, true)).then(finish, (e: Error) =>
    finish((cl) => cl.reply.err(`MIGRATE internal error: ${e.message}`)),
  );
}

type Outcome = (c: Client) => void;

/** One attempt (plus Redis's single retry when the link broke before any reply). */
async function transfer(c: Client, a: MigrateArgs, mayRetry: boolean): Promise<Outcome> {
  const key = `${a.host}:${a.port}`;
  let link: MigrateLink;
  try {
    link = await getLink(a.host, a.port, a.timeout);
  } catch {
    return (cl) => cl.reply.error('IOERR error or timeout connecting to the client');
  }
  const db = c.db;
  const now = Date.now();
  const sent: { key: string; value: Value }[] = [];
  const cmds: string[][] = [];
  if (a.auth) cmds.push(['AUTH', ...a.auth]);
  const select = link.lastDb !== a.db;
  if (select) cmds.push(['SELECT', String(a.db)]);
  const restoreName = c.server.config.get('cluster-enabled') ? 'RESTORE-ASKING' : 'RESTORE';
  const compress = c.server.config.get('rdbcompression');
  for (const k of a.keys) {
    const value = db.get(k);
    if (value === undefined) continue;
    let ttl = 0;
    const at = db.getExpire(k);
    if (at !== -1) {
      ttl = at - now;
      if (ttl < 0) continue;
      if (ttl < 1) ttl = 1;
    }
    sent.push({ key: k, value });
    const cmd = [restoreName, k, String(ttl), dumpPayload(value, compress)];
    if (a.replace) cmd.push('REPLACE');
    cmds.push(cmd);
  }

  const replies: RespValue[] = [];
  let socketError = false;
  let timedOut = false;
  const promises = cmds.map((cmd) => link.conn.call(cmd));
  try {
    await link.conn.withTimeout(
      (async () => {
        for (const p of promises) replies.push(await p);
      })(),
      a.timeout,
    );
  } catch (e) {
    socketError = true;
    timedOut = (e as Error).message === 'timeout';
  }
  for (const p of promises) p.catch(() => undefined);

  const pre = (a.auth ? 1 : 0) + (select ? 1 : 0);
  const restoreReplies = replies.slice(pre);
  // Redis retries once when the link broke (not timed out) before any RESTORE was answered.
  const retry = mayRetry && !timedOut;
  if (socketError && replies.length < pre) {
    closeLink(key);
    if (retry) return transfer(c, a, false);
    return (cl) => cl.reply.error('IOERR error or timeout reading to target instance');
  }
  if (socketError && restoreReplies.length === 0 && retry) {
    closeLink(key);
    return transfer(c, a, false);
  }

  const authErr = a.auth && replies[0].t === 'error' ? replies[0] : null;
  const selectErr = select && replies[pre - 1].t === 'error' ? replies[pre - 1] : null;
  let targetError: string | null = null;
  const deleted: string[] = [];
  for (let j = 0; j < restoreReplies.length; j++) {
    const r = restoreReplies[j];
    const pick = authErr ?? selectErr ?? (r.t === 'error' ? r : null);
    if (pick && pick.t === 'error') {
      targetError ??= pick.s;
    } else if (!a.copy && db.peek(sent[j].key) === sent[j].value) {
      deleted.push(sent[j].key);
    }
  }
  if (socketError) closeLink(key);
  if (deleted.length > 0) {
    const s = c.server;
    for (const k of deleted) {
      s.beforeWrite(db, k);
      db.remove(k);
      s.keyWritten(db, k);
    }
    s.dirty += deleted.length;
    s.propagate(db.id, [['DEL', ...deleted]]);
  }
  if (targetError !== null) {
    link.lastDb = -1;
    const text = targetError;
    return (cl) => cl.reply.err(`Target instance replied with error: ${text}`);
  }
  if (socketError)
    return (cl) => cl.reply.error('IOERR error or timeout reading to target instance');
  link.lastDb = a.db;
  return (cl) => cl.reply.ok();
}
