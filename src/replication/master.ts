/**
 * The master side of replication: replication ids and offset, the backlog, attached replicas
 * (handshake, full resync from a point-in-time snapshot, partial resync), the write stream with
 * SELECT and heartbeat PINGs, acknowledgements and WAIT.
 */
import type { Server } from '../server/server.js';
import type { Client } from '../server/client.js';
import { Backlog, encodeArgv, randomReplId, NULL_REPLID } from './backlog.js';

export type ReplicaState = 'wait_bgsave' | 'send_bulk' | 'online';

export interface ReplicaLink {
  client: Client;
  state: ReplicaState;
  listeningPort: number;
  ipAddress: string | null;
  capaEof: boolean;
  capaPsync2: boolean;
  ackOffset: number;
  ackTime: number;
  /** Stream bytes produced since its snapshot began, sent once the RDB is delivered. */
  pending: Buffer[] | null;
  /** Old SYNC protocol: no acks expected, never timed out. */
  oldSync: boolean;
}

interface Waiter {
  client: Client;
  offset: number;
  needed: number;
}

export class ReplicationMaster {
  replid = randomReplId();
  replid2 = NULL_REPLID;
  secondReplidOffset = -1;
  /** master_repl_offset: bytes ever fed to the stream while a backlog existed. */
  offset = 0;
  backlog: Backlog | null = null;
  readonly replicas: ReplicaLink[] = [];
  /** DB selected in the stream; -1 forces a SELECT before the next keyed command. */
  streamDb = -1;
  noReplicasSince = Date.now();
  syncFull = 0;
  syncPartialOk = 0;
  syncPartialErr = 0;
  /** True while applying our master's stream: we forward its bytes instead (see feedRaw). */
  relaying = false;
  private waiters: Waiter[] = [];
  /** Stream bytes not yet delivered (see feedRaw). */
  private batch: string[] = [];
  private flushQueued = false;
  private getackPending = false;
  /** A GETACK that a client pause held back. */
  private ackDeferred = false;
  private pingTicks = 0;

  constructor(private readonly server: Server) {}

  private get log() {
    return this.server.log;
  }

  replicaName(l: ReplicaLink): string {
    const ip = l.ipAddress ?? l.client.socket?.remoteAddress?.replace(/^::ffff:/, '') ?? '?';
    return l.listeningPort ? `${ip}:${l.listeningPort}` : l.client.addr;
  }

  linkOf(c: Client): ReplicaLink | undefined {
    return this.replicas.find((l) => l.client === c);
  }

  createBacklog(): void {
    this.flush();
    this.backlog = new Backlog(this.server.config.get('repl-backlog-size'), this.offset);
  }

  /** A master that gets its first replica (or lost its backlog) starts a new history. */
  private ensureBacklog(): void {
    if (this.backlog) return;
    this.replid = randomReplId();
    this.replid2 = NULL_REPLID;
    this.secondReplidOffset = -1;
    this.createBacklog();
    this.log.notice(
      `Replication backlog created, my new replication IDs are '${this.replid}' and '${this.replid2}'`,
    );
  }

  // --- the stream ------------------------------------------------------------------------------

  /** Propagator: commands executed on this node, as a master. */
  feed(dbId: number, commands: string[][]): void {
    if (this.relaying || this.server.isReplica()) return;
    if (!this.backlog && this.replicas.length === 0) return;
    let out = '';
    for (const argv of commands) {
      if (dbId !== this.streamDb && dbId >= 0) {
        out += encodeArgv(['SELECT', String(dbId)]);
        this.streamDb = dbId;
      }
      out += encodeArgv(argv);
    }
    this.feedRaw(out);
  }

  /**
   * Appends bytes (latin1) to the stream. The offset advances at once (WAIT, INFO and full
   * resyncs read it); the bytes reach the backlog and the replicas in one batch at the end of
   * the event-loop turn, so all the writes of a turn cost one copy and one socket write per replica.
   */
  feedRaw(data: string): void {
    if (this.backlog) this.offset += data.length;
    else if (this.replicas.length === 0) return;
    this.batch.push(data);
    if (!this.flushQueued) {
      this.flushQueued = true;
      // After the poll phase: every client's writes of this loop turn go out in one write.
      setImmediate(() => this.flush());
    }
  }

  /** Delivers the batched stream: backlog, online replicas, replicas waiting for their RDB. */
  flush(): void {
    this.flushQueued = false;
    if (this.batch.length === 0) return;
    const data = Buffer.from(
      this.batch.length === 1 ? this.batch[0] : this.batch.join(''),
      'latin1',
    );
    this.batch = [];
    this.backlog?.append(data);
    for (const l of this.replicas) {
      if (l.pending) l.pending.push(data);
      else if (l.state === 'online') this.write(l, data);
    }
  }

