/**
 * Replica migration (Redis's orphaned-master scan in clusterCron and clusterHandleSlaveMigration):
 * a replica of a well-covered master moves to a master that lost all its working replicas, so
 * the next failure of that master can still be failed over. Exactly one replica moves: the one
 * with the smallest id among the replicas of the best-covered masters.
 */
import { NodeFlag, type ClusterNode } from './node.js';
import type { ClusterCore } from './cluster.js';

/** How long a master must stay orphaned before a replica moves to it (CLUSTER_SLAVE_MIGRATION_DELAY). */
const MIGRATION_DELAY = 5000;

/** Replicas of `n` not flagged FAIL (PFAIL ones still count, as clusterCountNonFailingSlaves). */
function nonFailingReplicas(n: ClusterNode): number {
  let ok = 0;
  for (const r of n.replicas) if (!r.has(NodeFlag.FAIL)) ok++;
  return ok;
}

/** A working master that should have replicas (MIGRATE_TO) and has none left that work. */
function lostItsReplicas(n: ClusterNode): boolean {
  return (
    n.isMaster && !n.has(NodeFlag.FAIL) && n.has(NodeFlag.MIGRATE_TO) && nonFailingReplicas(n) === 0
  );
}

/**
 * The cron's part: on a replica, find orphaned masters and the best replica count among the
 * masters that are not FAIL; when my master has that best count, consider migrating.
 */
export function replicaMigrationCron(core: ClusterCore): void {
  const me = core.myself;
  if (!me.isReplica) return;
  let orphaned = 0;
  let maxOk = 0;
  let mine = 0;
  for (const n of core.nodes.values()) {
    if (n === me || n.has(NodeFlag.NOADDR | NodeFlag.HANDSHAKE)) continue;
    if (!n.isMaster || n.has(NodeFlag.FAIL)) continue;
    const ok = nonFailingReplicas(n);
    if (n.numslots > 0 && lostItsReplicas(n)) orphaned++;
    if (ok > maxOk) maxOk = ok;
    if (me.slaveof === n) mine = ok;
  }
  const s = core.env.settings();
  if (orphaned > 0 && maxOk >= 2 && mine === maxOk && s.allowReplicaMigration) {
    handleReplicaMigration(core, maxOk, s.migrationBarrier ?? 1);
  }
}

/** clusterHandleSlaveMigration: move to an orphaned master if I am the chosen replica. */
function handleReplicaMigration(core: ClusterCore, maxOk: number, barrier: number): void {
  const me = core.myself;
  const master = me.slaveof;
  if (core.state !== 'ok' || !master) return;
  // My master must keep more than `barrier` working replicas, me included.
  let working = 0;
  for (const r of master.replicas) if (!r.failing) working++;
  if (working <= barrier) return;

  const now = core.now();
  let candidate: ClusterNode = me;
  let target: ClusterNode | null = null;
  for (const n of core.nodes.values()) {
    const ok = n.isMaster ? nonFailingReplicas(n) : 0;
    if (lostItsReplicas(n)) {
      if (!target && n.numslots > 0) target = n;
      if (n.orphanedTime === 0) n.orphanedTime = now;
    } else {
      n.orphanedTime = 0;
    }
    // Every replica of a best-covered master is a possible candidate, whatever its state: all
    // replicas compute the same choice from the same table.
    if (ok === maxOk) for (const r of n.replicas) if (r.id < candidate.id) candidate = r;
  }
  if (!target || candidate !== me || now - target.orphanedTime <= MIGRATION_DELAY) return;
  core.log('warning', `Migrating to orphaned master ${target.id}`);
  core.setMyMaster(target);
  core.todo(true, true, true);
}
