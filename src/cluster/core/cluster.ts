/**
 * The cluster state machine of one node (Redis's clusterState plus the logic around it), free of
 * I/O: the host feeds it link events, packets, commands and ticks; it answers with effects.
 * Packet processing lives in process.ts, admin commands in admin.ts; this file holds the state,
 * links, sending, failure detection, the cron and the ok/fail state computation.
 */
import {
  encode,
  MsgType,
  SLOT_BYTES,
  MSG_TYPE_COUNT,
  type BusMessage,
  type Gossip,
} from '../bus/codec.js';
import { ClusterNode, NodeFlag, bitCount, setBit, clearBit, testBit } from './node.js';
import type { CoreEnv, Effect, LogLevel } from './types.js';
import { ElectionState, handleReplicaFailover } from './election.js';
import { replicaMigrationCron } from './replica-migration.js';
import {
  ManualFailoverState,
  handleManualFailover,
  manualFailoverCheckTimeout,
  pausedFlag,
  resetManualFailover,
} from './manual-failover.js';

export const SLOTS = 16384;
const NO_BYTES = Buffer.alloc(0);
const WRITABLE_DELAY = 2000;
const BLACKLIST_TTL = 60;

export interface Link {
  id: number;
  node: ClusterNode | null;
  inbound: boolean;
  ctime: number;
  connected: boolean;
  /** Peer address of the socket (for inbound links; outbound: the node's ip). */
  peerIp: string;
  /** Our local address on this socket, '' until known. */
  localIp: string;
}

export class ClusterCore {
  myself: ClusterNode;
  readonly nodes = new Map<string, ClusterNode>();
  currentEpoch = 0;
  lastVoteEpoch = 0;
  state: 'ok' | 'fail' = 'fail';
  /** Masters with at least one slot, as of the last state update. */
  size = 1;
  readonly slots: (ClusterNode | null)[] = new Array<ClusterNode | null>(SLOTS).fill(null);
  /** Slot -> node it is being migrated to / imported from (CLUSTER SETSLOT). */
  readonly migratingTo = new Map<number, ClusterNode>();
  readonly importingFrom = new Map<number, ClusterNode>();
  /** Slots whose owner stopped claiming them (kept for redirects, not advertised). */
  readonly notClaiming = new Uint8Array(SLOT_BYTES);
  /** Forgotten node id -> expiry (unix seconds). */
  readonly blacklist = new Map<string, number>();
  readonly links = new Map<number, Link>();
  readonly statsSent = new Array<number>(MSG_TYPE_COUNT).fill(0);
  readonly statsReceived = new Array<number>(MSG_TYPE_COUNT).fill(0);
  statsPfailNodes = 0;
  /** DEBUG DROP-CLUSTER-PACKET-FILTER: drop received packets of this type (-1: none). */
  dropFilter = -1;
  private nextLinkId = 1;
  private cronIteration = 0;
  private firstStateCall = 0;
  private amongMinorityTime = 0;
  private effects: Effect[] = [];
  /** Bumped by every slot assignment change: decoded sends reuse one bitmap snapshot. */
  private slotsVersion = 0;
  private slotsSnapshot: { node: ClusterNode; version: number; bytes: Uint8Array } | null = null;
  /** The node table as an array for random picks, rebuilt when the table changes. */
  private nodeArray: ClusterNode[] | null = null;
  private todoSave = false;
  private todoFsync = false;
  private todoUpdateState = false;
  /** Replica election and manual failover state (election.ts, manual-failover.ts). */
  readonly election = new ElectionState();
  readonly mf = new ManualFailoverState();
  todoFailover = false;
  todoManualFailover = false;
  /**
   * Hand messages to the host as objects instead of encoded bytes. Only the simulator's large
   * runs use it (the codec is exercised by every other run); a real server never does.
   */
  decodedSends = false;

  constructor(
    readonly env: CoreEnv,
    myselfId?: string,
  ) {
    this.myself = new ClusterNode(
      myselfId ?? this.randomId(),
      NodeFlag.MYSELF | NodeFlag.MASTER,
      env.now(),
    );
    this.nodes.set(this.myself.id, this.myself);
    this.syncMyself();
  }

