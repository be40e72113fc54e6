/**
 * Cluster mode in a real keyshard process: wires the sans-I/O core to the TCP bus, nodes.conf,
 * the per-slot key index, the routing gate, the cron and the logger. Started from a server init
 * hook when `cluster-enabled yes`.
 */
import { isAbsolute, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Server } from '../server/server.js';
import { serverInitHooks } from '../server/server.js';
import { ClusterCore } from './core/cluster.js';
import { processPacket } from './core/process.js';
import type { CoreSettings, Effect } from './core/types.js';
import { BusTransport } from './bus/links.js';
import { SlotIndex } from './slot-index.js';
import {
  loadNodesConf,
  lockNodesConf,
  NodesConfError,
  readNodesConf,
  saveNodesConf,
  unlockNodesConf,
} from './nodes-conf.js';
import { redirectBlockedClients } from './blocked-redirect.js';
import { defaultInfoSection, registerInfoSection } from '../server/info.js';
import { routeCommand } from './routing.js';
import { verifyWithData } from './core/admin.js';
import { NodeFlag } from './core/node.js';
import { markFailingIfNeeded } from './core/failure.js';
import { MsgType } from './bus/codec.js';
import { setMaster, unsetMaster } from '../replication/replication.js';
import { listenWarning } from '../util/listen-error.js';

const services = new WeakMap<Server, ClusterService>();

/** The cluster service of a server, or null when cluster mode is off. */
export function clusterOf(s: Server): ClusterService | null {
  return services.get(s) ?? null;
}

/** A fatal startup problem: logged, then the process exits like redis-server. */
export class ClusterStartError extends Error {}

export class ClusterService {
  readonly core: ClusterCore;
  readonly index = new SlotIndex();
  readonly confPath: string;
  readonly bus: BusTransport;
  private saveRetry: boolean | null = null;
  private cronTimer: NodeJS.Timeout | null = null;
  private random = randomBytes(4096);
  private randomPos = 0;

  constructor(readonly server: Server) {
    const cfg = server.config;
    const file = cfg.get('cluster-config-file');
    this.confPath = isAbsolute(file) ? file : join(cfg.get('dir'), file);
    this.core = new ClusterCore({
      now: () => Date.now(),
      random: () => this.nextRandom(),
      settings: () => this.settings(),
      keysInSlot: (slot) => this.index.count(slot),
      replOffset: () => this.replOffset(),
      masterDataAge: () => this.masterDataAge(),
    });
    this.bus = new BusTransport(
      {
        accepted: (peerIp, localIp) => this.core.acceptInbound(peerIp, localIp),
        connected: (link, localIp) => this.input(() => this.core.linkConnected(link, localIp)),
        packet: (link, data) => this.input(() => processPacket(this.core, link, data)),
        closed: (link, reason, bad) => {
          if (bad) server.log.warning('Bad message length or signature received from Cluster bus.');
          this.input(() => this.core.linkClosed(link, reason));
        },
      },
      () => Math.max(1000, 2 * cfg.get('cluster-node-timeout')),
    );
  }

  /**
   * replicationGetSlaveOffset for a replica (the live link's offset, else the cached master's,
   * else 0: never -1, which the bus header cannot carry); the master's own offset otherwise.
   */
  private replOffset(): number {
    const r = this.server.replica;
    if (!r) return this.server.master.offset;
    if (r.reploff >= 0) return r.reploff;
    return Math.max(0, r.cached?.offset ?? 0);
  }

  /** Data age for the failover check, in whole seconds like Redis (never connected: huge). */
  private masterDataAge(): number {
    const r = this.server.replica;
    const nowS = Math.floor(Date.now() / 1000);
    if (!r) return Number.MAX_SAFE_INTEGER;
    const since = r.linkState === 'connected' ? r.lastIo : r.linkDownSince;
    return (nowS - Math.floor(since / 1000)) * 1000;
  }

  private nextRandom(): number {
    if (this.randomPos + 4 > this.random.length) {
      this.random = randomBytes(4096);
      this.randomPos = 0;
    }
    const v = this.random.readUInt32BE(this.randomPos);
    this.randomPos += 4;
    return v / 4294967296;
  }

