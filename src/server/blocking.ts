/**
 * Clients blocked on keys (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP, BZPOPMIN, BZPOPMAX,
 * BZMPOP): a per-database, per-key wait list in arrival order, woken when a key is written.
 *
 * API for blocking commands:
 *
 *   const deadline = parseBlockTimeout(c, argv[i]);   // null: error already replied
 *   if (deadline === null) return;
 *   ...try to serve at once; if nothing is there:
 *   if (!canBlock(c)) { c.reply.nilArray(); return; } // inside MULTI/EXEC: the non-blocking form
 *   blockForKeys(c, keys, deadline, (key) => tryServe(key), () => c.reply.nilArray());
 *
 * `serve(key)` runs as the blocked client, in its database, whenever `key` was written (after
 * the writing command, or after EXEC for a transaction). It re-checks the key (another client
 * may have consumed it) and returns false when there is nothing for it; otherwise it replies,
 * bumps `server.dirty`, propagates its deterministic non-blocking form with
 * `server.propagate`, signals the keys it wrote with `server.keyWritten`, and returns true. A
 * serve that answers an error (e.g. BLMOVE onto a WRONGTYPE destination) also returns true:
 * the client is unblocked either way. `onTimeout` writes the timeout reply (also used by
 * CLIENT UNBLOCK ... TIMEOUT). Disconnecting or CLIENT UNBLOCK ... ERROR just drops the wait.
 *
 * Clients waiting on one key are served first come, first served. As in Redis, a served
 * client resumes its pipeline after the current batch of input, not in the middle of it.
 */
import type { Client, BlockState } from './client.js';
import type { Db } from '../keyspace/db.js';
import type { Server } from './server.js';
import { parseLongDouble } from '../types/longdouble.js';

/** 2^63: C's long long range, for the timeout arithmetic. */
const INT64_LIMIT = 2 ** 63;

interface Waiter {
  c: Client;
  db: Db;
  keys: string[];
  serve(key: string): boolean;
  done: boolean;
}

class BlockedKeys {
  /** `${db.id}\0${key}` -> clients waiting on it, in arrival order. */
  private readonly waiting = new Map<string, Set<Waiter>>();
  /** Keys written since the last pass that have waiters, in the order they were written. */
  private readonly ready = new Map<string, { db: Db; key: string }>();
  readonly byClient = new Map<Client, Waiter>();
  private serving = false;
  private passScheduled = false;

  constructor(private readonly server: Server) {
    server.keyWrittenHooks.push((db, key) => this.keyWritten(db, key));
    // A key appearing in a database is also a wake-up (MOVE into it, RESTORE, replication),
    // as Redis signals readiness whenever a list or sorted set is added.
    server.keyAddedHooks.push((db, key) => this.keyWritten(db, key));
    server.commandDoneHooks.push(() => this.serveReady());
  }

  add(w: Waiter): void {
    this.byClient.set(w.c, w);
    for (const key of w.keys) {
      const k = `${w.db.id}\0${key}`;
      let set = this.waiting.get(k);
      if (!set) this.waiting.set(k, (set = new Set()));
      set.add(w);
    }
  }

  remove(w: Waiter): void {
    w.done = true;
    if (this.byClient.get(w.c) === w) this.byClient.delete(w.c);
    for (const key of w.keys) {
      const k = `${w.db.id}\0${key}`;
      const set = this.waiting.get(k);
      if (!set) continue;
      set.delete(w);
      if (set.size === 0) this.waiting.delete(k);
    }
  }

  private keyWritten(db: Db, key: string): void {
    // Every new key passes here: skip building the lookup string while nobody waits.
    if (this.waiting.size === 0) return;
    const k = `${db.id}\0${key}`;
    if (!this.waiting.has(k)) return;
    this.ready.set(k, { db, key });
    // Normally the dispatcher's commandDone hook serves them right after the command; this
    // catches writes made outside a client command (replication stream, internal clients).
    if (!this.passScheduled) {
      this.passScheduled = true;
      setImmediate(() => {
        this.passScheduled = false;
        this.serveReady();
      });
    }
  }

  /** Serves waiters of every ready key; serving may ready more keys (BLMOVE's destination). */
  private serveReady(): void {
    if (this.serving || this.ready.size === 0) return;
    this.serving = true;
    try {
      for (const [k, { db, key }] of this.ready) {
        this.ready.delete(k);
        const set = this.waiting.get(k);
        if (!set) continue;
        for (const w of set) {
          if (w.done) continue;
          if (db.get(key) === undefined) break;
          // Serving changes the key outside a command: snapshots must keep its old state.
          this.server.beforeWrite(db, key);
          const mark = w.c.reply.size;
          if (!w.serve(key)) continue;
          dropIfRepliesOff(w.c, mark);
          this.finish(w);
        }
      }
    } finally {
      this.serving = false;
    }
  }

  /** The client has its reply: stop waiting and resume it after the current input batch. */
  finish(w: Waiter): void {
    this.remove(w);
    const c = w.c;
    setImmediate(() => this.server.unblock(c));
  }
}

/** CLIENT REPLY OFF also silences a reply that arrives after the client blocked. */
function dropIfRepliesOff(c: Client, mark: number): void {
  if (c.replyMode === 'off') c.reply.truncate(mark);
}

const managers = new WeakMap<Server, BlockedKeys>();

function manager(server: Server): BlockedKeys {
  let m = managers.get(server);
  if (!m) managers.set(server, (m = new BlockedKeys(server)));
  return m;
}

/** The keys `c` waits on (in its database), or null when it is not blocked on keys. */
export function blockedKeys(c: Client): readonly string[] | null {
  return managers.get(c.server)?.byClient.get(c)?.keys ?? null;
}

/**
 * Whether `c` may block now. Inside MULTI/EXEC (and for clients without a connection, such as
 * the master link or AOF loading) a blocking command acts as its non-blocking form.
 */
export function canBlock(c: Client): boolean {
  return c.socket !== null && c.kind !== 'master' && !c.server.inExec;
}

/**
 * Parses a blocking timeout in seconds (a float; 0 waits forever) into an absolute deadline in
 * ms, 0 for none. Replies the error and returns null when it is invalid.
 */
export function parseBlockTimeout(c: Client, arg: string): number | null {
  const secs = parseLongDouble(arg);
  if (secs === null) {
    c.reply.err('timeout is not a float or out of range');
    return null;
  }
  // C's (long long)(secs * 1000): truncation; values out of range become LLONG_MIN.
  let ms = Math.trunc(secs * 1000);
  if (!Number.isFinite(ms) || ms >= INT64_LIMIT || ms < -INT64_LIMIT) ms = -INT64_LIMIT;
  if (ms < 0) {
    c.reply.err('timeout is negative');
    return null;
  }
  return ms === 0 ? 0 : Date.now() + ms;
}

/**
 * Blocks `c` until `serve(key)` succeeds for one of `keys` (in its current database), the
 * deadline passes (`onTimeout` replies), or it disconnects.
 */
export function blockForKeys(
  c: Client,
  keys: string[],
  deadline: number,
  serve: (key: string) => boolean,
  onTimeout: () => void = () => c.reply.nilArray(),
): void {
  const m = manager(c.server);
  const w: Waiter = { c, db: c.db, keys, serve, done: false };
  m.add(w);
  const state: BlockState = {
    deadline,
    unblockable: true,
    onTimeout() {
      if (w.done) return;
      const mark = c.reply.size;
      onTimeout();
      dropIfRepliesOff(c, mark);
      m.finish(w);
    },
    onCancel() {
      m.remove(w);
    },
  };
  c.server.block(c, state);
}
