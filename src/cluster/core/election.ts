/**
 * The replica side of failover (Redis's clusterHandleSlaveFailover and friends): when my master
 * is FAIL (or a manual failover allows it) schedule an election by rank, ask the masters for
 * votes in a new epoch, count the ACKs and, with a majority, replace my master.
 */
import { MsgType, MFLAG_FORCEACK, type BusMessage } from '../bus/codec.js';
import { NodeFlag, type ClusterNode } from './node.js';
import type { ClusterCore } from './cluster.js';
import { resetManualFailover } from './manual-failover.js';

const CANT_NOLOG_PERIOD = 300_000;

const CantFailover = {
  NONE: '',
  DATA_AGE:
    "Disconnected from master for longer than allowed. Please check the 'cluster-replica-validity-factor' configuration option.",
  WAITING_DELAY: 'Waiting the delay before I can start a new failover.',
  EXPIRED: 'Failover attempt expired.',
  WAITING_VOTES: 'Waiting for votes, but majority still not reached.',
} as const;

/** failover_auth_* and the can't-failover logging state of clusterState. */
export class ElectionState {
  /** When the election may start (future) or started; 0 before any attempt. */
  authTime = 0;
  authCount = 0;
  authSent = false;
  authRank = 0;
  authEpoch = 0;
  cantReason: string = CantFailover.NONE;
  lastCantLog = 0;
  /**
   * Valkey's ordering of simultaneous elections (failed-master rank × 500 ms). Only the
   * simulator turns it off, to measure what it saves.
   */
  ordered = true;
}

/**
 * My rank among my master's replicas: those (without NOFAILOVER) with a larger offset rank
 * before me; equal offsets are ordered by node id, as Valkey does, so siblings with the same
 * data never start in the same slot of time.
 */
export function replicaRank(core: ClusterCore): number {
  const me = core.myself;
  const master = me.slaveof;
  if (!master) return 0;
  const myOffset = core.env.replOffset();
  let rank = 0;
  for (const r of master.replicas) {
    if (r === me || r.has(NodeFlag.NOFAILOVER)) continue;
    if (r.replOffset > myOffset || (r.replOffset === myOffset && r.id < me.id)) rank++;
  }
  return rank;
}

/**
 * The rank of my failed master among all failed masters that have slots and replicas, by node
 * id (Valkey's failed-primary rank). When several masters fail together, each shard's election
 * then starts in its own 500 ms window: a master grants one vote per epoch, so simultaneous
 * elections would split the votes and all have to retry after auth_retry_time. Masters that
 * failed longer ago than the data-validity window no longer take part.
 */
export function failedMasterRank(core: ClusterCore): number {
  const master = core.myself.slaveof;
  if (!master) return 0;
  const s = core.env.settings();
  const now = core.now();
  const validity = core.nodeTimeout * s.replicaValidityFactor;
  let rank = 0;
  for (const n of core.nodes.values()) {
    if (n === master || !n.isMaster || !n.has(NodeFlag.FAIL)) continue;
    if (n.numslots === 0 || n.replicas.length === 0) continue;
    if (s.replicaValidityFactor !== 0 && now - n.failTime > validity) continue;
    if (n.id < master.id) rank++;
  }
  return rank;
}

function logCantFailover(core: ClusterCore, reason: string): void {
  const e = core.election;
  const now = core.now();
  if (reason === e.cantReason && now - e.lastCantLog < CANT_NOLOG_PERIOD) return;
  e.cantReason = reason;
  // Right after the master failed the election normally succeeds: stay quiet meanwhile.
  const master = core.myself.slaveof;
  if (master && master.has(NodeFlag.FAIL) && now - master.failTime < core.nodeTimeout + 5000) {
    return;
  }
  e.lastCantLog = now;
  core.log('warning', `Currently unable to failover: ${reason}`);
}

/** FAILOVER_AUTH_REQUEST to every node; FORCEACK during a manual failover. */
function requestFailoverAuth(core: ClusterCore): void {
  core.broadcast(() => {
    const m = core.header(MsgType.AUTH_REQUEST);
    if (core.mf.end !== 0) m.mflags |= MFLAG_FORCEACK;
    return m;
  });
}

/** PONG to my master's other replicas so they learn my offset for their rank. */
function pongSiblings(core: ClusterCore): void {
  const master = core.myself.slaveof;
  if (!master) return;
  for (const r of master.replicas) {
    if (r === core.myself || r.link === null) continue;
    const link = core.links.get(r.link);
    if (link) core.sendPing(link, MsgType.PONG);
  }
}