  /** Myself's announced address follows the settings (ports, announce-ip, hostname). */
  syncMyself(): void {
    const s = this.env.settings();
    const me = this.myself;
    me.port = s.port;
    me.pport = s.pport;
    me.cport = s.cport;
    me.hostname = s.announceHostname;
    if (s.announceIp) me.ip = s.announceIp;
    const noFailover = s.replicaNoFailover ? NodeFlag.NOFAILOVER : 0;
    if ((me.flags & NodeFlag.NOFAILOVER) !== noFailover) {
      me.flags = (me.flags & ~NodeFlag.NOFAILOVER) | noFailover;
      this.todo(true, true);
    }
  }

  // --- helpers ---------------------------------------------------------------------------------

  now(): number {
    return this.env.now();
  }

  get nodeTimeout(): number {
    return this.env.settings().nodeTimeout;
  }

  randomId(): string {
    let s = '';
    for (let i = 0; i < 40; i++) s += '0123456789abcdef'[Math.floor(this.env.random() * 16)];
    return s;
  }

  log(level: LogLevel, text: string): void {
    this.effects.push({ kind: 'log', level, text });
  }

  emit(e: Effect): void {
    this.effects.push(e);
  }

  todo(save: boolean, updateState: boolean, fsync = false): void {
    if (save) this.todoSave = true;
    if (fsync) this.todoFsync = true;
    if (updateState) this.todoUpdateState = true;
  }

  /**
   * nodes.conf, fsynced, before anything emitted after this call leaves: a vote or a new epoch
   * is on disk before any peer hears of it (Redis saves in beforeSleep, before its event loop
   * writes the queued messages). The save runs when the effects are applied, so it holds the
   * state as the whole input left it, and the deferred save is no longer needed.
   */
  persistNow(): void {
    this.emit({ kind: 'save', fsync: true });
    this.todoSave = false;
    this.todoFsync = false;
  }

  /** clusterBeforeSleep: deferred state update and save; then hands over every pending effect. */
  takeEffects(): Effect[] {
    if (this.todoManualFailover) {
      this.todoManualFailover = false;
      if (this.myself.isReplica) handleManualFailover(this);
    }
    if (this.todoFailover) {
      this.todoFailover = false;
      if (this.myself.isReplica) handleReplicaFailover(this);
    }
    if (this.todoUpdateState) {
      this.todoUpdateState = false;
      this.updateState();
    }
    if (this.todoSave) {
      this.emit({ kind: 'save', fsync: this.todoFsync });
      this.todoSave = false;
      this.todoFsync = false;
    }
    const out = this.effects;
    this.effects = [];
    return out;
  }

  lookup(id: string): ClusterNode | undefined {
    return this.nodes.get(id);
  }

  /** The master whose slots this node serves: myself, or my master when I am a replica. */
  get curMaster(): ClusterNode | null {
    return this.myself.isReplica ? this.myself.slaveof : this.myself;
  }

  // --- node table ------------------------------------------------------------------------------

  /** The nodes as an array (do not keep it: it is replaced when the table changes). */
  nodeList(): ClusterNode[] {
    if (!this.nodeArray || this.nodeArray.length !== this.nodes.size) {
      this.nodeArray = [...this.nodes.values()];
    }
    return this.nodeArray;
  }

  addNode(n: ClusterNode): void {
    this.nodeArray = null;
    this.nodes.set(n.id, n);
  }

  /** clusterDelNode: unassigns its slots, drops its reports and links, removes it. */
  deleteNode(n: ClusterNode): void {
    for (const [slot, other] of this.importingFrom)
      if (other === n) this.importingFrom.delete(slot);
    for (const [slot, other] of this.migratingTo) if (other === n) this.migratingTo.delete(slot);
    if (n.numslots > 0) this.delNodeSlots(n);
    for (const other of this.nodes.values()) {
      other.failReports.delete(n.id);
      if (other.slaveof === n) other.slaveof = null;
    }
    if (n.slaveof) n.slaveof.removeReplica(n);
    this.freeNodeLinks(n);
    this.nodeArray = null;
    this.nodes.delete(n.id);
  }

