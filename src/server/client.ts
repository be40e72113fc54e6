/**
 * One client connection's state: protocol, database, authentication, transaction, WATCH,
 * blocking and reply mode. The socket is null for internal clients (the master link's
 * applier, AOF loading), whose replies are discarded.
 */
import type { Socket } from 'node:net';
import type { Db } from '../keyspace/db.js';
import type { Watcher } from '../keyspace/keyspace.js';
import { RequestParser } from '../resp/parser.js';
import { Reply, type ErrorCounter } from '../resp/reply.js';
import type { CommandDef } from '../commands/table.js';
import type { Server } from './server.js';
import type { InputSwitch } from './socket-reader.js';

export interface QueuedCommand {
  def: CommandDef;
  argv: string[];
}

export interface MultiState {
  queue: QueuedCommand[];
  /** A command was rejected while queueing: EXEC answers EXECABORT. */
  failed: boolean;
}

/** A client waiting in a blocking command, on a pause, or in a long operation. */
export interface BlockState {
  /** Absolute deadline in ms, 0 for none. */
  deadline: number;
  /** Called when the deadline passes; it must reply and then unblock. */
  onTimeout(): void;
  /** Called when the client disconnects or is unblocked by force, before the state is dropped. */
  onCancel?(): void;
  /** CLIENT UNBLOCK may end it (blocking commands yes, pauses no). */
  unblockable: boolean;
}

export type ClientKind = 'normal' | 'replica' | 'master' | 'pubsub';

export class Client implements Watcher {
  readonly reply: Reply;
  readonly parser = new RequestParser();
  readonly createdAt = Date.now();
  lastInteraction = Date.now();
  name = '';
  user = 'default';
  authenticated: boolean;
  db: Db;
  multi: MultiState | null = null;
  watching: { db: Db; key: string }[] = [];
  dirtyCas = false;
  /** Cluster READONLY: reads may be served by a replica. */
  readonlyMode = false;
  /** The next command may act on a slot being imported (ASKING). */
  asking = false;
  /** `skip-next` is set by CLIENT REPLY SKIP and becomes `skip` for the command after it. */
  replyMode: 'on' | 'off' | 'skip' | 'skip-next' = 'on';
  /**
   * While this client's own command runs under CLIENT REPLY OFF / SKIP: the pub/sub messages
   * it gets meanwhile (it published to itself), kept apart from the reply that is dropped.
   */
  mutedPushes: string | null = null;
  /** The replication offset right after this client's last command that propagated something. */
  woff = 0;
  /** Set when the connection must close once pending replies are written. */
  closeAfterReply = false;
  /** Input left unprocessed for a later loop turn (the client used up its turn's time). */
  inputDeferred = false;
  /** Pauses and resumes the socket's reads; null for internal clients. */
  input: InputSwitch | null = null;
  closed = false;
  kind: ClientKind = 'normal';
  monitor = false;
  noEvict = false;
  lastCommand = 'NULL';
  blocked: BlockState | null = null;
  /** What the client announced with REPLCONF before it sent PSYNC/SYNC. */
  replState: {
    listeningPort: number;
    ipAddress: string | null;
    capaEof: boolean;
    capaPsync2: boolean;
  } | null = null;
  blockTimer: NodeJS.Timeout | null = null;
  /** A command held back by CLIENT PAUSE, run when the pause ends. */
  pendingArgv: string[] | null = null;
  /**
   * What to propagate to replicas and the AOF instead of the command as received, for commands
   * whose effect must be replayed deterministically (SET EX -> SET PXAT, SPOP -> SREM, ...).
   * Reset before each command.
   */
  propagateAs: string[][] | null = null;

  constructor(
    readonly server: Server,
    readonly id: number,
    readonly socket: Socket | null,
    db: Db,
    authenticated: boolean,
    errors: ErrorCounter,
  ) {
    this.db = db;
    this.authenticated = authenticated;
    this.reply = new Reply(errors);
  }

  get addr(): string {
    const s = this.socket;
    if (!s) return '';
    return formatAddr(s.remoteAddress, s.remotePort);
  }

  get laddr(): string {
    const s = this.socket;
    if (!s) return '';
    return formatAddr(s.localAddress, s.localPort);
  }

  get resp(): 2 | 3 {
    return this.reply.resp;
  }
}

export function formatAddr(host: string | undefined, port: number | undefined): string {
  let h = host ?? '';
  if (h.startsWith('::ffff:')) h = h.slice(7);
  return h.includes(':') ? `[${h}]:${port ?? 0}` : `${h}:${port ?? 0}`;
}
