/**
 * The server: listeners, client connections, input processing and reply flushing, the cron,
 * blocking and pausing, and the hooks that cluster, replication and persistence attach to.
 */
import { performance } from 'node:perf_hooks';
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { Config } from '../config/config.js';
import type { Logger } from '../util/logger.js';
import { CommandTable, type CommandDef, type Handler } from '../commands/table.js';
import { Keyspace } from '../keyspace/keyspace.js';
import type { Db } from '../keyspace/db.js';
import { listenWarning } from '../util/listen-error.js';
import { ProtocolError, type ParserLimits } from '../resp/parser.js';
import { Client, type BlockState } from './client.js';
import { processCommand } from './dispatcher.js';
import { READ_SIZE, startReading } from './socket-reader.js';
import { Stats } from './stats.js';
import { RdbPersistence } from '../persistence/rdb-persistence.js';
import type { RdbSnapshot } from '../persistence/rdb/file.js';
import { ReplicationMaster } from '../replication/master.js';
import type { ReplicationReplica } from '../replication/replica.js';

/** A check run by the dispatcher before a command executes; returns an error text or null. */
export type Gate = (c: Client, def: CommandDef, argv: string[]) => string | null;
/**
 * Receives the commands a write propagates; `commands` may be reused once the call returns.
 * `replOnly`: for replicas, not the AOF (PUBLISH, which changes no data).
 */
export type Propagator = (dbId: number, commands: string[][], replOnly: boolean) => void;
export type CallObserver = (c: Client, def: CommandDef, argv: string[], usec: number) => void;

export { REDIS_VERSION } from './version.js';

/**
 * How long one client's queued commands run before the other clients get a turn, in ms. Redis
 * runs one 16 KB read's commands per turn, 0.15-0.5 ms of pipelined writes. Another client's
 * wait during a big load is the rest of the loader's turn, plus a scavenge when one lands in
 * it: 0.5 -> 0.25 took the worst from 1.9 to 1.0 ms (list), 2.5 to 1.0 (hash) and 2.9 to 1.3
 * (sorted set), medians of four to eight alternating runs; 0.25 -> 0.1 (with the socket paused
 * at its handle, socket-reader.ts) took the list's from 1.8 to 0.8 (Redis 0.8), its median wait
 * from 0.39 to 0.31 (Redis 0.43) and the hash's worst from 1.8 to 1.2 (Redis 3.1), at 0-9% more
 * CPU per build (six and four runs). 0.05 cost a sorted-set build 13% more.
 */
const TURN_MS = 0.1;

const DENIED_PROTECTED =
  "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Set up an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n";

/** A first word of POST or Host: means a browser is talking to us (cross-protocol attack). */
function looksLikeHttp(first: string): boolean {
  const n = first.length;
  if (n !== 4 && n !== 5) return false;
  const c0 = first.charCodeAt(0) | 0x20;
  if (c0 !== 0x70 && c0 !== 0x68) return false;
  const w = first.toLowerCase();
  return w === 'post' || w === 'host:';
}

function isLoopback(addr: string | undefined): boolean {
  if (!addr) return true;
  return addr === '::1' || addr.startsWith('127.') || addr.startsWith('::ffff:127.');
}

/**
 * Run at the end of every Server's construction, so that modules which observe every command
 * (slowlog, MONITOR, INFO latency) attach their hooks before the first client connects.
 */
export const serverInitHooks: ((s: Server) => void)[] = [];