  renameNode(n: ClusterNode, id: string): void {
    this.nodeArray = null;
    this.nodes.delete(n.id);
    n.id = id;
    this.nodes.set(id, n);
  }

  freeNodeLinks(n: ClusterNode): void {
    if (n.link !== null) this.freeLink(n.link);
    if (n.inboundLink !== null) this.freeLink(n.inboundLink);
  }

  blacklistAdd(id: string): void {
    this.blacklistCleanup();
    this.blacklist.set(id, Math.floor(this.now() / 1000) + BLACKLIST_TTL);
  }

  blacklisted(id: string): boolean {
    this.blacklistCleanup();
    return this.blacklist.has(id);
  }

  private blacklistCleanup(): void {
    const nowS = Math.floor(this.now() / 1000);
    for (const [id, exp] of this.blacklist) if (exp < nowS) this.blacklist.delete(id);
  }

  // --- slots -----------------------------------------------------------------------------------

  addSlot(n: ClusterNode, slot: number): boolean {
    if (this.slots[slot]) return false;
    this.slotsVersion++;
    if (!testBit(n.slots, slot)) {
      setBit(n.slots, slot);
      n.numslots++;
      // A master getting its first slot becomes a migration target when some master has
      // replicas (clusterNodeSetSlotBit).
      if (n.numslots === 1 && n.isMaster && this.mastersHaveReplicas())
        n.flags |= NodeFlag.MIGRATE_TO;
    }
    this.slots[slot] = n;
    clearBit(this.notClaiming, slot);
    return true;
  }

  delSlot(slot: number): boolean {
    const n = this.slots[slot];
    if (!n) return false;
    this.slotsVersion++;
    if (testBit(n.slots, slot)) {
      clearBit(n.slots, slot);
      n.numslots--;
    }
    this.slots[slot] = null;
    clearBit(this.notClaiming, slot);
    return true;
  }

  /**
   * Every slot set in the bitmap `bits` becomes `to`'s (unassigned when null), as delSlot +
   * addSlot on each would leave it. Slot changes arrive as ranges (a failover moves thousands at
   * once, and every node applies them on the same packet), on a path that runs too rarely for
   * V8 to optimize: whole bytes held by one node move with native fills, the rest a bit at a
   * time. Relies on each node's bitmap mirroring the slot table, which every change keeps.
   */
  assignSlots(bits: Uint8Array, to: ClusterNode | null): void {
    const table = this.slots;
    const hadSlots = to !== null && to.numslots > 0;
    let b = 0;
    while (b < SLOT_BYTES) {
      const v = bits[b];
      if (v === 0) {
        b++;
        continue;
      }
      const owner = table[b * 8];
      if (v === 0xff && owner !== null && owner.slots[b] === 0xff) {
        const held = owner.slots;
        let e = b + 1;
        while (e < SLOT_BYTES && bits[e] === 0xff && held[e] === 0xff) e++;
        if (owner !== to) {
          held.fill(0, b, e);
          owner.numslots -= 8 * (e - b);
          if (to !== null) {
            to.slots.fill(0xff, b, e);
            to.numslots += 8 * (e - b);
          }
          table.fill(to, b * 8, e * 8);
        }
        this.notClaiming.fill(0, b, e);
        b = e;
        continue;
      }
      this.assignByte(b, v, to);
      b++;
    }
    // A master getting its first slots becomes a migration target when some master has
    // replicas (clusterNodeSetSlotBit).
    if (to !== null && !hadSlots && to.numslots > 0 && to.isMaster && this.mastersHaveReplicas()) {
      to.flags |= NodeFlag.MIGRATE_TO;
    }
    this.slotsVersion++;
  }

  /** assignSlots for the bits `bits` of bitmap byte `b`. */
  private assignByte(b: number, bits: number, to: ClusterNode | null): void {
    const table = this.slots;
    for (let k = 0; k < 8; k++) {
      const mask = 1 << k;
      if ((bits & mask) === 0) continue;
      const owner = table[b * 8 + k];
      if (owner !== null && owner !== to && (owner.slots[b] & mask) !== 0) {
        owner.slots[b] &= ~mask;
        owner.numslots--;
      }
      table[b * 8 + k] = to;
    }
    if (to !== null) {
      to.numslots += bitCount(bits & ~to.slots[b]);
      to.slots[b] |= bits;
    }
    this.notClaiming[b] &= ~bits;
  }