  private write(l: ReplicaLink, data: Buffer | string): void {
    const sock = l.client.socket;
    if (!sock || l.client.closed) return;
    const n = typeof data === 'string' ? data.length : data.length;
    this.server.stats.netReplOutput += n;
    sock.write(data);
  }

  // --- handshake commands ----------------------------------------------------------------------

  /** REPLCONF: returns true when a reply must be sent (ack/getack answer nothing). */
  replconf(c: Client, argv: string[]): void {
    if (argv.length % 2 === 0) {
      c.reply.err('syntax error');
      return;
    }
    let link = this.linkOf(c);
    const pend =
      c.replState ??
      (c.replState = { listeningPort: 0, ipAddress: null, capaEof: false, capaPsync2: false });
    for (let i = 1; i < argv.length; i += 2) {
      const opt = argv[i].toLowerCase();
      const val = argv[i + 1];
      if (opt === 'listening-port') {
        if (!/^-?\d+$/.test(val)) {
          c.reply.err('value is not an integer or out of range');
          return;
        }
        pend.listeningPort = Number(val);
        if (link) link.listeningPort = pend.listeningPort;
      } else if (opt === 'ip-address') {
        if (val.length >= 256) {
          c.reply.err(
            `REPLCONF ip-address provided by replica instance is too long: ${val.length} bytes`,
          );
          return;
        }
        pend.ipAddress = val;
        if (link) link.ipAddress = val;
      } else if (opt === 'capa') {
        if (val.toLowerCase() === 'eof') pend.capaEof = true;
        else if (val.toLowerCase() === 'psync2') pend.capaPsync2 = true;
      } else if (opt === 'ack') {
        link = this.linkOf(c);
        if (link && /^-?\d+$/.test(val)) this.onAck(link, Number(val));
        return;
      } else if (opt === 'getack') {
        this.server.replica?.sendAck();
        return;
      } else if (opt === 'rdb-only') {
        if (val !== '0' && val !== '1') {
          c.reply.err('value is out of range, value must between 0 and 1');
          return;
        }
      } else if (opt === 'rdb-filter-only') {
        if (val !== '' && val.toLowerCase() !== 'functions') {
          c.reply.err(`Unsupported rdb-filter-only option: ${val}`);
          return;
        }
      } else {
        c.reply.err(`Unrecognized REPLCONF option: ${argv[i]}`);
        return;
      }
    }
    c.reply.ok();
  }

  private onAck(l: ReplicaLink, off: number): void {
    this.flush();
    if (off > l.ackOffset) l.ackOffset = off;
    l.ackTime = Date.now();
    if (l.pending && l.state === 'online') {
      // Diskless transfer: the stream starts at the first ACK.
      const pending = l.pending;
      l.pending = null;
      for (const b of pending) this.write(l, b);
    }
    this.serveWaiters();
  }

  /** SYNC / PSYNC from a client that wants to become a replica. */
  sync(c: Client, argv: string[]): void {
    if (c.kind === 'replica') return;
    const s = this.server;
    const r = s.replica;
    if (r && r.linkState !== 'connected') {
      c.reply.error("NOMASTERLINK Can't SYNC while not connected with my master");
      return;
    }
    if (c.reply.size > 0) {
      c.reply.err('SYNC and PSYNC are invalid with pending output');
      return;
    }
    const psync = argv[0].toLowerCase() === 'psync';
    const st = c.replState ?? {
      listeningPort: 0,
      ipAddress: null,
      capaEof: false,
      capaPsync2: false,
    };
    const link: ReplicaLink = {
      client: c,
      state: 'wait_bgsave',
      ...st,
      ackOffset: 0,
      ackTime: Date.now(),
      pending: null,
      oldSync: !psync,
    };
    this.log.notice(`Replica ${this.replicaName(link)} asks for synchronization`);
    if (psync) {
      if (!/^-?\d+$/.test(argv[2])) {
        c.reply.err('value is not an integer or out of range');
        return;
      }
      if (this.tryPartial(c, link, argv[1], Number(argv[2]))) return;
    }
    this.syncFull++;
    c.kind = 'replica';
    this.replicas.push(link);
    this.ensureBacklog();
    this.beginFullSync(link);
  }

