/**
 * Processing of one received bus packet (Redis's clusterProcessPacket and the gossip section):
 * sender resolution and inbound-link binding, epochs, MEET handshakes, PONG liveness, roles,
 * slot claims and UPDATE, FAIL, PUBLISH and failover votes.
 */
import {
  decode,
  MsgType,
  MSG_TYPE_COUNT,
  MFLAG_FORCEACK,
  SLOT_BYTES,
  type BusMessage,
} from '../bus/codec.js';
import { ClusterNode, NodeFlag, bitCount, bitmapsEqual, validNodeId } from './node.js';
import type { ClusterCore, Link } from './cluster.js';
import {
  addFailReport,
  clearFailureIfNeeded,
  delFailReport,
  failReportCount,
  markFailingIfNeeded,
} from './failure.js';
import { onAuthAck } from './election.js';
import { onMfStart, onPausedHeader } from './manual-failover.js';

/** A complete framed packet arrived on link `linkId`. */
export function processPacket(core: ClusterCore, linkId: number, buf: Buffer): void {
  const link = core.links.get(linkId);
  if (!link) return;
  if (buf.length >= 14 && !admit(core, buf.readUInt16BE(12))) return;
  const r = decode(buf);
  if (!r.ok) {
    if (!r.silent) core.log('warning', r.reason);
    return;
  }
  handle(core, link, r.msg);
}

/** A message delivered as an object (the simulator's decodedSends): as processPacket after decoding. */
export function processMessage(core: ClusterCore, linkId: number, m: BusMessage): void {
  const link = core.links.get(linkId);
  if (!link || !admit(core, m.type)) return;
  handle(core, link, m);
}

/** Counts a received message type; false when the debug drop filter discards it. */
function admit(core: ClusterCore, type: number): boolean {
  if (type < MSG_TYPE_COUNT) core.statsReceived[type]++;
  if (type !== core.dropFilter) return true;
  core.log('warning', `Dropping packet that matches debug drop filter`);
  return false;
}