  /** Every slot `from` owns becomes `to`'s (a failover's takeover). */
  moveSlots(from: ClusterNode, to: ClusterNode): void {
    this.assignSlots(from.slots.slice(), to);
  }

  /** Unassigns every slot of `n`; returns how many it had. */
  delNodeSlots(n: ClusterNode): number {
    const had = n.numslots;
    this.assignSlots(n.slots.slice(), null);
    return had;
  }

  private mastersHaveReplicas(): boolean {
    for (const n of this.nodes.values()) if (n.isMaster && n.replicas.length > 0) return true;
    return false;
  }

  // --- roles -----------------------------------------------------------------------------------

  setNodeAsMaster(n: ClusterNode): void {
    if (n.isMaster) return;
    if (n.slaveof) {
      n.slaveof.removeReplica(n);
      if (n !== this.myself) n.flags |= NodeFlag.MIGRATE_TO;
    }
    n.flags = (n.flags & ~NodeFlag.SLAVE) | NodeFlag.MASTER;
    n.slaveof = null;
    if (n === this.myself) this.emit({ kind: 'becomeMaster' });
    this.todo(true, true);
  }

  /** clusterSetMaster: myself becomes a replica of `n` (requires no slots of my own). */
  setMyMaster(n: ClusterNode): void {
    const me = this.myself;
    if (me.isMaster) {
      me.flags = (me.flags & ~(NodeFlag.MASTER | NodeFlag.MIGRATE_TO)) | NodeFlag.SLAVE;
      this.migratingTo.clear();
      this.importingFrom.clear();
    } else if (me.slaveof) {
      me.slaveof.removeReplica(me);
    }
    me.slaveof = n;
    n.addReplica(me);
    resetManualFailover(this);
    // A new master means a new failover history: if it fails, elect at once rather than wait
    // out the retry time of an election this node lost (or never needed) for the old one.
    this.election.authTime = 0;
    this.emit({ kind: 'becomeReplica', master: n.id });
  }

  // --- epochs ----------------------------------------------------------------------------------

  maxEpoch(): number {
    let max = 0;
    for (const n of this.nodes.values()) if (n.configEpoch > max) max = n.configEpoch;
    return Math.max(max, this.currentEpoch);
  }

  /** Bump without consensus; true when the epoch changed. */
  bumpEpochWithoutConsensus(): boolean {
    const max = this.maxEpoch();
    if (this.myself.configEpoch === 0 || this.myself.configEpoch !== max) {
      this.currentEpoch++;
      this.myself.configEpoch = this.currentEpoch;
      this.todo(true, false, true);
      this.log('warning', `New configEpoch set to ${this.myself.configEpoch}`);
      return true;
    }
    return false;
  }

  handleEpochCollision(sender: ClusterNode): void {
    const me = this.myself;
    if (sender.configEpoch !== me.configEpoch || !sender.isMaster || !me.isMaster) return;
    if (sender.id <= me.id) return;
    this.currentEpoch++;
    me.configEpoch = this.currentEpoch;
    this.emit({ kind: 'save', fsync: true });
    this.log(
      'verbose',
      `WARNING: configEpoch collision with node ${sender.id}. configEpoch set to ${me.configEpoch}`,
    );
  }

  // --- links -----------------------------------------------------------------------------------

  /** The host accepted a connection on the bus port; returns the new link's id. */
  acceptInbound(peerIp: string, localIp: string): number {
    const link: Link = {
      id: this.nextLinkId++,
      node: null,
      inbound: true,
      ctime: this.now(),
      connected: true,
      peerIp,
      localIp,
    };
    this.links.set(link.id, link);
    return link.id;
  }

  private createOutbound(n: ClusterNode): Link {
    const link: Link = {
      id: this.nextLinkId++,
      node: n,
      inbound: false,
      ctime: this.now(),
      connected: false,
      peerIp: n.ip,
      localIp: '',
    };
    this.links.set(link.id, link);
    n.link = link.id;
    this.emit({ kind: 'connect', link: link.id, ip: n.ip, port: n.cport });
    return link;
  }

