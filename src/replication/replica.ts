/**
 * The replica side of replication: connect to the master, handshake (PING, AUTH, REPLCONF,
 * PSYNC), receive the RDB (disk framing or the diskless EOF mark) or continue from the backlog,
 * then apply the master's stream, acknowledging offsets. The link is re-established after any
 * failure, with PSYNC from the cached state so a short cut costs a partial resync only.
 */
import { rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import type { Server } from '../server/server.js';
import type { Client } from '../server/client.js';
import { processCommand } from '../server/dispatcher.js';
import { ProtocolError } from '../resp/parser.js';
import { loadRdb } from '../persistence/rdb/file.js';
import { limitsFromConfig } from '../persistence/rdb/values.js';
import { RdbFormatError } from '../persistence/rdb/encoding.js';
import { encodeArgv, NULL_REPLID } from './backlog.js';
import { keepSyncFile, persistenceEnabled, useDisklessLoad } from './sync-file.js';

export type LinkState = 'connect' | 'connecting' | 'handshake' | 'sync' | 'connected';

/** What a replica remembers of its master to ask for a partial resync. */
export interface CachedMaster {
  replid: string;
  /** Offset of the last applied byte. */
  offset: number;
}

class LinkClosed extends Error {}

/** Sequential reads over a socket during the handshake and the RDB transfer. */
class LinkReader {
  buf: Buffer = Buffer.alloc(0);
  closed = false;
  private wake: (() => void) | null = null;

  constructor(
    readonly sock: Socket,
    private readonly onBytes: (n: number) => void,
  ) {
    sock.on('data', (b: Buffer) => this.push(b));
    sock.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
    sock.on('error', () => undefined);
  }

  private push(b: Buffer): void {
    this.onBytes(b.length);
    this.buf = this.buf.length ? Buffer.concat([this.buf, b]) : b;
    this.wake?.();
  }

  private async more(deadline: number): Promise<void> {
    if (this.closed) throw new LinkClosed('connection closed');
    const left = deadline - Date.now();
    if (left <= 0) throw new LinkClosed('timeout');
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, left);
      this.wake = () => {
        clearTimeout(t);
        this.wake = null;
        resolve();
      };
    });
  }

  async line(timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const nl = this.buf.indexOf(10);
      if (nl >= 0) {
        let end = nl;
        if (end > 0 && this.buf[end - 1] === 13) end--;
        const s = this.buf.toString('latin1', 0, end);
        this.buf = this.buf.subarray(nl + 1);
        return s;
      }
      await this.more(deadline);
    }
  }

  /** Waits until at least `n` bytes are buffered (the deadline moves with every read). */
  async atLeast(n: number, idleMs: number): Promise<void> {
    while (this.buf.length < n) await this.more(Date.now() + idleMs);
  }

  take(n: number): Buffer {
    const b = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return b;
  }

  detach(): Buffer {
    this.sock.removeAllListeners('data');
    this.sock.removeAllListeners('close');
    const rest = this.buf;
    this.buf = Buffer.alloc(0);
    return rest;
  }
}