export class Server {
  readonly table: CommandTable;
  readonly keyspace: Keyspace;
  readonly stats = new Stats();
  readonly rdb: RdbPersistence;
  readonly clients = new Map<number, Client>();
  readonly runId = randomBytes(20).toString('hex');
  readonly startTime = Date.now();
  /** Changes since the last save (Redis's server.dirty); commands bump it when they write. */
  dirty = 0;
  /**
   * While a client's pipelined commands run back to back: when the previous one ended
   * (performance.now()), so the dispatcher reads the clock once per command; -1 otherwise.
   */
  commandClock = -1;
  lastSave = Math.floor(Date.now() / 1000);
  loading = false;
  /** Set once the data set is loaded at startup (cluster checks slots against keys then). */
  ready = false;
  readonly gates: Gate[] = [];
  readonly propagators: Propagator[] = [];
  readonly callObservers: CallObserver[] = [];
  /** Keyspace membership changes (cluster slot index, snapshots). */
  readonly keyAddedHooks: ((db: Db, key: string) => void)[] = [];
  readonly keyRemovedHooks: ((db: Db, key: string) => void)[] = [];
  readonly dbClearedHooks: ((db: Db) => void)[] = [];
  /** Called for every key a write command touched (WATCH is handled already). */
  readonly keyWrittenHooks: ((db: Db, key: string) => void)[] = [];
  /** Called after every top-level command (after EXEC as a whole): serves blocked clients. */
  readonly commandDoneHooks: (() => void)[] = [];
  /** Run before the process exits on SHUTDOWN or a signal; return false to abort (SAVE failed). */
  readonly shutdownHooks: ((mode: 'save' | 'nosave' | 'default') => boolean)[] = [];
  readonly cronHooks: ((now: number) => void)[] = [];
  readonly monitors = new Set<Client>();
  /** CLIENT PAUSE: until when, and whether only writes wait. */
  pause: { until: number; writesOnly: boolean } | null = null;
  private paused: Client[] = [];
  blockedClients = 0;
  private nextClientId = 1;
  private listeners: NetServer[] = [];
  private pendingFlush = new Set<Client>();
  private flushScheduled = false;
  private cronTimer: NodeJS.Timeout | null = null;
  private shuttingDown = false;

  constructor(
    readonly config: Config,
    readonly log: Logger,
    families: Record<string, Handler>[],
  ) {
    this.table = new CommandTable(families, config.renamedCommands);
    this.rdb = new RdbPersistence(this);
    this.master = new ReplicationMaster(this);
    this.keyspace = new Keyspace(config.get('databases'), {
      expired: (db, key) => this.propagate(db.id, [['DEL', key]]),
      added: (db, key) => {
        for (const h of this.keyAddedHooks) h(db, key);
      },
      removed: (db, key) => {
        for (const h of this.keyRemovedHooks) h(db, key);
      },
      cleared: (db) => {
        for (const h of this.dbClearedHooks) h(db);
      },
    });
    for (const h of serverInitHooks) h(this);
  }

  get port(): number {
    return this.config.get('port');
  }

  /** Whether this node replicates from a master. */
  isReplica(): boolean {
    return this.replica !== null;
  }

  /** RESET: back to a fresh connection's state. */
  resetClient(c: Client): void {
    if (c.multi) c.multi = null;
    for (const w of c.watching) this.keyspace.unwatch(w.db, w.key, c);
    c.watching = [];
    c.dirtyCas = false;
    c.db = this.keyspace.dbs[0];
    c.reply.resp = 2;
    c.name = '';
    c.readonlyMode = false;
    c.asking = false;
    c.replyMode = 'on';
    this.monitors.delete(c);
    c.monitor = false;
    for (const h of this.clientResetHooks) h(c);
    c.authenticated = this.config.get('requirepass') === '';
    c.user = 'default';
  }

  readonly clientResetHooks: ((c: Client) => void)[] = [];
  /** Replication: our master-side state (ids, offset, backlog, replicas) and, when this node is a replica, the link to its master. */
  readonly master: ReplicationMaster;
  replica: ReplicationReplica | null = null;
  /** Snapshots being produced (BGSAVE, full resyncs): each copies keys on write. */
  readonly snapshots = new Set<RdbSnapshot>();

  // --- hooks used by the dispatcher -----------------------------------------------------------