  /** The outbound connection is up: MEET or PING first, keeping a ping already in flight. */
  linkConnected(id: number, localIp: string): void {
    const link = this.links.get(id);
    if (!link || !link.node) return;
    link.connected = true;
    link.localIp = localIp;
    const n = link.node;
    const oldPingSent = n.pingSent;
    this.sendPing(link, n.has(NodeFlag.MEET) ? MsgType.MEET : MsgType.PING);
    if (oldPingSent) n.pingSent = oldPingSent;
    n.flags &= ~NodeFlag.MEET;
  }

  /** The connect failed, or an established link hit EOF / an error. */
  linkClosed(id: number, reason = ''): void {
    const link = this.links.get(id);
    if (!link) return;
    if (!link.connected && link.node) {
      this.log(
        'verbose',
        `Connection with Node ${link.node.id} at ${link.node.ip}:${link.node.cport} failed: ${reason}`,
      );
      // Failure detection needs a ping in flight, and a refused connect sends none: count one
      // from the attempt, as Redis does when connect() fails at once. Node reports every refusal
      // asynchronously, so without this a killed peer would wait for the half-timeout ping
      // (up to nt/2 more) before its node timeout even starts.
      if (link.node.pingSent === 0) link.node.pingSent = link.ctime;
    }
    this.detachLink(link);
  }

  freeLink(id: number): void {
    const link = this.links.get(id);
    if (!link) return;
    this.emit({ kind: 'close', link: id });
    this.detachLink(link);
  }

  private detachLink(link: Link): void {
    this.links.delete(link.id);
    const n = link.node;
    if (!n) return;
    if (n.link === link.id) n.link = null;
    if (n.inboundLink === link.id) n.inboundLink = null;
  }

  bindInbound(n: ClusterNode, link: Link): void {
    if (n.inboundLink === link.id) return;
    if (n.inboundLink !== null) this.freeLink(n.inboundLink);
    n.inboundLink = link.id;
    link.node = n;
  }

  // --- sending ---------------------------------------------------------------------------------

  send(link: Link, m: BusMessage): void {
    if (m.type < MSG_TYPE_COUNT) this.statsSent[m.type]++;
    if (this.decodedSends) {
      this.emit({
        kind: 'send',
        link: link.id,
        data: NO_BYTES,
        msg: { ...m, myslots: this.frozenSlots(m.myslots) },
      });
      return;
    }
    this.emit({ kind: 'send', link: link.id, data: encode(m) });
  }

  /**
   * A header refers to the live bitmap of myself or my master: a decoded send carries a copy,
   * as the bytes would, shared by all sends until the slots change.
   */
  private frozenSlots(live: Uint8Array): Uint8Array {
    const master = this.curMaster ?? this.myself;
    const snap = this.slotsSnapshot;
    if (master.slots !== live) return new Uint8Array(live);
    if (snap && snap.node === master && snap.version === this.slotsVersion) return snap.bytes;
    this.slotsSnapshot = { node: master, version: this.slotsVersion, bytes: new Uint8Array(live) };
    return this.slotsSnapshot.bytes;
  }

  header(type: number): BusMessage {
    const me = this.myself;
    const s = this.env.settings();
    const master = me.isReplica && me.slaveof ? me.slaveof : me;
    return {
      type,
      port: s.port,
      currentEpoch: this.currentEpoch,
      configEpoch: master.configEpoch,
      offset: this.env.replOffset(),
      sender: me.id,
      myslots: master.slots,
      slaveof: me.isReplica && me.slaveof ? me.slaveof.id : '',
      myip: s.announceIp,
      pport: s.pport,
      cport: s.cport,
      flags: me.flags,
      state: this.state === 'ok' ? 0 : 1,
      mflags: pausedFlag(this),
    };
  }

  private gossipEntry(n: ClusterNode): Gossip {
    return {
      id: n.id,
      pingSent: Math.floor(n.pingSent / 1000),
      pongReceived: Math.floor(n.pongReceived / 1000),
      ip: n.ip,
      port: n.port,
      cport: n.cport,
      flags: n.flags,
      pport: n.pport,
    };
  }