  settings(): CoreSettings {
    const cfg = this.server.config;
    const port = cfg.get('port');
    const announcePort = cfg.get('cluster-announce-port');
    const announceBus = cfg.get('cluster-announce-bus-port');
    const busPort = cfg.get('cluster-port') || port + 10000;
    return {
      nodeTimeout: cfg.get('cluster-node-timeout'),
      requireFullCoverage: cfg.get('cluster-require-full-coverage'),
      allowReplicaMigration: cfg.get('cluster-allow-replica-migration'),
      migrationBarrier: cfg.get('cluster-migration-barrier'),
      announceIp: cfg.get('cluster-announce-ip'),
      announceHostname: cfg.get('cluster-announce-hostname'),
      port: announcePort || port,
      pport: 0,
      cport: announceBus || busPort,
      replicaValidityFactor: cfg.get('cluster-replica-validity-factor'),
      replPingPeriod: cfg.get('repl-ping-replica-period'),
      replicaNoFailover: cfg.get('cluster-replica-no-failover'),
    };
  }

  get busPort(): number {
    const cfg = this.server.config;
    return cfg.get('cluster-port') || cfg.get('port') + 10000;
  }

  /** Lock and load nodes.conf (or create myself), index existing keys, register hooks. */
  init(): void {
    const s = this.server;
    const cfg = s.config;
    if (cfg.get('cluster-port') === 0 && cfg.get('port') > 55535) {
      throw new ClusterStartError(
        'Redis port number too high. Cluster communication port is 10,000 port numbers higher than your Redis port. Your Redis port number must be 55535 or less.',
      );
    }
    const lockErr = lockNodesConf(this.confPath);
    if (lockErr) throw new ClusterStartError(lockErr);
    let text: string | null;
    try {
      text = readNodesConf(this.confPath);
    } catch (e) {
      throw new ClusterStartError(
        `Loading the cluster node config from ${this.confPath}: ${(e as Error).message}`,
      );
    }
    if (text === null) {
      s.log.notice(`No cluster configuration found, I'm ${this.core.myself.id}`);
      this.save(true, true);
    } else {
      try {
        loadNodesConf(this.core, text);
      } catch (e) {
        if (e instanceof NodesConfError) {
          throw new ClusterStartError('Unrecoverable error: corrupted cluster config file.');
        }
        throw e;
      }
      s.log.notice(`Node configuration loaded, I'm ${this.core.myself.id}`);
    }
    this.flushEffects();
    const db0 = s.keyspace.dbs[0];
    for (const key of db0.dict.keys()) this.index.add(key);
    s.keyAddedHooks.push((db, key) => {
      if (db.id === 0) this.index.add(key);
    });
    s.keyRemovedHooks.push((db, key) => {
      if (db.id === 0) this.index.remove(key);
    });
    s.dbClearedHooks.push((db) => {
      if (db.id === 0) this.index.clear();
    });
    s.gates.push((c, def, argv) => routeCommand(this, c, def, argv));
    s.cronHooks.push(() => redirectBlockedClients(this));
    // Redis counts two bus links per other known node, whether connected or not.
    registerInfoSection(s, 'clients', (srv) =>
      defaultInfoSection('clients', srv).map((line) =>
        line.startsWith('cluster_connections:')
          ? `cluster_connections:${(this.core.nodes.size - 1) * 2}`
          : line,
      ),
    );
    s.shutdownHooks.push(() => {
      this.stop();
      return true;
    });
  }