  private tryPartial(c: Client, link: ReplicaLink, reqId: string, reqOff: number): boolean {
    const b = this.backlog;
    const idOk =
      reqId.toLowerCase() === this.replid ||
      (reqId.toLowerCase() === this.replid2 && reqOff <= this.secondReplidOffset);
    if (reqId === '?') {
      this.log.notice(`Full resync requested by replica ${this.replicaName(link)}`);
      return false;
    }
    if (!idOk) {
      this.syncPartialErr++;
      this.log.notice(
        `Partial resynchronization not accepted: Replication ID mismatch (Replica asked for '${reqId}', my replication IDs are '${this.replid}' and '${this.replid2}')`,
      );
      return false;
    }
    if (!b || !b.canServe(reqOff)) {
      this.syncPartialErr++;
      this.log.notice(
        `Unable to partial resync with replica ${this.replicaName(link)} for lack of backlog (Replica request was: ${reqOff}).`,
      );
      return false;
    }
    this.flush();
    c.kind = 'replica';
    link.state = 'online';
    link.ackTime = Date.now();
    this.replicas.push(link);
    const data = b.readFrom(reqOff);
    c.reply.raw(link.capaPsync2 ? `+CONTINUE ${this.replid}\r\n` : '+CONTINUE\r\n');
    this.server.flush(c);
    this.write(link, data);
    this.syncPartialOk++;
    this.log.notice(
      `Partial resynchronization request from ${this.replicaName(link)} accepted. Sending ${data.length} bytes of backlog starting from offset ${reqOff}.`,
    );
    return true;
  }

  private beginFullSync(link: ReplicaLink): void {
    const cfg = this.server.config;
    const diskless = cfg.get('repl-diskless-sync') && link.capaEof;
    const delay = diskless ? cfg.get('repl-diskless-sync-delay') * 1000 : 0;
    const start = (): void => {
      if (link.client.closed) return;
      this.log.notice(
        `Starting BGSAVE for SYNC with target: ${diskless ? 'replicas sockets' : 'disk'}`,
      );
      void this.transfer(link, diskless);
    };
    if (delay > 0) setTimeout(start, delay);
    else start();
  }

  /** Sends +FULLRESYNC, then the snapshot taken at this very offset, then the held stream. */
  private async transfer(link: ReplicaLink, diskless: boolean): Promise<void> {
    const s = this.server;
    const c = link.client;
    // Bytes fed before this point are in the snapshot; everything after goes to `pending`.
    this.flush();
    link.pending = [];
    const snap = s.rdb.snapshot();
    s.snapshots.add(snap);
    // Every write after this point is in `pending`, and the snapshot excludes it.
    this.streamDb = -1;
    if (!link.oldSync) {
      c.reply.raw(`+FULLRESYNC ${this.replid} ${this.offset}\r\n`);
      s.flush(c);
    }
    link.state = 'send_bulk';
    try {
      if (diskless) {
        const mark = randomReplId();
        this.write(link, `$EOF:${mark}\r\n`);
        for (let chunk = snap.next(); chunk; chunk = snap.next()) {
          if (c.closed) return;
          this.write(link, chunk);
          await drained(c);
        }
        this.write(link, mark);
        this.log.notice(
          `Streamed RDB transfer with replica ${this.replicaName(link)} succeeded (socket). Waiting for REPLCONF ACK from replica to enable streaming`,
        );
        link.state = 'online';
        link.ackTime = Date.now();
        // The stream is released by the replica's first REPLCONF ACK (onAck).
      } else {
        const parts: Buffer[] = [];
        for (let chunk = snap.next(); chunk; chunk = snap.next()) {
          parts.push(chunk);
          await new Promise<void>((r) => setImmediate(r));
          if (c.closed) return;
        }
        const rdb = Buffer.concat(parts);
        this.write(link, `$${rdb.length}\r\n`);
        this.write(link, rdb);
        link.state = 'online';
        link.ackTime = Date.now();
        const pending = link.pending ?? [];
        link.pending = null;
        for (const b of pending) this.write(link, b);
        this.log.notice(`Synchronization with replica ${this.replicaName(link)} succeeded`);
      }
    } finally {
      s.snapshots.delete(snap);
    }
  }

  /** A replica connection closed. */
  dropped(c: Client): void {
    const i = this.replicas.findIndex((l) => l.client === c);
    if (i < 0) return;
    const l = this.replicas[i];
    this.replicas.splice(i, 1);
    this.log.notice(`Connection with replica ${this.replicaName(l)} lost.`);
    if (this.replicas.length === 0) this.noReplicasSince = Date.now();
    this.serveWaiters();
  }

  /** Disconnects every replica (promotion, new history). */
  dropAllReplicas(): void {
    for (const l of [...this.replicas]) this.server.closeClient(l.client);
  }

  // --- WAIT ------------------------------------------------------------------------------------

  countAcked(offset: number): number {
    let n = 0;
    for (const l of this.replicas) if (l.state === 'online' && l.ackOffset >= offset) n++;
    return n;
  }