  debugProtection(c: Client, def: CommandDef): string | null {
    const top = def.parent ?? def;
    if (top.name !== 'debug' && top.name !== 'module') return null;
    const opt = this.config.get('enable-debug-command');
    if (opt === 'yes' || (opt === 'local' && isLoopback(c.socket?.remoteAddress))) return null;
    const what = top.name === 'debug' ? 'DEBUG' : 'MODULE';
    return `ERR ${what} command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.`;
  }

  propagate(dbId: number, commands: string[][], replOnly = false): void {
    if (this.txPending) {
      for (const cmd of commands) this.txPending.push([dbId, cmd, replOnly]);
      return;
    }
    for (const p of this.propagators) p(dbId, commands, replOnly);
  }

  /**
   * EXEC collects the writes of its commands and propagates them together, wrapped in
   * MULTI/EXEC when there is more than one (as Redis 7.0 does), so replicas apply them atomically.
   */
  beginTransaction(_c: Client): void {
    this.txPending = [];
  }

  endTransaction(_c: Client): void {
    const pending = this.txPending ?? [];
    this.txPending = null;
    if (pending.length === 0) return;
    if (pending.length === 1) {
      this.propagate(pending[0][0], [pending[0][1]], pending[0][2]);
      return;
    }
    // MULTI and EXEC go everywhere; each command only where it goes alone (Redis 7.0 too).
    this.propagate(pending[0][0], [['MULTI']]);
    for (const [db, cmd, replOnly] of pending) this.propagate(db, [cmd], replOnly);
    this.propagate(pending[pending.length - 1][0], [['EXEC']]);
  }

  private txPending: [number, string[], boolean][] | null = null;

  /** Whether an EXEC is running its queued commands (blocking commands must not block). */
  get inExec(): boolean {
    return this.txPending !== null;
  }

  afterCall(c: Client, def: CommandDef, argv: string[], usec: number): void {
    for (const o of this.callObservers) o(c, def, argv, usec);
  }

  /** A key is about to change outside the snapshots' view: they keep its current state. */
  beforeWrite(db: Db, key: string): void {
    for (const snap of this.snapshots) snap.beforeWrite(db, key);
  }

  keyWritten(db: Db, key: string): void {
    this.keyspace.touch(db, key);
    for (const h of this.keyWrittenHooks) h(db, key);
  }

  /** CLIENT PAUSE: holds the client (and its pipeline) when the command must wait. */
  pauseBlocks(c: Client, def: CommandDef, argv: string[]): boolean {
    const p = this.pause;
    if (!p || c.kind === 'master' || c.kind === 'replica') return false;
    if (Date.now() >= p.until) {
      this.unpause();
      return false;
    }
    if (p.writesOnly && !def.write && !(def.parent ?? def).flags.has('may_replicate')) {
      const top = (def.parent ?? def).name;
      if (top !== 'eval' && top !== 'evalsha' && top !== 'publish' && top !== 'pfcount') {
        return false;
      }
    }
    this.paused.push(c);
    this.block(c, {
      deadline: 0,
      unblockable: false,
      onTimeout: () => undefined,
    });
    // Re-run this very command when the pause ends.
    c.pendingArgv = argv;
    return true;
  }

  unpause(): void {
    this.pause = null;
    const list = this.paused;
    this.paused = [];
    for (const c of list) {
      if (c.closed) continue;
      this.unblock(c);
    }
    // Their replies go out now, not after the caller's remaining work: a manual failover ends
    // the pause and then saves nodes.conf and reconnects replication, while every client it
    // held waits for its -MOVED.
    if (this.pendingFlush.size) this.flushPending();
    this.master.pauseEnded();
  }

  // --- blocking -------------------------------------------------------------------------------

  /** Suspends the client's input processing until unblock(). */
  block(c: Client, state: BlockState): void {
    c.blocked = state;
    this.blockedClients++;
    if (state.deadline > 0) this.armBlockTimer(c, state);
  }