  async listen(): Promise<void> {
    const binds = this.server.config
      .get('bind')
      .filter((b) => !b.startsWith('-'))
      .map((b) => (b === '*' ? '0.0.0.0' : b === '::*' ? '::' : b));
    try {
      await this.bus.listen(binds.length ? binds : ['0.0.0.0'], this.busPort);
    } catch (e) {
      const err = e as NodeJS.ErrnoException & { address?: string };
      const host = err.address ?? '';
      const addr = host === '0.0.0.0' ? '*' : host === '::' ? '::*' : host;
      this.server.log.warning(listenWarning(addr, this.busPort, err));
      throw new ClusterStartError(`Failed listening on port ${this.busPort} (cluster), aborting.`);
    }
    let first = true;
    const tick = (): void => {
      // Slots are checked against the keys once the data set has loaded.
      if (first && this.server.ready) {
        first = false;
        this.verifyWithData();
      }
      const suspected = this.suspected();
      this.input(() => {
        this.core.tick();
        this.spreadSuspicions(suspected);
      });
      this.followMyMaster();
      if (this.saveRetry !== null) this.save(this.saveRetry, false);
      this.cronTimer = setTimeout(tick, 100);
    };
    this.cronTimer = setTimeout(tick, 100);
  }

  /** Ids of the nodes I flag PFAIL now. */
  private suspected(): Set<string> {
    const out = new Set<string>();
    for (const n of this.core.nodes.values()) if (n.has(NodeFlag.PFAIL)) out.add(n.id);
    return out;
  }

  /**
   * For each node the cron just flagged PFAIL: check the failure reports already gathered at once
   * (Redis checks them only when the next report arrives), and as a master ping every other
   * master now, so my report reaches them without waiting for their next scheduled ping. The
   * quorum rule is unchanged; the PFAIL -> FAIL agreement comes up to a few hundred ms sooner.
   */
  private spreadSuspicions(before: Set<string>): void {
    const core = this.core;
    const now = this.suspected();
    if ([...now].every((id) => before.has(id))) return;
    // The PFAIL count PINGs size their gossip by (taken at the start of the tick, like Redis's
    // stats_pfail_nodes) would leave out the nodes flagged during it.
    core.statsPfailNodes = now.size;
    for (const n of core.nodes.values()) {
      if (!now.has(n.id) || before.has(n.id)) continue;
      markFailingIfNeeded(core, n);
      if (!core.myself.isMaster) continue;
      for (const m of core.nodes.values()) {
        if (m === core.myself || m === n || !m.isMaster || m.link === null) continue;
        if (m.has(NodeFlag.PFAIL | NodeFlag.FAIL | NodeFlag.HANDSHAKE)) continue;
        const link = core.links.get(m.link);
        if (link) core.sendPing(link, MsgType.PING);
      }
    }
  }

  private verifyWithData(): void {
    const dbs = this.server.keyspace.dbs;
    if (this.core.myself.isMaster && dbs.some((db) => db.id !== 0 && db.size > 0)) {
      this.server.log.warning(
        "You can't have keys in a DB different than DB 0 when in Cluster mode. Exiting.",
      );
      process.exit(1);
    }
    this.input(() => verifyWithData(this.core));
  }

  /**
   * Keeps replication pointed at the master the cluster table names for myself: after CLUSTER
   * REPLICATE, a restart from nodes.conf, or a master that moved to another address.
   */
  private followMyMaster(): void {
    const me = this.core.myself;
    const s = this.server;
    if (!s.ready || !me.isReplica || !me.slaveof) return;
    const m = me.slaveof;
    if (!m.ip || !m.port) return;
    const r = s.replica;
    if (r && r.host === m.ip && r.port === m.port) return;
    setMaster(s, m.ip, m.port);
  }

  stop(): void {
    if (this.cronTimer) clearTimeout(this.cronTimer);
    this.cronTimer = null;
    if (this.electionTimer) clearTimeout(this.electionTimer);
    this.electionTimer = null;
    this.bus.closeAll();
    unlockNodesConf(this.confPath);
  }

  /** Runs an input against the core, then applies what it asked for. */
  input(fn: () => void): void {
    fn();
    this.flushEffects();
  }

  flushEffects(): void {
    for (const e of this.core.takeEffects()) this.apply(e);
    this.scheduleElectionStep();
  }