export class ReplicationReplica {
  linkState: LinkState = 'connect';
  private sock: Socket | null = null;
  private master: Client | null = null;
  /** Applied offset (reploff) and read offset of the live link. */
  reploff = -1;
  readReploff = -1;
  cached: CachedMaster | null;
  lastIo = 0;
  linkDownSince = 0;
  syncInProgress = false;
  /** The DB the master's stream has selected (RDB aux repl-stream-db), for the master client. */
  private streamDb = 0;
  transferTotal = -1;
  transferRead = 0;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private ackTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly server: Server,
    readonly host: string,
    readonly port: number,
    cached: CachedMaster | null,
  ) {
    this.cached = cached;
  }

  private get log() {
    return this.server.log;
  }

  start(): void {
    this.ackTimer = setInterval(() => this.cron(), 1000);
    this.connectNow();
  }

  /** Stops replicating (REPLICAOF NO ONE / another master); keeps nothing running. */
  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.ackTimer) clearInterval(this.ackTimer);
    this.closeLink();
  }

  private closeLink(): void {
    if (this.master) {
      const m = this.master;
      this.master = null;
      this.server.closeClient(m);
    }
    this.sock?.destroy();
    this.sock = null;
  }

  private scheduleRetry(): void {
    if (this.stopped || this.retryTimer) return;
    this.linkState = 'connect';
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connectNow();
    }, 1000);
  }

  private connectNow(): void {
    if (this.stopped) return;
    this.log.notice(`Connecting to MASTER ${this.host}:${this.port}`);
    this.linkState = 'connecting';
    const sock = connect({ host: this.host, port: this.port });
    sock.setNoDelay(true);
    this.sock = sock;
    this.log.notice('MASTER <-> REPLICA sync started');
    const reader = new LinkReader(sock, (n) => {
      this.lastIo = Date.now();
      this.server.stats.netReplInput += n;
    });
    sock.once('connect', () => {
      this.log.notice('Non blocking connect for SYNC fired the event.');
      this.handshake(sock, reader).catch((e: Error) => this.linkFailed(sock, e));
    });
    sock.once('error', (e) => {
      if (this.linkState === 'connecting') this.linkFailed(sock, e);
    });
  }

  private linkFailed(sock: Socket, e: Error): void {
    if (sock !== this.sock) return;
    this.log.warning(`Error condition on socket for SYNC: ${e.message}`);
    this.syncInProgress = false;
    this.closeLink();
    this.scheduleRetry();
  }

  private send(sock: Socket, argv: string[]): void {
    sock.write(encodeArgv(argv), 'latin1');
  }

  private async handshake(sock: Socket, r: LinkReader): Promise<void> {
    const cfg = this.server.config;
    const io = 5000;
    this.linkState = 'handshake';
    this.send(sock, ['PING']);
    const pong = await r.line(io);
    if (
      !pong.startsWith('+') &&
      !pong.startsWith('-NOAUTH') &&
      !pong.startsWith('-NOPERM') &&
      !pong.startsWith('-ERR operation not permitted')
    ) {
      throw new Error(`Error reply to PING from master: '${pong}'`);
    }
    this.log.notice('Master replied to PING, replication can continue...');
    const auth = cfg.get('masterauth');
    const user = cfg.get('masteruser');
    if (auth) this.send(sock, user ? ['AUTH', user, auth] : ['AUTH', auth]);
    const announcePort = cfg.get('replica-announce-port') || cfg.get('port');
    this.send(sock, ['REPLCONF', 'listening-port', String(announcePort)]);
    const announceIp = cfg.get('replica-announce-ip');
    if (announceIp) this.send(sock, ['REPLCONF', 'ip-address', announceIp]);
    this.send(sock, ['REPLCONF', 'capa', 'eof', 'capa', 'psync2']);
    if (auth) {
      const a = await r.line(io);
      if (a.startsWith('-')) throw new Error(`Unable to AUTH to MASTER: ${a}`);
    }
    const lp = await r.line(io);
    if (lp.startsWith('-'))
      this.log.notice(`(Non critical) Master does not understand REPLCONF listening-port: ${lp}`);
    if (announceIp) await r.line(io);
    const capa = await r.line(io);
    if (capa.startsWith('-'))
      this.log.notice(`(Non critical) Master does not understand REPLCONF capa: ${capa}`);

    const cached = this.cached;
    if (cached) {
      this.log.notice(
        `Trying a partial resynchronization (request ${cached.replid}:${cached.offset + 1}).`,
      );
      this.send(sock, ['PSYNC', cached.replid, String(cached.offset + 1)]);
    } else {
      this.log.notice('Partial resynchronization not possible (no cached master)');
      this.send(sock, ['PSYNC', '?', '-1']);
    }
    let reply = '';
    const deadline = Date.now() + cfg.get('repl-timeout') * 1000;
    while (reply === '') {
      reply = await r.line(Math.max(1, deadline - Date.now()));
    }
    if (reply.startsWith('+FULLRESYNC')) {
      const [, id, off] = reply.split(' ');
      const replid = id && id.length === 40 ? id : NULL_REPLID;
      this.log.notice(`Full resync from master: ${replid}:${off}`);
      await this.fullSync(sock, r, replid, Number(off));
      return;
    }
    if (reply.startsWith('+CONTINUE')) {
      const newId = reply.slice(10).trim();
      this.log.notice('Successful partial resynchronization with master.');
      const m = this.server.master;
      if (!m.backlog) {
        m.offset = cached!.offset;
        m.createBacklog();
      }
      if (newId.length === 40 && cached && newId !== cached.replid) {
        m.replid2 = cached.replid;
        m.secondReplidOffset = m.offset + 1;
        m.replid = newId;
        cached.replid = newId;
        m.dropAllReplicas();
        this.log.notice(`Master replication ID changed to ${newId}`);
      }
      this.log.notice('MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.');
      this.attachStream(sock, r, cached!.offset, this.streamDb);
      return;
    }
    if (reply.startsWith('-NOMASTERLINK') || reply.startsWith('-LOADING')) {
      throw new Error(`Master is currently unable to PSYNC but should be in the future: ${reply}`);
    }
    throw new Error(`Unexpected reply to PSYNC from master: ${reply}`);
  }

  private async fullSync(
    sock: Socket,
    r: LinkReader,
    replid: string,
    offset: number,
  ): Promise<void> {
    const s = this.server;
    this.linkState = 'sync';
    this.syncInProgress = true;
    this.transferTotal = -1;
    this.transferRead = 0;
    const idle = s.config.get('repl-timeout') * 1000;
    let header = '';
    while (header === '') header = await r.line(idle);
    if (header.startsWith('-'))
      throw new Error(`Master aborted replication with an error: ${header}`);
    if (!header.startsWith('$'))
      throw new Error(
        `Bad protocol from MASTER, the first byte is not '$' (we received '${header}'), are you sure the host and port are right?`,
      );
    const diskless = useDisklessLoad(s);
    const target = diskless ? 'to parser' : 'to disk';
    let rdb: Buffer;
    if (header.startsWith('$EOF:') && header.length >= 45) {
      const mark = Buffer.from(header.slice(5, 45), 'latin1');
      this.transferTotal = 0;
      this.log.notice(
        `MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF ${target}`,
      );
      const parts: Buffer[] = [];
      let tail = Buffer.alloc(0);
      for (;;) {
        await r.atLeast(1, idle);
        const chunk = r.take(r.buf.length);
        this.transferRead += chunk.length;
        parts.push(chunk);
        tail = Buffer.concat([tail, chunk]).subarray(-40);
        if (tail.length === 40 && tail.equals(mark)) break;
      }
      const all = Buffer.concat(parts);
      rdb = all.subarray(0, all.length - 40);
    } else {
      const n = Number(header.slice(1));
      this.transferTotal = n;
      this.log.notice(`MASTER <-> REPLICA sync: receiving ${n} bytes from master ${target}`);
      while (r.buf.length < n) {
        const before = r.buf.length;
        await r.atLeast(before + 1, idle);
        this.transferRead = Math.min(n, r.buf.length);
      }
      rdb = r.take(n);
    }
    // Loading from disk, Redis keeps the master's data set as this node's own RDB file.
    if (!diskless) keepSyncFile(s, rdb);
    this.log.notice('MASTER <-> REPLICA sync: Flushing old data');
    for (const db of s.keyspace.dbs) db.clear();
    this.log.notice('MASTER <-> REPLICA sync: Loading DB in memory');
    s.loading = true;
    try {
      const res = loadRdb(rdb, s.keyspace, {
        dropExpired: false,
        now: Date.now(),
        limits: limitsFromConfig(s.config),
      });
      this.log.notice(
        `Done loading RDB, keys loaded: ${res.keysLoaded}, keys expired: ${res.keysExpired}.`,
      );
      if (res.repl) this.streamDb = res.repl.streamDb;
    } catch (e) {
      for (const db of s.keyspace.dbs) db.clear();
      const msg = e instanceof RdbFormatError ? e.message : String(e);
      this.log.warning(`Failed trying to load the MASTER synchronization DB from socket: ${msg}`);
      throw new Error('RDB load failed');
    } finally {
      s.loading = false;
      this.syncInProgress = false;
    }
    if (!diskless && s.config.get('rdb-del-sync-files') && !persistenceEnabled(s)) {
      this.log.notice(
        'Removing the RDB file obtained from the master. This replica has persistence disabled',
      );
      rmSync(s.rdb.path, { force: true });
    }
    const m = s.master;
    m.replid = replid;
    m.replid2 = NULL_REPLID;
    m.secondReplidOffset = -1;
    m.offset = offset;
    m.dropAllReplicas();
    m.createBacklog();
    this.cached = { replid, offset };
    this.log.notice('MASTER <-> REPLICA sync: Finished with success');
    this.attachStream(sock, r, offset, this.streamDb);
    if (header.startsWith('$EOF:')) this.sendAck();
  }

  /** From here on the socket carries the master's write stream. */
  private attachStream(sock: Socket, r: LinkReader, offset: number, streamDb: number): void {
    const s = this.server;
    const rest = r.detach();
    // The master link is a client like any other (CLIENT LIST, CLIENT KILL TYPE master), but
    // its input is read here and nothing is ever answered on it.
    const c = s.createClient(sock);
    c.kind = 'master';
    c.authenticated = true;
    c.db = s.keyspace.dbs[streamDb] ?? s.keyspace.dbs[0];
    this.master = c;
    this.reploff = offset;
    this.readReploff = offset;
    this.linkState = 'connected';
    this.linkDownSince = 0;
    sock.on('data', (b: Buffer) => {
      this.lastIo = Date.now();
      s.stats.netReplInput += b.length;
      this.apply(c, b);
    });
    sock.on('close', () => this.lost(sock));
    if (rest.length) this.apply(c, rest);
  }

  private lost(sock: Socket): void {
    if (sock !== this.sock) return;
    this.log.notice('Connection with master lost.');
    this.log.notice('Caching the disconnected master state.');
    this.cached = { replid: this.server.master.replid, offset: this.reploff };
    this.linkDownSince = Date.now();
    this.closeLink();
    this.scheduleRetry();
  }

  /** Applies complete commands of the stream; the offset advances per applied command. */
  private apply(c: Client, data: Buffer): void {
    const s = this.server;
    const m = s.master;
    c.lastInteraction = Date.now();
    c.parser.feed(data);
    const limits = { maxBulkLen: Infinity, unauthenticated: false };
    for (;;) {
      const argv = c.parser.next(limits);
      if (argv === null) break;
      if (argv instanceof ProtocolError) {
        this.log.warning(`Protocol error from MASTER: ${argv.message}. Dropping the link.`);
        this.sock?.destroy();
        return;
      }
      if (argv.length === 0) continue;
      const bytes = encodeArgv(argv);
      this.readReploff += bytes.length;
      // The master decides what exists: its commands see keys our clock calls expired.
      m.relaying = true;
      s.keyspace.applyingMasterStream = true;
      try {
        processCommand(s, c, argv);
      } finally {
        m.relaying = false;
        s.keyspace.applyingMasterStream = false;
      }
      c.reply.clear();
      // Sub-replicas and our backlog get exactly the bytes we applied.
      m.feedRaw(bytes);
      if (c.multi === null) this.reploff = this.readReploff;
    }
  }

  /** REPLCONF ACK <reploff> to the master (every second and on GETACK). */
  sendAck(): void {
    if (this.linkState !== 'connected' || !this.sock) return;
    this.sock.write(encodeArgv(['REPLCONF', 'ACK', String(this.reploff)]), 'latin1');
  }

  private cron(): void {
    const timeout = this.server.config.get('repl-timeout') * 1000;
    if (this.linkState === 'connected') {
      if (Date.now() - this.lastIo > timeout) {
        this.log.warning('MASTER timeout: no data nor PING received...');
        const sock = this.sock;
        if (sock) this.lost(sock);
        return;
      }
      this.sendAck();
    } else if (this.linkState === 'sync' && this.sock) {
      // Keep the master from timing us out while we load.
      this.sock.write('\n');
    }
  }
}
