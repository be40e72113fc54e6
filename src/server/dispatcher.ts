/**
 * The command dispatcher: every command from every client passes here once. It runs Redis's
 * checks in Redis's order (lookup, arity, auth, MULTI, then the gates that cluster routing,
 * replication and persistence register), queues inside MULTI, and calls the handler. After a
 * write it signals the written keys (WATCH, blocked clients) and propagates the command.
 */
// Node's global `performance` is a lazy getter; the module's binding skips that call on the
// per-command clock read.
import { performance } from 'node:perf_hooks';
import type { CommandDef } from '../commands/table.js';
import { getKeys, KeySpecError } from '../commands/keys-spec.js';
import type { Db } from '../keyspace/db.js';
import type { Client } from './client.js';
import type { Server } from './server.js';

/** Commands that run immediately even inside MULTI. */
const MULTI_CONTROL = new Set(['exec', 'discard', 'multi', 'watch', 'quit', 'reset']);

/** What a RESP2 connection may run while subscribed. */
const SUBSCRIBED_ALLOWED = new Set([
  'subscribe',
  'ssubscribe',
  'psubscribe',
  'unsubscribe',
  'sunsubscribe',
  'punsubscribe',
  'ping',
  'quit',
  'reset',
]);

/** An argument as Redis's `%s` prints it: a C string ends at the first NUL byte. */
function cstr(s: string, max: number): string {
  const nul = s.indexOf('\0');
  return s.slice(0, nul >= 0 ? Math.min(nul, max) : max);
}

/** C toupper(): ASCII letters only (JS toUpperCase would change latin1 bytes like 0xff). */
function asciiUpper(s: string): string {
  return s.replace(/[a-z]+/g, (m) => m.toUpperCase());
}

function unknownCommandError(argv: string[]): string {
  let args = '';
  for (let i = 1; i < argv.length && args.length < 128; i++) {
    args += `'${cstr(argv[i], 128 - args.length)}' `;
  }
  return `ERR unknown command '${cstr(argv[0], 128)}', with args beginning with: ${args}`;
}

/** Resolves argv to a command (or a subcommand of a container command), or an error text. */
export function lookupCommand(s: Server, argv: string[]): CommandDef | string {
  const def = s.table.lookupName(argv[0]);
  if (!def) return unknownCommandError(argv);
  if (def.subcommands.size === 0 || argv.length < 2) return def;
  const sub = def.subcommands.get(argv[1].toLowerCase());
  if (sub) return sub;
  return `ERR unknown subcommand '${cstr(argv[1], 128)}'. Try ${asciiUpper(cstr(argv[0], Infinity))} HELP.`;
}

export function arityOk(def: CommandDef, argc: number): boolean {
  return def.arity > 0 ? argc === def.arity : argc >= -def.arity;
}

function reject(c: Client, def: CommandDef | null, msg: string): void {
  if (c.multi) c.multi.failed = true;
  if (def) def.rejectedCalls++;
  c.reply.error(msg);
}

/** Runs one parsed command for client `c`. */
export function processCommand(s: Server, c: Client, argv: string[]): void {
  const mode = c.replyMode;
  const mark = c.reply.size;
  const muted = mode === 'off' || mode === 'skip';
  if (muted) c.mutedPushes = '';
  dispatch(s, c, argv);
  // CLIENT REPLY OFF / SKIP: drop what this command answered, not the messages it received.
  if ((mode === 'off' && c.replyMode === 'off') || mode === 'skip') {
    c.reply.truncate(mark);
    if (mode === 'skip' && c.replyMode === 'skip') c.replyMode = 'on';
  }
  if (muted) {
    c.reply.out += c.mutedPushes;
    c.mutedPushes = null;
  }
  if (c.replyMode === 'skip-next') c.replyMode = 'skip';
  for (const h of s.commandDoneHooks) h();
}