function handle(core: ClusterCore, link: Link, m: BusMessage): void {
  const now = core.now();
  const type = m.type;
  let sender: ClusterNode | undefined;
  if (link.node && !link.node.has(NodeFlag.HANDSHAKE)) sender = link.node;
  else {
    sender = core.lookup(m.sender);
    if (sender && link.inbound && !link.node) core.bindInbound(sender, link);
  }
  if (sender) sender.dataReceived = now;
  if (sender && !sender.has(NodeFlag.HANDSHAKE)) {
    if (m.currentEpoch > core.currentEpoch) core.currentEpoch = m.currentEpoch;
    if (m.configEpoch > sender.configEpoch) {
      sender.configEpoch = m.configEpoch;
      core.todo(true, false, true);
    }
    sender.replOffset = m.offset;
    sender.replOffsetTime = now;
    onPausedHeader(core, sender, m);
  }

  if (type === MsgType.PING || type === MsgType.MEET) {
    const s = core.env.settings();
    if ((type === MsgType.MEET || core.myself.ip === '') && !s.announceIp && link.localIp) {
      if (core.myself.ip !== link.localIp) {
        core.myself.ip = link.localIp;
        core.log('warning', `IP address for this node updated to ${link.localIp}`);
        core.todo(true, false);
      }
    }
    if (!sender && type === MsgType.MEET) {
      const n = new ClusterNode(core.randomId(), NodeFlag.HANDSHAKE, now);
      n.ip = m.myip || link.peerIp;
      n.port = m.port;
      n.pport = m.pport;
      n.cport = m.cport;
      core.addNode(n);
      core.todo(true, false);
      processGossip(core, link, m);
    }
    core.sendPing(link, MsgType.PONG);
  }

  if (type === MsgType.PING || type === MsgType.PONG || type === MsgType.MEET) {
    if (!link.inbound && link.node) {
      const ln = link.node;
      if (ln.has(NodeFlag.HANDSHAKE)) {
        const known = core.lookup(m.sender);
        if (known) {
          if (updateAddressIfNeeded(core, known, link, m)) core.todo(true, true);
          core.deleteNode(ln);
          return;
        }
        if (!validNodeId(m.sender)) return;
        core.renameNode(ln, m.sender);
        ln.flags &= ~NodeFlag.HANDSHAKE;
        ln.flags |= m.flags & (NodeFlag.MASTER | NodeFlag.SLAVE);
        core.log('debug', `Handshake with node ${ln.id} completed.`);
        core.todo(true, false);
      } else if (ln.id !== m.sender) {
        core.log(
          'debug',
          `PONG contains mismatching sender ID. About node ${ln.id} added ${now - ln.ctime} ms ago, having flags ${ln.flags}`,
        );
        ln.flags |= NodeFlag.NOADDR;
        ln.ip = '';
        ln.port = 0;
        ln.pport = 0;
        ln.cport = 0;
        core.freeLink(link.id);
        core.todo(true, false);
        return;
      }
    }
    if (sender) {
      sender.flags = (sender.flags & ~NodeFlag.NOFAILOVER) | (m.flags & NodeFlag.NOFAILOVER);
    }
    if (sender && type === MsgType.PING && !sender.has(NodeFlag.HANDSHAKE)) {
      if (updateAddressIfNeeded(core, sender, link, m)) core.todo(true, true);
    }
    if (!link.inbound && type === MsgType.PONG && link.node) {
      const ln = link.node;
      ln.pongReceived = now;
      ln.pingSent = 0;
      if (ln.has(NodeFlag.PFAIL)) {
        ln.flags &= ~NodeFlag.PFAIL;
        core.todo(true, true);
      } else if (ln.has(NodeFlag.FAIL)) {
        clearFailureIfNeeded(core, ln);
      }
    }
    if (sender) roleSwitch(core, sender, m);
    if (sender) slotClaims(core, sender, m);
    if (
      sender &&
      core.myself.isMaster &&
      sender.isMaster &&
      m.configEpoch === core.myself.configEpoch
    ) {
      core.handleEpochCollision(sender);
    }
    if (sender) {
      processGossip(core, link, m);
      for (const t of m.unknownExt ?? [])
        core.log('verbose', `Received unknown extension type ${t}`);
      sender.hostname = m.hostname ?? '';
    }
    return;
  }

  switch (type) {
    case MsgType.FAIL: {
      if (!sender) {
        core.log('notice', `Ignoring FAIL message from unknown node ${m.sender} about ${m.failId}`);
        return;
      }
      const failing = core.lookup(m.failId ?? '');
      if (failing && failing !== core.myself && !failing.has(NodeFlag.FAIL)) {
        core.log('notice', `FAIL message received from ${m.sender} about ${m.failId}`);
        failing.flags = (failing.flags | NodeFlag.FAIL) & ~NodeFlag.PFAIL;
        failing.failTime = now;
        core.todo(true, true);
      }
      return;
    }
    case MsgType.PUBLISH:
    case MsgType.PUBLISHSHARD:
      if (!sender) return;
      core.emit({
        kind: 'publish',
        shard: type === MsgType.PUBLISHSHARD,
        channel: m.channel ?? '',
        message: m.message ?? '',
      });
      return;
    case MsgType.AUTH_REQUEST:
      if (sender) voteIfNeeded(core, sender, m);
      return;
    case MsgType.AUTH_ACK:
      if (sender) onAuthAck(core, sender, m);
      return;
    case MsgType.MFSTART:
      if (sender) onMfStart(core, sender, link);
      return;
    case MsgType.MODULE:
      return;
    case MsgType.UPDATE: {
      if (!sender || !m.update) return;
      const n = core.lookup(m.update.id);
      if (!n || n.configEpoch >= m.update.configEpoch) return;
      if (n.isReplica) core.setNodeAsMaster(n);
      n.configEpoch = m.update.configEpoch;
      core.todo(true, false, true);
      updateSlotsConfigWith(core, n, m.update.configEpoch, m.update.slots);
      return;
    }
    default:
      core.log('verbose', `Received unknown packet type: ${type}`);
  }
}

/** nodeUpdateAddressIfNeeded: true when the address changed. */
function updateAddressIfNeeded(
  core: ClusterCore,
  n: ClusterNode,
  link: Link,
  m: BusMessage,
): boolean {
  if (n.link === link.id) return false;
  const ip = m.myip || link.peerIp;
  if (n.port === m.port && n.cport === m.cport && n.pport === m.pport && n.ip === ip) return false;
  n.ip = ip;
  n.port = m.port;
  n.pport = m.pport;
  n.cport = m.cport;
  if (n.link !== null) core.freeLink(n.link);
  n.flags &= ~NodeFlag.NOADDR;
  core.log('notice', `Address updated for node ${n.id}, now ${ip}:${n.port}`);
  return true;
}

function roleSwitch(core: ClusterCore, sender: ClusterNode, m: BusMessage): void {
  if (!m.slaveof) {
    core.setNodeAsMaster(sender);
    return;
  }
  const master = core.lookup(m.slaveof);
  if (sender.isMaster) {
    core.delNodeSlots(sender);
    sender.flags = (sender.flags & ~(NodeFlag.MASTER | NodeFlag.MIGRATE_TO)) | NodeFlag.SLAVE;
    core.todo(true, true);
  }
  if (master && sender.slaveof !== master) {
    if (sender.slaveof) sender.slaveof.removeReplica(sender);
    master.addReplica(sender);
    sender.slaveof = master;
    core.todo(true, false);
  }
}