  /** clusterSendPing: PING, PONG or MEET with random gossip plus every PFAIL node. */
  sendPing(link: Link, type: number): void {
    const all = this.nodeList();
    let freshnodes = all.length - 2;
    let wanted = Math.max(3, Math.floor(all.length / 10));
    wanted = Math.min(wanted, freshnodes);
    let pfailWanted = this.statsPfailNodes;
    if (link.node && type === MsgType.PING) link.node.pingSent = this.now();
    const chosen = new Set<ClusterNode>();
    const gossip: Gossip[] = [];
    let iterations = wanted * 3;
    while (freshnodes > 0 && gossip.length < wanted && iterations-- > 0) {
      const n = all[Math.floor(this.env.random() * all.length)];
      if (n === this.myself) continue;
      if (n.has(NodeFlag.PFAIL)) continue;
      if (n.has(NodeFlag.HANDSHAKE | NodeFlag.NOADDR) || (n.link === null && n.numslots === 0)) {
        freshnodes--;
        continue;
      }
      if (chosen.has(n)) continue;
      chosen.add(n);
      gossip.push(this.gossipEntry(n));
      freshnodes--;
    }
    if (pfailWanted > 0) {
      for (const n of all) {
        if (n.has(NodeFlag.HANDSHAKE | NodeFlag.NOADDR) || !n.has(NodeFlag.PFAIL)) continue;
        gossip.push(this.gossipEntry(n));
        if (--pfailWanted === 0) break;
      }
    }
    const m = this.header(type);
    m.gossip = gossip;
    m.hostname = this.env.settings().announceHostname;
    this.send(link, m);
  }

  /** Sends to every known node except myself and HANDSHAKE nodes, on their outbound link. */
  broadcast(make: () => BusMessage): void {
    for (const n of this.nodes.values()) {
      if (n === this.myself || n.has(NodeFlag.HANDSHAKE) || n.link === null) continue;
      const link = this.links.get(n.link);
      if (link) this.send(link, make());
    }
  }

  broadcastPong(): void {
    for (const n of this.nodes.values()) {
      if (n === this.myself || n.has(NodeFlag.HANDSHAKE) || n.link === null) continue;
      const link = this.links.get(n.link);
      if (link) this.sendPing(link, MsgType.PONG);
    }
  }

  broadcastFail(n: ClusterNode): void {
    this.broadcast(() => {
      const m = this.header(MsgType.FAIL);
      m.failId = n.id;
      return m;
    });
  }

  /** Tells `target` the current slots and epoch of `owner`. */
  sendUpdate(target: ClusterNode, owner: ClusterNode): void {
    if (target.link === null) return;
    const link = this.links.get(target.link);
    if (!link) return;
    const slots = new Uint8Array(owner.slots);
    for (let i = 0; i < SLOT_BYTES; i++) slots[i] &= ~this.notClaiming[i];
    const m = this.header(MsgType.UPDATE);
    m.update = { configEpoch: owner.configEpoch, id: owner.id, slots };
    this.send(link, m);
  }

  /** PUBLISH / SPUBLISH propagation over the bus. */
  publish(channel: string, message: string, shard: boolean): void {
    const make = (): BusMessage => {
      const m = this.header(shard ? MsgType.PUBLISHSHARD : MsgType.PUBLISH);
      m.channel = channel;
      m.message = message;
      return m;
    };
    if (!shard) {
      this.broadcast(make);
      return;
    }
    const master = this.curMaster ?? this.myself;
    for (const n of [master, ...master.replicas]) {
      if (n === this.myself || n.has(NodeFlag.HANDSHAKE) || n.link === null) continue;
      const link = this.links.get(n.link);
      if (link) this.send(link, make());
    }
  }

  // --- cron ------------------------------------------------------------------------------------