  /** setTimeout caps delays at 2^31-1 ms (longer ones fire at once), so long waits re-arm. */
  private armBlockTimer(c: Client, state: BlockState): void {
    const delay = Math.min(Math.max(0, state.deadline - Date.now()), 2147483647);
    c.blockTimer = setTimeout(() => {
      if (c.blocked !== state) return;
      if (Date.now() < state.deadline) this.armBlockTimer(c, state);
      else state.onTimeout();
    }, delay);
  }

  /**
   * Ends a client's wait with an error instead of its reply (CLIENT UNBLOCK ERROR, a node turning
   * into a replica, a cluster redirect); `close` drops the connection once the error is sent.
   */
  failBlocked(c: Client, error: string, close = false): void {
    const state = c.blocked;
    if (!state) return;
    state.onCancel?.();
    // The blocked command must not run again: it ends with this error.
    c.pendingArgv = null;
    c.reply.error(error);
    if (close) c.closeAfterReply = true;
    this.unblock(c);
  }

  /** Resumes the client: a re-queued command runs first, then the rest of its pipeline. */
  unblock(c: Client): void {
    if (!c.blocked) return;
    c.blocked = null;
    this.blockedClients--;
    if (c.blockTimer) {
      clearTimeout(c.blockTimer);
      c.blockTimer = null;
    }
    const argv = c.pendingArgv;
    c.pendingArgv = null;
    if (argv) processCommand(this, c, argv);
    if (!c.blocked) this.processInput(c);
    this.scheduleFlush(c);
  }

  // --- connections ----------------------------------------------------------------------------

  async listen(): Promise<void> {
    const port = this.port;
    const binds = this.config.get('bind');
    for (const raw of binds) {
      const optional = raw.startsWith('-');
      const addr = optional ? raw.slice(1) : raw;
      const host = addr === '*' ? '0.0.0.0' : addr === '::*' ? '::' : addr;
      // Paused until accept() has chosen how to read it (socket-reader.ts).
      const srv = createServer({ noDelay: true, pauseOnConnect: true }, (sock) =>
        this.accept(sock),
      );
      try {
        await new Promise<void>((resolve, reject) => {
          srv.once('error', reject);
          srv.listen({ port, host, ipv6Only: host.includes(':'), backlog: 511 }, () => {
            srv.off('error', reject);
            resolve();
          });
        });
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        if (optional && (err.code === 'EADDRNOTAVAIL' || err.code === 'EAFNOSUPPORT')) continue;
        this.log.warning(listenWarning(addr, port, err));
        throw new Error(`Failed listening on port ${port} (TCP), aborting.`);
      }
      srv.on('error', (err) => this.log.warning(`Listener error: ${err.message}`));
      this.listeners.push(srv);
    }
  }

  private protectedModeApplies(): boolean {
    return this.config.get('protected-mode') && this.config.get('requirepass') === '';
  }

  private accept(sock: Socket): void {
    if (this.shuttingDown) {
      sock.destroy();
      return;
    }
    if (this.protectedModeApplies() && !isLoopback(sock.remoteAddress)) {
      sock.end(DENIED_PROTECTED, 'latin1');
      this.stats.rejectedConnections++;
      return;
    }
    if (this.clients.size >= this.config.get('maxclients')) {
      sock.end('-ERR max number of clients reached\r\n', 'latin1');
      this.stats.rejectedConnections++;
      return;
    }
    sock.setNoDelay(true);
    const c = this.createClient(sock);
    this.stats.totalConnections++;
    sock.on('error', () => undefined);
    sock.on('close', () => this.freeClient(c));
    c.input = startReading(sock, (buf, borrowed) => this.onData(c, buf, borrowed));
  }

  createClient(sock: Socket | null): Client {
    const c = new Client(
      this,
      this.nextClientId++,
      sock,
      this.keyspace.dbs[0],
      this.config.get('requirepass') === '',
      this.stats,
    );
    this.clients.set(c.id, c);
    return c;
  }