  wait(c: Client, needed: number, timeoutMs: number): void {
    // What the client itself wrote, as Redis: a client that propagated nothing waits for nothing.
    const offset = c.woff;
    const acked = this.countAcked(offset);
    if (acked >= needed || c.multi !== null || this.server.inExec) {
      c.reply.integer(acked);
      return;
    }
    const w: Waiter = { client: c, offset, needed };
    this.waiters.push(w);
    this.requestAcks();
    this.server.block(c, {
      deadline: timeoutMs > 0 ? Date.now() + timeoutMs : 0,
      unblockable: true,
      onTimeout: () => {
        this.removeWaiter(w);
        c.reply.integer(this.countAcked(offset));
        this.server.unblock(c);
      },
      onCancel: () => this.removeWaiter(w),
    });
  }

  private removeWaiter(w: Waiter): void {
    const i = this.waiters.indexOf(w);
    if (i >= 0) this.waiters.splice(i, 1);
  }

  private serveWaiters(): void {
    for (const w of [...this.waiters]) {
      const n = this.countAcked(w.offset);
      if (n < w.needed) continue;
      this.removeWaiter(w);
      w.client.reply.integer(n);
      this.server.unblock(w.client);
    }
  }

  /** Asks replicas for their offsets (REPLCONF GETACK *), once per event-loop turn. */
  private requestAcks(): void {
    if (this.getackPending) return;
    this.getackPending = true;
    setImmediate(() => {
      this.getackPending = false;
      if (this.waiters.length === 0 || this.replicas.length === 0) return;
      // Not while clients are paused, as Redis: the GETACK would move the offset that a manual
      // failover's replica must reach exactly, so WAITs running meanwhile would stall it.
      if (this.server.pause) {
        this.ackDeferred = true;
        return;
      }
      this.sendGetack();
    });
  }

  private sendGetack(): void {
    this.feedRaw(encodeArgv(['REPLCONF', 'GETACK', '*']));
  }

  /** A GETACK held back by a client pause goes out once the pause ends (even if its WAITs ended). */
  pauseEnded(): void {
    if (!this.ackDeferred) return;
    this.ackDeferred = false;
    if (this.replicas.length > 0) this.sendGetack();
  }

  // --- cron ------------------------------------------------------------------------------------

  /** Once per second: heartbeat PING, newline keepalives, timeouts, backlog TTL. */
  cronSecond(now: number): void {
    const cfg = this.server.config;
    if (!this.server.isReplica() && this.replicas.length > 0) {
      const period = cfg.get('repl-ping-replica-period');
      if (this.pingTicks % period === 0 && !this.server.pause) {
        this.feedRaw(encodeArgv(['ping']));
      }
      this.pingTicks++;
    }
    const timeout = cfg.get('repl-timeout') * 1000;
    for (const l of [...this.replicas]) {
      if (l.state === 'wait_bgsave' || (l.state === 'send_bulk' && !l.capaEof)) {
        this.write(l, '\n');
      } else if (l.state === 'online' && !l.oldSync && now - l.ackTime > timeout) {
        this.log.warning(`Disconnecting timedout replica (streaming sync): ${this.replicaName(l)}`);
        this.server.closeClient(l.client);
      }
    }
    const ttl = cfg.get('repl-backlog-ttl');
    if (
      this.backlog &&
      ttl > 0 &&
      !this.server.isReplica() &&
      this.replicas.length === 0 &&
      now - this.noReplicasSince > ttl * 1000
    ) {
      this.backlog = null;
      this.replid = randomReplId();
      this.replid2 = NULL_REPLID;
      this.secondReplidOffset = -1;
      this.log.notice(`Replication backlog freed after ${ttl} seconds without connected replicas.`);
    }
  }

  /** Good replicas for min-replicas-to-write: online and acked within the max lag. */
  goodReplicas(now: number): number {
    const lag = this.server.config.get('min-replicas-max-lag') * 1000;
    let n = 0;
    for (const l of this.replicas) if (l.state === 'online' && now - l.ackTime <= lag) n++;
    return n;
  }

  /** Becoming a master after being a replica: a new history that still honours the old id. */
  shiftReplId(): void {
    this.replid2 = this.replid;
    this.secondReplidOffset = this.offset + 1;
    this.replid = randomReplId();
    this.streamDb = -1;
    this.noReplicasSince = Date.now();
    this.log.notice(
      `Setting secondary replication ID to ${this.replid2}, valid up to offset: ${this.secondReplidOffset}. New replication ID is ${this.replid}`,
    );
  }
}

/** Resolves when the client's socket can take more data (back-pressure for big transfers). */
function drained(c: Client): Promise<void> {
  const sock = c.socket;
  if (!sock || sock.writableLength < 4 * 1024 * 1024) return new Promise((r) => setImmediate(r));
  return new Promise((r) => {
    const done = (): void => {
      sock.off('drain', done);
      sock.off('close', done);
      r();
    };
    sock.once('drain', done);
    sock.once('close', done);
  });
}
