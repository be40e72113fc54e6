/**
 * Manual failover (CLUSTER FAILOVER [FORCE|TAKEOVER]): the replica asks its master to pause
 * writes (MFSTART), waits until it has processed the master's whole stream, then runs an
 * election with FORCEACK and no delay. FORCE skips the handshake, TAKEOVER skips the votes.
 */
import { MsgType, MFLAG_PAUSED, type BusMessage } from '../bus/codec.js';
import { NodeFlag, type ClusterNode } from './node.js';
import type { ClusterCore, Link } from './cluster.js';
import { replaceMyMaster } from './election.js';

const MF_TIMEOUT = 5000;
const MF_PAUSE_MULT = 2;

/** mf_* fields of clusterState. */
export class ManualFailoverState {
  /** Deadline of the manual failover in progress, 0 when none. */
  end = 0;
  /** On the master: the replica it paused for. */
  replica: ClusterNode | null = null;
  /** On the replica: the paused master's offset, -1 until received. */
  masterOffset = -1;
  canStart = false;
}

export function resetManualFailover(core: ClusterCore): void {
  const mf = core.mf;
  // A master that paused writes for a replica resumes them.
  if (mf.replica) core.emit({ kind: 'unpauseWrites' });
  mf.end = 0;
  mf.replica = null;
  mf.masterOffset = -1;
  mf.canStart = false;
}

export function manualFailoverCheckTimeout(core: ClusterCore): void {
  if (core.mf.end !== 0 && core.mf.end < core.now()) {
    core.log('warning', 'Manual failover timed out.');
    resetManualFailover(core);
  }
}

/** clusterHandleManualFailover: the replica may start once it caught up with the paused master. */
export function handleManualFailover(core: ClusterCore): void {
  const mf = core.mf;
  if (mf.end === 0 || mf.canStart || mf.masterOffset === -1) return;
  if (mf.masterOffset === core.env.replOffset()) {
    mf.canStart = true;
    core.log('warning', 'All master replication stream processed, manual failover can start.');
    core.todoFailover = true;
  }
}

/** The master side: MFSTART from one of my replicas. */
export function onMfStart(core: ClusterCore, sender: ClusterNode, link: Link): void {
  const now = core.now();
  if (sender.slaveof !== core.myself) return;
  resetManualFailover(core);
  core.mf.end = now + MF_TIMEOUT;
  core.mf.replica = sender;
  core.emit({ kind: 'pauseWrites', until: now + MF_TIMEOUT * MF_PAUSE_MULT });
  core.log('warning', `Manual failover requested by replica ${sender.id}.`);
  // The PING carries PAUSED and the offset the replica has to reach.
  core.sendPing(link, MsgType.PING);
}

/** The replica side: a message from my paused master tells the offset to reach. */
export function onPausedHeader(core: ClusterCore, sender: ClusterNode, m: BusMessage): void {
  const me = core.myself;
  if (!me.isReplica || me.slaveof !== sender || !(m.mflags & MFLAG_PAUSED)) return;
  if (core.mf.end === 0 || core.mf.masterOffset !== -1) return;
  core.mf.masterOffset = m.offset;
  core.log('warning', `Received replication offset for paused master manual failover: ${m.offset}`);
  core.todoManualFailover = true;
}

/** CLUSTER FAILOVER [FORCE|TAKEOVER] on this node; returns an error message or null. */
export function manualFailoverCommand(
  core: ClusterCore,
  mode: 'default' | 'force' | 'takeover',
): string | null {
  const me = core.myself;
  const master = me.slaveof;
  if (me.isMaster) return 'You should send CLUSTER FAILOVER to a replica';
  if (!master) return "I'm a replica but my master is unknown to me";
  if (mode === 'default' && (master.failing || master.link === null)) {
    return 'Master is down or failed, please use CLUSTER FAILOVER FORCE';
  }
  resetManualFailover(core);
  core.mf.end = core.now() + MF_TIMEOUT;
  if (mode === 'takeover') {
    core.log('warning', 'Taking over the master (user request).');
    core.bumpEpochWithoutConsensus();
    replaceMyMaster(core);
  } else if (mode === 'force') {
    core.log('warning', 'Forced failover user request accepted.');
    core.mf.canStart = true;
  } else {
    core.log('warning', 'Manual failover user request accepted.');
    const link = core.links.get(master.link!);
    if (link) core.send(link, core.header(MsgType.MFSTART));
  }
  return null;
}

/** Whether headers carry PAUSED: I am a master holding writes for a manual failover. */
export function pausedFlag(core: ClusterCore): number {
  return core.myself.has(NodeFlag.MASTER) && core.mf.end !== 0 ? MFLAG_PAUSED : 0;
}
