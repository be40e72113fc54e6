/**
 * Wires replication into the server: the stream propagator, the once-a-second cron, the
 * dispatcher gates of a master and of a replica, REPLICAOF, ROLE and the INFO replication text.
 */
import type { Server } from '../server/server.js';
import { defaultInfoSection, registerInfoSection } from '../server/info.js';
import { ReplicationReplica, type CachedMaster } from './replica.js';
import type { ReplAux } from '../persistence/rdb/file.js';

const READONLY = "READONLY You can't write against a read only replica.";
const MASTERDOWN =
  "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";
const NOREPLICAS = 'NOREPLICAS Not enough good replicas to write.';
const UNBLOCKED =
  'UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)';

export function attachReplication(s: Server): void {
  const m = s.master;
  s.propagators.push((db, cmds) => m.feed(db, cmds));
  s.clientClosedHooks.push((c) => m.dropped(c));
  let lastSecond = 0;
  s.cronHooks.push((now) => {
    if (now - lastSecond < 1000) return;
    lastSecond = now;
    m.cronSecond(now);
  });
  // Read on every write command: kept here rather than looked up in the config each time.
  let minReplicas = s.config.get('min-replicas-to-write');
  s.config.onChange('min-replicas-to-write', (n) => (minReplicas = n));
  s.gates.push((c, def) => {
    if (c.kind === 'master' || !def.write) return null;
    if (s.isReplica()) return s.config.get('replica-read-only') ? READONLY : null;
    if (minReplicas > 0 && s.config.get('min-replicas-max-lag') > 0) {
      if (m.goodReplicas(Date.now()) < minReplicas) return NOREPLICAS;
    }
    return null;
  });
  s.gates.push((c, def) => {
    const r = s.replica;
    if (
      r &&
      c.kind !== 'master' &&
      r.linkState !== 'connected' &&
      !s.config.get('replica-serve-stale-data') &&
      !def.stale
    ) {
      return MASTERDOWN;
    }
    if (c.kind === 'replica' && def.hasKeys) return "ERR Replica can't interact with the keyspace";
    return null;
  });
  registerInfoSection(s, 'replication', infoReplication);
  registerInfoSection(s, 'stats', (srv) =>
    defaultInfoSection('stats', srv).map((line) => {
      const [k] = line.split(':', 1);
      if (k === 'sync_full') return `sync_full:${m.syncFull}`;
      if (k === 'sync_partial_ok') return `sync_partial_ok:${m.syncPartialOk}`;
      if (k === 'sync_partial_err') return `sync_partial_err:${m.syncPartialErr}`;
      if (k === 'total_net_repl_input_bytes') return `${k}:${srv.stats.netReplInput}`;
      if (k === 'total_net_repl_output_bytes') return `${k}:${srv.stats.netReplOutput}`;
      return line;
    }),
  );
  s.rdb.replAux = () => replAux(s);
  // Replication state saved in the RDB lets a restarted node continue its history.
  const saved = s.rdb.lastLoad?.repl ?? null;
  const startMaster = s.config.get('replicaof');
  // CONFIG GET / REWRITE report the master REPLICAOF set, not the one in the file.
  s.config.track('replicaof', () =>
    s.replica ? { host: s.replica.host, port: s.replica.port } : null,
  );
  if (startMaster) {
    setMaster(
      s,
      startMaster.host,
      startMaster.port,
      saved && { replid: saved.replId, offset: saved.replOffset },
    );
  } else if (saved) {
    m.replid2 = saved.replId;
    m.secondReplidOffset = saved.replOffset + 1;
    m.offset = saved.replOffset;
    m.createBacklog();
  }
}

/** What snapshots record about replication (rdbPopulateSaveInfo). */
function replAux(s: Server): ReplAux | null {
  const m = s.master;
  const r = s.replica;
  if (r) {
    const off = r.linkState === 'connected' ? r.reploff : r.cached?.offset;
    if (off === undefined) return null;
    return { replId: m.replid, replOffset: off, streamDb: 0 };
  }
  if (!m.backlog) return null;
  return { replId: m.replid, replOffset: m.offset, streamDb: m.streamDb < 0 ? 0 : m.streamDb };
}

