/**
 * Failure reports and the PFAIL -> FAIL -> cleared transitions of a node (Redis's
 * clusterNodeAddFailureReport, markNodeAsFailingIfNeeded, clearNodeFailureIfNeeded).
 */
import { NodeFlag, type ClusterNode } from './node.js';
import type { ClusterCore } from './cluster.js';

const FAIL_REPORT_VALIDITY_MULT = 2;
const FAIL_UNDO_TIME_MULT = 2;

function cleanupFailReports(core: ClusterCore, n: ClusterNode): void {
  if (n.failReports.size === 0) return;
  const maxAge = core.nodeTimeout * FAIL_REPORT_VALIDITY_MULT;
  const now = core.now();
  for (const [id, t] of n.failReports) if (now - t > maxAge) n.failReports.delete(id);
}

export function failReportCount(core: ClusterCore, n: ClusterNode): number {
  cleanupFailReports(core, n);
  return n.failReports.size;
}

/** Returns true when the report is new (not a refresh). */
export function addFailReport(core: ClusterCore, n: ClusterNode, sender: ClusterNode): boolean {
  const isNew = !n.failReports.has(sender.id);
  n.failReports.set(sender.id, core.now());
  return isNew;
}

export function delFailReport(core: ClusterCore, n: ClusterNode, sender: ClusterNode): boolean {
  cleanupFailReports(core, n);
  return n.failReports.delete(sender.id);
}

/**
 * PFAIL -> FAIL once reports plus myself (if master) reach the quorum of slot-owning masters.
 * As in 7.0, reports come from any master, with or without slots.
 */
export function markFailingIfNeeded(core: ClusterCore, n: ClusterNode): void {
  const quorum = Math.floor(core.size / 2) + 1;
  if (!n.has(NodeFlag.PFAIL) || n.has(NodeFlag.FAIL)) return;
  let failures = failReportCount(core, n);
  if (core.myself.isMaster) failures++;
  if (failures < quorum) return;
  core.log('notice', `Marking node ${n.id} as failing (quorum reached).`);
  n.flags = (n.flags & ~NodeFlag.PFAIL) | NodeFlag.FAIL;
  n.failTime = core.now();
  core.broadcastFail(n);
  core.todo(true, true);
}

/** A PONG from a FAIL node: clear FAIL when nobody else can be serving for it. */
export function clearFailureIfNeeded(core: ClusterCore, n: ClusterNode): void {
  const now = core.now();
  if (n.isReplica || n.numslots === 0) {
    core.log(
      'notice',
      `Clear FAIL state for node ${n.id}: ${n.isReplica ? 'replica' : 'master without slots'} is reachable again.`,
    );
    n.flags &= ~NodeFlag.FAIL;
    core.todo(true, true);
  }
  if (n.isMaster && n.numslots > 0 && now - n.failTime > core.nodeTimeout * FAIL_UNDO_TIME_MULT) {
    core.log(
      'notice',
      `Clear FAIL state for node ${n.id}: is reachable again and nobody is serving its slots after some time.`,
    );
    n.flags &= ~NodeFlag.FAIL;
    core.todo(true, true);
  }
}