function slotClaims(core: ClusterCore, sender: ClusterNode, m: BusMessage): void {
  const senderMaster = sender.isMaster ? sender : sender.slaveof;
  if (!senderMaster) return;
  const dirty = !bitmapsEqual(senderMaster.slots, m.myslots);
  if (!dirty) return;
  if (sender.isMaster) updateSlotsConfigWith(core, sender, m.configEpoch, m.myslots);
  // Claimed slots another node holds with a newer epoch: tell the sender (one UPDATE).
  const newer = newerClaim(core, m.myslots, sender.slots, m.configEpoch);
  if (newer) {
    core.log(
      'verbose',
      `Node ${sender.id} has old slots configuration, sending an UPDATE message about ${newer.owner.id}`,
    );
    core.sendUpdate(sender, newer.owner);
  }
}

/**
 * The first slot set in `claim` but not in `skip` whose owner has a configEpoch newer than
 * `epoch`, or null: what makes a claim stale (UPDATE) or a vote request refused.
 */
function newerClaim(
  core: ClusterCore,
  claim: Uint8Array,
  skip: Uint8Array,
  epoch: number,
): { slot: number; owner: ClusterNode } | null {
  for (let b = 0; b < SLOT_BYTES; b++) {
    const bits = claim[b] & ~skip[b];
    if (bits === 0) continue;
    for (let k = 0; k < 8; k++) {
      if ((bits & (1 << k)) === 0) continue;
      const owner = core.slots[b * 8 + k];
      if (owner !== null && owner.configEpoch > epoch) return { slot: b * 8 + k, owner };
    }
  }
  return null;
}

/** clusterUpdateSlotsConfigWith: adopt `sender`'s claim where its epoch wins. */
export function updateSlotsConfigWith(
  core: ClusterCore,
  sender: ClusterNode,
  epoch: number,
  slots: Uint8Array,
): void {
  const me = core.myself;
  const curMaster = me.isMaster ? me : me.slaveof;
  if (sender === me) {
    core.log('notice', 'Discarding UPDATE message about myself.');
    return;
  }
  let newMaster: ClusterNode | null = null;
  let migrated = 0;
  let senderSlots = 0;
  // The slots the sender takes over, and which of them were mine (their keys become dirty).
  let take: Uint8Array | null = null;
  let wasMine: Uint8Array | null = null;
  const table = core.slots;
  const held = sender.slots;
  const nc = core.notClaiming;
  const importing = core.importingFrom.size > 0 ? core.importingFrom : null;
  // A byte at a time: the sender's bitmap mirrors the table, so only claimed bits the sender
  // does not hold yet need a look at their owner, and a whole byte one node holds is decided
  // at once. This runs on every node for every slot change, cold (see assignSlots).
  for (let b = 0; b < SLOT_BYTES; b++) {
    const claim = slots[b];
    const had = held[b];
    if ((claim | had) === 0) continue;
    nc[b] = (nc[b] | (had & ~claim)) & ~(had & claim);
    if (claim === 0) continue;
    senderSlots += bitCount(claim);
    const contested = claim & ~had;
    if (contested === 0) continue;
    let bits = 0;
    let mine = 0;
    const first = table[b * 8];
    if (importing === null && first !== null && (first.slots[b] & contested) === contested) {
      // One owner for every contested bit of the byte.
      const stale = first.configEpoch < epoch;
      bits = stale ? contested : contested & nc[b];
      if (bits !== 0 && first === me) mine = bits;
      if (bits !== 0 && first === curMaster) {
        newMaster = sender;
        migrated += bitCount(bits);
      }
    } else {
      for (let k = 0; k < 8; k++) {
        const mask = 1 << k;
        if ((contested & mask) === 0) continue;
        const j = b * 8 + k;
        if (importing !== null && importing.has(j)) continue;
        const owner = table[j];
        if (owner !== null && (nc[b] & mask) === 0 && owner.configEpoch >= epoch) continue;
        if (owner === me) mine |= mask;
        if (owner !== null && owner === curMaster) {
          newMaster = sender;
          migrated++;
        }
        bits |= mask;
      }
    }
    if (bits === 0) continue;
    take ??= new Uint8Array(SLOT_BYTES);
    take[b] = bits;
    if (mine !== 0) {
      wasMine ??= new Uint8Array(SLOT_BYTES);
      wasMine[b] = mine;
    }
  }
  if (take !== null) {
    core.assignSlots(take, sender);
    core.todo(true, true, true);
  }
  if (
    newMaster &&
    curMaster &&
    curMaster.numslots === 0 &&
    (core.env.settings().allowReplicaMigration || senderSlots === migrated)
  ) {
    core.log(
      'warning',
      `Configuration change detected. Reconfiguring myself as a replica of ${sender.id}`,
    );
    core.setMyMaster(sender);
    core.todo(true, true, true);
  } else if (me.slaveof && me.slaveof.slaveof && me.slaveof.slaveof !== me) {
    const grand = me.slaveof.slaveof;
    core.log(
      'warning',
      `I'm a sub-replica! Reconfiguring myself as a replica of grandmaster ${grand.id}`,
    );
    core.setMyMaster(grand);
    core.todo(true, true, true);
  } else if (wasMine !== null) {
    const dirtySlots: number[] = [];
    for (let b = 0; b < SLOT_BYTES; b++) {
      if (wasMine[b] === 0) continue;
      for (let k = 0; k < 8; k++) {
        const j = b * 8 + k;
        if (wasMine[b] & (1 << k) && core.env.keysInSlot(j) > 0) dirtySlots.push(j);
      }
    }
    if (dirtySlots.length) core.emit({ kind: 'deleteKeysInSlots', slots: dirtySlots });
  }
}