function dispatch(s: Server, c: Client, argv: string[]): void {
  const found = lookupCommand(s, argv);
  // CLIENT LIST's cmd= is the last command looked up, even if rejected or queued (as Redis).
  c.lastCommand = typeof found === 'string' ? 'NULL' : found.name;
  if (typeof found === 'string') {
    reject(c, null, found);
    return;
  }
  const def = found;
  if (def.handler === null) {
    // A container called without its subcommand (arity catches it) or with an unknown one.
    reject(c, def, `ERR wrong number of arguments for '${def.name}' command`);
    return;
  }
  if (!arityOk(def, argv.length)) {
    reject(c, def, `ERR wrong number of arguments for '${def.name}' command`);
    return;
  }
  const protectedMsg = s.debugProtection(c, def);
  if (protectedMsg) {
    reject(c, def, protectedMsg);
    return;
  }
  if (!c.authenticated && !def.noAuth) {
    reject(c, def, 'NOAUTH Authentication required.');
    return;
  }
  if (c.multi && def.noMulti) {
    reject(c, def, 'ERR Command not allowed inside a transaction');
    return;
  }
  for (const gate of s.gates) {
    const msg = gate(c, def, argv);
    if (msg !== null) {
      reject(c, def, msg);
      return;
    }
  }
  // RESP2 subscribed context (kind 'pubsub' is the cheap test; RESP3 has no restriction).
  if (c.kind === 'pubsub' && c.reply.resp === 2 && !SUBSCRIBED_ALLOWED.has(def.name)) {
    reject(
      c,
      def,
      `ERR Can't execute '${def.name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
    );
    return;
  }
  if (s.loading && !def.loading) {
    reject(c, def, 'LOADING Redis is loading the dataset in memory');
    return;
  }
  if (s.pauseBlocks(c, def, argv)) return;
  if (c.multi && !MULTI_CONTROL.has(def.name)) {
    c.multi.queue.push({ def, argv });
    c.reply.simple('QUEUED');
    return;
  }
  call(s, c, def, argv);
}

/**
 * Executes a command that passed every check (directly or from EXEC): stats, slowlog, monitors,
 * key signalling and propagation. A handler that throws answers -ERR; the server goes on.
 */
export function call(s: Server, c: Client, def: CommandDef, argv: string[]): void {
  const dirtyBefore = s.dirty;
  const errorsBefore = s.stats.totalErrorReplies;
  const mark = c.reply.size;
  const db = c.db;
  const offsetBefore = s.master.offset;
  c.propagateAs = null;
  // Snapshots in progress keep the old state of keys this command is about to change.
  if (def.write && s.snapshots.size > 0) snapshotWrittenKeys(s, db, def, argv);
  // Inside a burst of pipelined commands the previous command's end is this one's start: one
  // clock read per command instead of two.
  const t0 = s.commandClock >= 0 ? s.commandClock : performance.now();
  try {
    def.handler!(c, argv);
  } catch (e) {
    c.reply.truncate(mark);
    const err = e as Error;
    s.log.warning(`Error in command '${def.name}': ${err.stack ?? String(err)}`);
    c.reply.err(`internal error in '${def.name}': ${err.message}`);
  }
  const t1 = performance.now();
  if (s.commandClock >= 0) s.commandClock = t1;
  const usec = Math.round((t1 - t0) * 1000);
  def.calls++;
  def.usec += usec;
  if (s.stats.totalErrorReplies !== errorsBefore) def.failedCalls++;
  s.stats.totalCommands++;
  c.lastCommand = def.name;
  s.afterCall(c, def, argv, usec);
  if (s.dirty !== dirtyBefore) {
    // Only WATCH and blocked clients care which keys changed: skip the key scan otherwise.
    if (def.write && (s.keyspace.hasWatchers || s.blockedClients > 0)) {
      signalWrittenKeys(s, db, def, argv);
    }
    if (c.propagateAs !== null) {
      s.propagate(db.id, c.propagateAs);
    } else {
      AS_ITSELF[0] = argv;
      s.propagate(db.id, AS_ITSELF);
      AS_ITSELF[0] = NO_ARGV;
    }
  }
  if (s.master.offset !== offsetBefore) c.woff = s.master.offset;
}

/**
 * The list a command propagated as itself is passed in, reused (propagators do not keep it). With
 * this and the two helpers below, call() allocates nothing of its own per command: a closure in
 * its body made V8 allocate a context for the captured variables on every call, 48 bytes, and
 * `[argv]` 28 more, an eighth of what a pipelined RPUSH allocated (scavenges come that much
 * sooner).
 */
const NO_ARGV: string[] = [];
const AS_ITSELF: string[][] = [NO_ARGV];

function snapshotWrittenKeys(s: Server, db: Db, def: CommandDef, argv: string[]): void {
  forEachWrittenKey(def, argv, (key) => s.beforeWrite(db, key));
}

function signalWrittenKeys(s: Server, db: Db, def: CommandDef, argv: string[]): void {
  forEachWrittenKey(def, argv, (key) => s.keyWritten(db, key));
}

/** Calls fn for each key the command's key specs mark as modified (RW/OW/RM). */
function forEachWrittenKey(def: CommandDef, argv: string[], fn: (key: string) => void): void {
  let refs;
  try {
    refs = getKeys(def, argv);
  } catch (e) {
    if (e instanceof KeySpecError) return;
    throw e;
  }
  for (const r of refs) if (r.write) fn(argv[r.pos]);
}