/** clusterHandleSlaveFailover: one step of the election state machine (cron and beforeSleep). */
export function handleReplicaFailover(core: ClusterCore): void {
  const me = core.myself;
  const e = core.election;
  const s = core.env.settings();
  const now = core.now();
  const nt = core.nodeTimeout;
  const manual = core.mf.end !== 0 && core.mf.canStart;
  const authTimeout = Math.max(2 * nt, 2000);
  const authRetryTime = authTimeout * 2;
  const authAge = now - e.authTime;
  const master = me.slaveof;

  if (
    !me.isReplica ||
    !master ||
    (!master.has(NodeFlag.FAIL) && !manual) ||
    (s.replicaNoFailover && !manual) ||
    master.numslots === 0
  ) {
    e.cantReason = CantFailover.NONE;
    return;
  }

  let dataAge = core.env.masterDataAge();
  if (dataAge > nt) dataAge -= nt;
  if (
    s.replicaValidityFactor !== 0 &&
    dataAge > s.replPingPeriod * 1000 + nt * s.replicaValidityFactor &&
    !manual
  ) {
    logCantFailover(core, CantFailover.DATA_AGE);
    return;
  }

  if (authAge > authRetryTime) {
    // The fixed part is min(500, nt/30) rather than 500 ms, so short node timeouts fail over
    // quickly; the random part still spreads replicas of different masters apart.
    const fixed = Math.min(500, Math.floor(nt / 30));
    e.authTime = now + fixed + Math.floor(core.env.random() * 500);
    e.authCount = 0;
    e.authSent = false;
    e.authRank = replicaRank(core);
    e.authTime += e.authRank * 1000;
    let masterRank = e.ordered ? failedMasterRank(core) : 0;
    e.authTime += masterRank * 500;
    if (core.mf.end !== 0) {
      e.authTime = now;
      e.authRank = 0;
      masterRank = 0;
      core.todoFailover = true;
    }
    // Redis's exact line unless another failed master goes first (then Valkey's extra field).
    const ranks =
      masterRank > 0
        ? `rank #${e.authRank}, failed master rank #${masterRank}`
        : `rank #${e.authRank}`;
    core.log(
      'warning',
      `Start of election delayed for ${e.authTime - now} milliseconds (${ranks}, offset ${core.env.replOffset()}).`,
    );
    pongSiblings(core);
    return;
  }

  if (!e.authSent && core.mf.end === 0) {
    const rank = replicaRank(core);
    if (rank > e.authRank) {
      const added = (rank - e.authRank) * 1000;
      e.authTime += added;
      e.authRank = rank;
      core.log(
        'warning',
        `Replica rank updated to #${rank}, added ${added} milliseconds of delay.`,
      );
    }
  }

  if (now < e.authTime) {
    logCantFailover(core, CantFailover.WAITING_DELAY);
    return;
  }
  if (authAge > authTimeout) {
    logCantFailover(core, CantFailover.EXPIRED);
    return;
  }

  if (!e.authSent) {
    core.currentEpoch++;
    e.authEpoch = core.currentEpoch;
    core.log('warning', `Starting a failover election for epoch ${core.currentEpoch}.`);
    core.persistNow();
    requestFailoverAuth(core);
    e.authSent = true;
    core.todo(false, true);
    return;
  }

  const quorum = Math.floor(core.size / 2) + 1;
  if (e.authCount >= quorum) {
    core.log('warning', "Failover election won: I'm the new master.");
    if (me.configEpoch < e.authEpoch) {
      me.configEpoch = e.authEpoch;
      core.log('warning', `configEpoch set to ${me.configEpoch} after successful failover`);
    }
    replaceMyMaster(core);
  } else {
    logCantFailover(core, CantFailover.WAITING_VOTES);
  }
}

/** FAILOVER_AUTH_ACK: a vote counts when it comes from a slot owner for this election. */
export function onAuthAck(core: ClusterCore, sender: ClusterNode, m: BusMessage): void {
  if (sender.isMaster && sender.numslots > 0 && m.currentEpoch >= core.election.authEpoch) {
    core.election.authCount++;
    core.todoFailover = true;
  }
}

/** clusterFailoverReplaceYourMaster: take my master's role and slots and tell everybody. */
export function replaceMyMaster(core: ClusterCore): void {
  const me = core.myself;
  const old = me.slaveof;
  if (me.isMaster || !old) return;
  core.setNodeAsMaster(me);
  core.moveSlots(old, me);
  core.updateState();
  core.emit({ kind: 'save', fsync: true });
  core.broadcastPong();
  resetManualFailover(core);
}