/** clusterProcessGossipSection. */
function processGossip(core: ClusterCore, link: Link, m: BusMessage): void {
  const now = core.now();
  const sender = link.node ?? core.lookup(m.sender) ?? null;
  for (const g of m.gossip ?? []) {
    const flags = g.flags;
    const n = core.lookup(g.id);
    if (n) {
      const down = (flags & (NodeFlag.FAIL | NodeFlag.PFAIL)) !== 0;
      if (sender && sender.isMaster && n !== core.myself) {
        if (down) {
          if (addFailReport(core, n, sender)) {
            core.log('verbose', `Node ${sender.id} reported node ${n.id} as not reachable.`);
          }
          markFailingIfNeeded(core, n);
        } else if (delFailReport(core, n, sender)) {
          core.log('verbose', `Node ${sender.id} reported node ${n.id} is back online.`);
        }
      }
      if (!down && n.pingSent === 0 && failReportCount(core, n) === 0) {
        const t = g.pongReceived * 1000;
        if (t <= now + 500 && t > n.pongReceived) n.pongReceived = t;
      }
      if (
        n.failing &&
        !(flags & NodeFlag.NOADDR) &&
        !down &&
        (n.ip !== g.ip || n.port !== g.port || n.cport !== g.cport)
      ) {
        if (n.link !== null) core.freeLink(n.link);
        n.ip = g.ip;
        n.port = g.port;
        n.pport = g.pport;
        n.cport = g.cport;
        n.flags &= ~NodeFlag.NOADDR;
      }
    } else if (
      sender &&
      !(flags & NodeFlag.NOADDR) &&
      validNodeId(g.id) &&
      !core.blacklisted(g.id)
    ) {
      const created = new ClusterNode(g.id, flags & ~NodeFlag.MYSELF, now);
      created.ip = g.ip;
      created.port = g.port;
      created.pport = g.pport;
      created.cport = g.cport;
      core.addNode(created);
    }
  }
}

/** clusterSendFailoverAuthIfNeeded: a master with slots votes for a replica of a failed master. */
function voteIfNeeded(core: ClusterCore, req: ClusterNode, m: BusMessage): void {
  const me = core.myself;
  const now = core.now();
  const nt = core.nodeTimeout;
  if (me.isReplica || me.numslots === 0) return;
  const denied = (why: string): void =>
    core.log('warning', `Failover auth denied to ${req.id}: ${why}`);
  if (m.currentEpoch < core.currentEpoch) {
    denied(`reqEpoch (${m.currentEpoch}) < curEpoch(${core.currentEpoch})`);
    return;
  }
  if (core.lastVoteEpoch === core.currentEpoch) {
    denied(`already voted for epoch ${core.currentEpoch}`);
    return;
  }
  const master = req.slaveof;
  const force = (m.mflags & MFLAG_FORCEACK) !== 0;
  if (req.isMaster || !master || (!master.has(NodeFlag.FAIL) && !force)) {
    denied(
      req.isMaster
        ? 'it is a master node'
        : !master
          ? "I don't know its master"
          : 'its master is up',
    );
    return;
  }
  if (now - master.votedTime < nt * 2) {
    denied(`can't vote about this master before ${nt * 2 - (now - master.votedTime)} milliseconds`);
    return;
  }
  const newer = newerClaim(core, m.myslots, core.notClaiming, m.configEpoch);
  if (newer) {
    denied(`slot ${newer.slot} epoch (${newer.owner.configEpoch}) > reqEpoch (${m.configEpoch})`);
    return;
  }
  core.lastVoteEpoch = core.currentEpoch;
  master.votedTime = now;
  core.persistNow();
  if (req.link !== null) {
    const link = core.links.get(req.link);
    if (link) core.send(link, core.header(MsgType.AUTH_ACK));
  }
  core.log('warning', `Failover auth granted to ${req.id} for epoch ${core.currentEpoch}`);
}