  /**
   * Election steps do not wait for the next packet or cron tick: a step that asked for another
   * (Redis runs it in the next beforeSleep) runs on the next loop turn, so does the first step
   * once my master is marked FAIL, and a scheduled election starts at its start time rather than
   * at the first cron tick after it.
   */
  private scheduleElectionStep(): void {
    const core = this.core;
    const master = core.myself.slaveof;
    if (core.myself.isReplica && master?.has(NodeFlag.FAIL) && master.failTime !== this.failSeen) {
      this.failSeen = master.failTime;
      core.todoFailover = true;
    }
    if (core.todoFailover || core.todoManualFailover) {
      this.flushSoon();
      return;
    }
    const e = core.election;
    const wait = e.authTime - Date.now();
    if (!core.myself.isReplica || e.authSent || wait <= 0) return;
    if (this.electionTimer && this.electionTimerAt === e.authTime) return;
    if (this.electionTimer) clearTimeout(this.electionTimer);
    this.electionTimerAt = e.authTime;
    this.electionTimer = setTimeout(() => {
      this.electionTimer = null;
      this.input(() => {
        core.todoFailover = true;
      });
    }, wait);
  }

  private electionTimer: NodeJS.Timeout | null = null;
  private electionTimerAt = 0;
  /** The fail time of my master that already started an election step. */
  private failSeen = 0;

  /**
   * After a command: run the deferred work (state update, save, sends) once the current batch
   * of input is processed, like Redis's clusterBeforeSleep, so a pipeline or an EXEC still sees
   * the state from before its own changes.
   */
  flushSoon(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flushEffects();
    });
  }

  private flushScheduled = false;
  /** The write pause a manual failover set on this master, while it lasts. */
  private mfPause: Server['pause'] = null;

  /** Receivers of PUBLISH / SPUBLISH messages arriving over the bus (the pub/sub layer). */
  readonly publishHooks: ((shard: boolean, channel: string, message: string) => void)[] = [];

  /** Writes nodes.conf; a failure is logged and retried from the cron (unless `strict`). */
  save(fsync: boolean, strict: boolean): string | null {
    try {
      saveNodesConf(this.core, this.confPath, fsync);
      this.saveRetry = null;
      return null;
    } catch (e) {
      const msg = (e as Error).message;
      if (!strict) {
        if (this.saveRetry === null) {
          this.server.log.warning(
            `Could not update cluster config file ${this.confPath}: ${msg}. Will retry.`,
          );
        }
        this.saveRetry = fsync || this.saveRetry === true;
      }
      return msg;
    }
  }

  private apply(e: Effect): void {
    const log = this.server.log;
    switch (e.kind) {
      case 'connect':
        this.bus.connect(e.link, e.ip, e.port);
        break;
      case 'send':
        this.bus.send(e.link, e.data);
        break;
      case 'close':
        this.bus.close(e.link);
        break;
      case 'save':
        this.save(e.fsync, false);
        break;
      case 'log':
        log[e.level](e.text);
        break;
      case 'deleteKeysInSlots': {
        const db0 = this.server.keyspace.dbs[0];
        for (const slot of e.slots) {
          for (const key of this.index.keys(slot, Infinity)) db0.remove(key);
        }
        break;
      }
      case 'becomeReplica':
        this.followMyMaster();
        break;
      case 'becomeMaster':
        if (this.server.replica) unsetMaster(this.server);
        break;
      case 'pauseWrites':
        this.mfPause = { until: e.until, writesOnly: true };
        this.server.pause = this.mfPause;
        break;
      case 'unpauseWrites':
        // Only the manual failover's own pause ends here, not a CLIENT PAUSE set since.
        if (this.server.pause && this.server.pause === this.mfPause) this.server.unpause();
        this.mfPause = null;
        break;
      case 'publish':
        for (const h of this.publishHooks) h(e.shard, e.channel, e.message);
        break;
      case 'state':
        break;
    }
  }
}

/** Starts cluster mode for every server created with `cluster-enabled yes`. */
serverInitHooks.push((s) => {
  if (!s.config.get('cluster-enabled')) return;
  const svc = new ClusterService(s);
  const fail = (e: unknown): never => {
    s.log.warning((e as Error).message);
    process.exit(1);
  };
  try {
    svc.init();
  } catch (e) {
    fail(e);
  }
  services.set(s, svc);
  svc.listen().catch(fail);
});