/** Becomes (or re-targets as) a replica of host:port. */
export function setMaster(
  s: Server,
  host: string,
  port: number,
  restored: CachedMaster | null = null,
): void {
  const m = s.master;
  let cached: CachedMaster | null;
  if (restored) {
    cached = restored;
    m.replid = restored.replid;
    m.offset = restored.offset;
  } else if (s.replica) {
    cached = s.replica.cached;
    s.replica.stop();
  } else {
    // A master turning into a replica offers its own history for a partial resync.
    cached = m.backlog ? { replid: m.replid, offset: m.offset } : null;
  }
  // Blocked clients cannot be served by a replica: they get an error and are closed (Redis's
  // disconnectAllBlockedClients). Clients held by a pause stay: their command runs later.
  for (const c of s.clients.values()) {
    if (!c.blocked?.unblockable) continue;
    s.failBlocked(c, UNBLOCKED, true);
    s.scheduleFlush(c);
  }
  s.replica = new ReplicationReplica(s, host, port, cached);
  s.keyspace.expireAllowed = false;
  s.log.role = 'S';
  if (!s.config.get('cluster-enabled')) {
    s.log.notice(`REPLICAOF ${host}:${port} enabled (user request from 'id=0')`);
  }
  s.replica.start();
}

/** REPLICAOF NO ONE: a replica becomes a master with a new replication id. */
export function unsetMaster(s: Server): void {
  const r = s.replica;
  if (!r) return;
  r.stop();
  s.replica = null;
  s.keyspace.expireAllowed = true;
  s.log.role = 'M';
  const m = s.master;
  if (!m.backlog) m.createBacklog();
  m.shiftReplId();
  m.dropAllReplicas();
  s.log.notice("MASTER MODE enabled (user request from 'id=0')");
}

function infoReplication(s: Server): string[] {
  const m = s.master;
  const r = s.replica;
  const now = Date.now();
  const out: string[] = [`role:${r ? 'slave' : 'master'}`];
  if (r) {
    const up = r.linkState === 'connected';
    out.push(
      `master_host:${r.host}`,
      `master_port:${r.port}`,
      `master_link_status:${up ? 'up' : 'down'}`,
      `master_last_io_seconds_ago:${r.lastIo ? Math.floor((now - r.lastIo) / 1000) : -1}`,
      `master_sync_in_progress:${r.syncInProgress ? 1 : 0}`,
      `slave_read_repl_offset:${up ? r.readReploff : (r.cached?.offset ?? 1)}`,
      `slave_repl_offset:${up ? r.reploff : (r.cached?.offset ?? 1)}`,
    );
    if (r.syncInProgress) {
      const total = r.transferTotal;
      const read = r.transferRead;
      out.push(
        `master_sync_total_bytes:${total}`,
        `master_sync_read_bytes:${read}`,
        `master_sync_left_bytes:${total > 0 ? total - read : 0}`,
        `master_sync_perc:${total > 0 ? ((read * 100) / total).toFixed(2) : '0.00'}`,
        `master_sync_last_io_seconds_ago:${Math.floor((now - r.lastIo) / 1000)}`,
      );
    }
    if (!up) {
      out.push(
        `master_link_down_since_seconds:${r.linkDownSince ? Math.floor((now - r.linkDownSince) / 1000) : -1}`,
      );
    }
    out.push(
      `slave_priority:${s.config.get('replica-priority')}`,
      `slave_read_only:${s.config.get('replica-read-only') ? 1 : 0}`,
      `replica_announced:${s.config.get('replica-announced') ? 1 : 0}`,
    );
  }
  out.push(`connected_slaves:${m.replicas.length}`);
  if (s.config.get('min-replicas-to-write') > 0 && s.config.get('min-replicas-max-lag') > 0) {
    out.push(`min_slaves_good_slaves:${m.goodReplicas(now)}`);
  }
  m.replicas.forEach((l, i) => {
    const ip = l.ipAddress ?? l.client.socket?.remoteAddress?.replace(/^::ffff:/, '') ?? '';
    const lag = l.state === 'online' ? Math.floor((now - l.ackTime) / 1000) : 0;
    out.push(
      `slave${i}:ip=${ip},port=${l.listeningPort},state=${l.state},offset=${l.ackOffset},lag=${lag}`,
    );
  });
  const b = m.backlog;
  out.push(
    'master_failover_state:no-failover',
    `master_replid:${m.replid}`,
    `master_replid2:${m.replid2}`,
    `master_repl_offset:${m.offset}`,
    `second_repl_offset:${m.secondReplidOffset}`,
    `repl_backlog_active:${b ? 1 : 0}`,
    `repl_backlog_size:${s.config.get('repl-backlog-size')}`,
    `repl_backlog_first_byte_offset:${b ? b.firstByteOffset : 0}`,
    `repl_backlog_histlen:${b ? b.histlen : 0}`,
  );
  return out;
}