  private onData(c: Client, buf: Buffer, borrowed: boolean): void {
    if (c.closed) return;
    // One clock read per read event: the interaction time and the first command's start.
    const clock = performance.now();
    c.lastInteraction = Math.floor(performance.timeOrigin + clock);
    this.stats.netInput += buf.length;
    this.stats.readsProcessed++;
    c.parser.feed(buf, borrowed);
    const limit = this.config.get('client-query-buffer-limit');
    if (c.kind !== 'master' && c.parser.buffered > limit) {
      this.log.warning(
        `Closing client that reached max query buffer length: id=${c.id} addr=${c.addr} (qbuf initial bytes: ...)`,
      );
      this.closeClient(c);
      return;
    }
    if (!c.blocked && !c.inputDeferred) this.processInput(c, clock);
    if (borrowed) c.parser.detach();
    // Replies wait for the end of the poll phase and then go out back to back, as Redis writes
    // them in beforeSleep. Written one by one between reads, each write woke a client that
    // had gone idle in the meantime: with redis-benchmark at -P 16 the wake-ups were a third
    // of this process's CPU, and deferring them raised SET/GET/INCR from 0.47-0.59 to
    // 0.69-0.74 of redis-server's rate.
    this.scheduleFlush(c);
    // A read that filled the read buffer makes libuv read the same socket again, up to 32
    // times in one poll: a client pipelining a big load would hold everyone else off for that
    // long (seconds of slow commands). Pausing until the next loop turn serves the other
    // clients in between, as Redis serves each client once per event-loop iteration.
    if (buf.length >= READ_SIZE && !c.inputDeferred) this.deferInput(c);
  }

  /**
   * Continues a client's input in a later loop turn, not reading more meanwhile: after a read
   * that filled the read buffer (above), and when its commands used up TURN_MS in one go, as
   * commands can be slow (a cold JIT path after a deopt ran a 16 KB read of ZADDs for 5-10 ms;
   * big ranges) and the other clients should not wait for all of a read.
   */
  private deferInput(c: Client): void {
    c.inputDeferred = true;
    c.input?.pause();
    setImmediate(() => {
      // Replies of the last poll phase go out before another turn of this client's commands,
      // as Redis writes every reply before it reads again: queued after this turn, their
      // flush made a client that sent one command wait out a whole turn of a loader's.
      if (this.flushScheduled) this.flushPending();
      c.inputDeferred = false;
      if (c.closed) return;
      if (!c.blocked) this.processInput(c);
      this.scheduleFlush(c);
      if (!c.inputDeferred) c.input?.resume();
    });
  }

  /** Parses and runs as many complete commands as the client has sent. */
  processInput(c: Client, clock = performance.now()): void {
    const limits = {
      maxBulkLen: c.kind === 'master' ? Infinity : this.config.get('proto-max-bulk-len'),
      unauthenticated: false,
    };
    this.commandClock = clock;
    try {
      this.runParsed(c, limits);
    } finally {
      this.commandClock = -1;
    }
  }

  private runParsed(c: Client, limits: ParserLimits): void {
    // A master's replication stream is applied in full (its offsets follow what was read).
    const deadline = c.kind === 'master' ? Infinity : this.commandClock + TURN_MS;
    while (!c.blocked && !c.closed && !c.closeAfterReply) {
      if (this.commandClock > deadline && c.parser.buffered > 0) {
        this.deferInput(c);
        return;
      }
      limits.unauthenticated = !c.authenticated;
      const r = c.parser.next(limits);
      if (r === null) return;
      if (r instanceof ProtocolError) {
        this.log.verbose(`Protocol error (${r.message}) from client: id=${c.id} addr=${c.addr}`);
        c.reply.err(`Protocol error: ${r.message}`);
        c.closeAfterReply = true;
        return;
      }
      if (r.length === 0) continue;
      if (looksLikeHttp(r[0])) {
        this.log.warning(
          'Possible SECURITY ATTACK detected. It looks like somebody is sending POST or Host: commands to Redis. This is likely due to an attacker attempting to use Cross Protocol Scripting to compromise your Redis instance. Connection aborted.',
        );
        this.closeClient(c);
        return;
      }
      processCommand(this, c, r);
    }
  }