  /** clusterCron, every 100 ms. */
  tick(): void {
    const now = this.now();
    const nt = this.nodeTimeout;
    const handshakeTimeout = Math.max(nt, 1000);
    this.cronIteration++;
    this.nodeArray = null;
    this.syncMyself();
    this.statsPfailNodes = 0;
    for (const n of this.nodeList()) {
      if (n === this.myself || n.has(NodeFlag.NOADDR)) continue;
      if (n.has(NodeFlag.PFAIL)) this.statsPfailNodes++;
      if (n.has(NodeFlag.HANDSHAKE) && now - n.ctime > handshakeTimeout) {
        this.deleteNode(n);
        continue;
      }
      if (n.link === null) this.createOutbound(n);
    }
    if (this.cronIteration % 10 === 0) {
      const all = this.nodeList();
      let minPong: ClusterNode | null = null;
      for (let j = 0; j < 5; j++) {
        const n = all[Math.floor(this.env.random() * all.length)];
        if (n.link === null || n.pingSent !== 0) continue;
        if (n.has(NodeFlag.MYSELF | NodeFlag.HANDSHAKE)) continue;
        if (!minPong || minPong.pongReceived > n.pongReceived) minPong = n;
      }
      if (minPong) this.sendPing(this.links.get(minPong.link!)!, MsgType.PING);
    }
    let update = false;
    for (const n of this.nodeList()) {
      if (n.has(NodeFlag.MYSELF | NodeFlag.NOADDR | NodeFlag.HANDSHAKE)) continue;
      const pingDelay = now - n.pingSent;
      const dataDelay = now - n.dataReceived;
      let link = n.link !== null ? this.links.get(n.link) : undefined;
      if (link && now - link.ctime > nt && n.pingSent && pingDelay > nt / 2 && dataDelay > nt / 2) {
        this.freeLink(link.id);
        link = undefined;
      }
      // A master pausing for a manual failover pings that replica every tick with its offset.
      if (link && this.mf.end !== 0 && this.myself.isMaster && this.mf.replica === n) {
        this.sendPing(link, MsgType.PING);
        continue;
      }
      if (link && n.pingSent === 0 && now - n.pongReceived > nt / 2) {
        this.sendPing(link, MsgType.PING);
        continue;
      }
      if (n.pingSent === 0) continue;
      const nodeDelay = Math.min(pingDelay, dataDelay);
      if (nodeDelay > nt && !n.has(NodeFlag.PFAIL | NodeFlag.FAIL)) {
        this.log('debug', `*** NODE ${n.id} possibly failing`);
        n.flags |= NodeFlag.PFAIL;
        update = true;
      }
    }
    if (update || this.state === 'fail') this.updateState();
    manualFailoverCheckTimeout(this);
    if (this.myself.isReplica) {
      handleManualFailover(this);
      handleReplicaFailover(this);
      replicaMigrationCron(this);
    }
  }

  // --- cluster state ---------------------------------------------------------------------------

  /** clusterUpdateState: ok/fail from coverage and from reaching a majority of masters. */
  updateState(): void {
    const now = this.now();
    if (this.firstStateCall === 0) this.firstStateCall = now;
    if (
      this.myself.isMaster &&
      this.state === 'fail' &&
      now - this.firstStateCall < WRITABLE_DELAY
    ) {
      return;
    }
    let next: 'ok' | 'fail' = 'ok';
    if (this.env.settings().requireFullCoverage) {
      // Every slot is in exactly one node's bitmap, so the owners' counts tell the coverage.
      let covered = 0;
      for (const n of this.nodes.values()) {
        if (n.numslots === 0) continue;
        if (n.has(NodeFlag.FAIL)) next = 'fail';
        covered += n.numslots;
      }
      if (covered < SLOTS) next = 'fail';
    }
    let size = 0;
    let reachable = 0;
    for (const n of this.nodes.values()) {
      if (n.isMaster && n.numslots > 0) {
        size++;
        if (!n.failing) reachable++;
      }
    }
    this.size = size;
    if (reachable < Math.floor(size / 2) + 1) {
      next = 'fail';
      this.amongMinorityTime = now;
    }
    if (next === this.state) return;
    const rejoinDelay = Math.min(Math.max(this.nodeTimeout, 500), 5000);
    if (next === 'ok' && this.myself.isMaster && now - this.amongMinorityTime < rejoinDelay) return;
    this.log('warning', `Cluster state changed: ${next}`);
    this.state = next;
    this.emit({ kind: 'state', ok: next === 'ok' });
  }
}