  /** Queues a flush of the client's replies for the end of this event-loop turn's poll phase. */
  scheduleFlush(c: Client): void {
    this.pendingFlush.add(c);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flushPending());
  }

  private flushPending(): void {
    this.flushScheduled = false;
    const list = [...this.pendingFlush];
    this.pendingFlush.clear();
    // Latest first, as Redis links clients at the head of its pending-write list: a client
    // that sent one command in this poll phase is written before a loader's turn of replies.
    for (let i = list.length - 1; i >= 0; i--) this.flush(list[i]);
  }

  /** Run before replies are written: the AOF writes its buffer first (Redis's beforeSleep). */
  beforeReply: (() => void) | null = null;

  flush(c: Client): void {
    if (this.beforeReply !== null) this.beforeReply();
    const sock = c.socket;
    if (!sock || c.closed || c.kind === 'master') {
      c.reply.clear();
      return;
    }
    const size = c.reply.size;
    if (size > 0) {
      this.stats.netOutput += size;
      this.stats.writesProcessed++;
      c.reply.writeTo(sock);
    }
    if (c.closeAfterReply) {
      c.closed = true;
      sock.end();
    }
  }

  /** Closes a connection now, dropping pending replies. */
  closeClient(c: Client): void {
    if (c.socket) c.socket.destroy();
    this.freeClient(c);
  }

  private freeClient(c: Client): void {
    if (!this.clients.has(c.id)) return;
    c.closed = true;
    this.clients.delete(c.id);
    this.monitors.delete(c);
    for (const w of c.watching) this.keyspace.unwatch(w.db, w.key, c);
    c.watching = [];
    if (c.blocked) {
      c.blocked.onCancel?.();
      c.pendingArgv = null;
      const i = this.paused.indexOf(c);
      if (i >= 0) this.paused.splice(i, 1);
      this.unblock(c);
    }
    for (const h of this.clientClosedHooks) h(c);
  }

  readonly clientClosedHooks: ((c: Client) => void)[] = [];

  // --- cron -----------------------------------------------------------------------------------

  startCron(): void {
    const tick = (): void => {
      const now = Date.now();
      const hz = this.config.get('hz');
      this.stats.sample(now);
      this.keyspace.activeExpireCycle(Math.max(1, Math.floor(250 / hz)));
      if (this.pause && now >= this.pause.until) this.unpause();
      this.closeIdleClients(now);
      for (const h of this.cronHooks) h(now);
      this.cronTimer = setTimeout(tick, Math.floor(1000 / hz));
    };
    this.cronTimer = setTimeout(tick, Math.floor(1000 / this.config.get('hz')));
  }

  private closeIdleClients(now: number): void {
    const timeout = this.config.get('timeout');
    if (timeout <= 0) return;
    for (const c of this.clients.values()) {
      if (c.kind !== 'normal' || c.blocked || c.monitor) continue;
      if (now - c.lastInteraction > timeout * 1000) {
        this.log.verbose('Closing idle client');
        this.closeClient(c);
      }
    }
  }

  // --- shutdown -------------------------------------------------------------------------------

  /** Runs the shutdown hooks and exits; returns false if a hook refused (the caller replies). */
  shutdown(mode: 'save' | 'nosave' | 'default'): boolean {
    if (this.shuttingDown) return true;
    this.log.warning('User requested shutdown...');
    for (const h of this.shutdownHooks) {
      if (!h(mode)) {
        this.log.warning(
          'Errors trying to shut down the server. Check the logs for more information.',
        );
        return false;
      }
    }
    this.shuttingDown = true;
    if (this.cronTimer) clearTimeout(this.cronTimer);
    for (const l of this.listeners) l.close();
    for (const c of this.clients.values()) c.socket?.destroy();
    this.log.warning('Redis is now ready to exit, bye bye...');
    process.exit(0);
  }
}
