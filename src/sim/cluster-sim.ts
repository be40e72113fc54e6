/**
 * Many cluster cores in one process on a virtual clock and a virtual network with faults
 * (kills, restarts, partitions, delays, drops). Every source of nondeterminism comes from one
 * seed, so a failing schedule replays exactly.
 */
import { ClusterCore } from '../cluster/core/cluster.js';
import { processMessage, processPacket } from '../cluster/core/process.js';
import { changeSlots, setConfigEpoch, startHandshake } from '../cluster/core/admin.js';
import type { CoreSettings, Effect } from '../cluster/core/types.js';
import { FrameReader, type BusMessage } from '../cluster/bus/codec.js';
import { nodesConfText } from '../cluster/describe.js';
import { loadNodesConf } from '../cluster/nodes-conf.js';
import { EventQueue } from './events.js';
import { Rng } from './rng.js';

export const SIM_PORT = 6379;
export const SIM_CPORT = 16379;

export interface SimOptions {
  seed: number;
  nodes: number;
  masters: number;
  nodeTimeout: number;
  /**
   * Pass messages between cores as objects, skipping encode/decode: for runs with hundreds of
   * nodes, where the codec (covered by every other run) would dominate the time.
   */
  decoded?: boolean;
  /** false: nodes.conf is never written (runs that restart no node skip its cost). */
  persist?: boolean;
  /** Applied to every core when it is created (start and restart). */
  configureCore?: (core: ClusterCore) => void;
  /** One-way message delay range in ms. */
  minDelay?: number;
  maxDelay?: number;
}

/** What one send carries: bytes, or the message itself in decoded mode. */
interface Wire {
  data: Buffer;
  msg?: BusMessage;
}

/** One endpoint of a virtual TCP connection. */
interface End {
  node: SimNode;
  link: number;
  /** Time of the last delivery scheduled towards this end (keeps the stream in order). */
  lastArrival: number;
  reader: FrameReader;
}

interface Conn {
  a: End;
  b: End;
  open: boolean;
}

export interface LogRecord {
  at: number;
  node: number;
  level: string;
  text: string;
}

export class SimNode {
  core!: ClusterCore;
  alive = true;
  /** nodes.conf as last saved: what a restart loads. */
  disk = '';
  /** core link id -> connection. */
  conns = new Map<number, Conn>();
  /** Sends queued on an outbound link that is still connecting. */
  pending = new Map<number, Wire[]>();
  /** Generation counter: events of a killed incarnation are ignored. */
  gen = 0;
  /** This node's settings that differ from the cluster-wide ones (CONFIG SET on one node). */
  overrides: Partial<CoreSettings> = {};
  /** Replication offset this node reports in its bus headers. */
  offset = 0;

  constructor(
    readonly index: number,
    readonly ip: string,
  ) {}
}

export class SimCluster {
  readonly rng: Rng;
  readonly queue = new EventQueue();
  now = 1_700_000_000_000;
  readonly nodes: SimNode[] = [];
  readonly logs: LogRecord[] = [];
  /** Partition group per node index: nodes talk only within the same group. */
  group: number[];
  dropRate = 0;
  minDelay: number;
  maxDelay: number;
  /** Called after every batch of effects of any node (invariant checks). */
  onStep: ((n: SimNode) => void) | null = null;

  constructor(readonly opts: SimOptions) {
    this.rng = new Rng(opts.seed);
    this.base = Object.freeze(this.defaults());
    this.minDelay = opts.minDelay ?? 1;
    this.maxDelay = opts.maxDelay ?? 5;
    this.group = new Array<number>(opts.nodes).fill(0);
    for (let i = 0; i < opts.nodes; i++) {
      const n = new SimNode(i, `10.0.${i >> 8}.${(i & 255) + 1}`);
      this.nodes.push(n);
      n.core = this.newCore(n);
      this.scheduleTick(n, this.rng.int(0, 99));
    }
  }

  private readonly base: CoreSettings;

  /** The cluster-wide settings (a node's `overrides` apply on top). */
  settings(): CoreSettings {
    return this.base;
  }

  private defaults(): CoreSettings {
    return {
      nodeTimeout: this.opts.nodeTimeout,
      requireFullCoverage: true,
      allowReplicaMigration: true,
      migrationBarrier: 1,
      announceIp: '',
      announceHostname: '',
      port: SIM_PORT,
      pport: 0,
      cport: SIM_CPORT,
      replicaValidityFactor: 10,
      replPingPeriod: 10,
      replicaNoFailover: false,
    };
  }

  private newCore(n: SimNode): ClusterCore {
    const env = {
      now: () => this.now,
      random: () => this.rng.next(),
      settings: () => (hasKeys(n.overrides) ? { ...this.base, ...n.overrides } : this.base),
      keysInSlot: () => 0,
      replOffset: () => n.offset,
      masterDataAge: () => 0,
    };
    const core = new ClusterCore(env);
    core.decodedSends = this.opts.decoded ?? false;
    this.opts.configureCore?.(core);
    return core;
  }

  /** Runs `fn` against node n's core and applies the effects it produced. */
  input(n: SimNode, fn: (core: ClusterCore) => void): void {
    if (!n.alive) return;
    fn(n.core);
    this.apply(n, n.core.takeEffects());
    this.onStep?.(n);
  }

  private scheduleTick(n: SimNode, delay: number): void {
    const gen = n.gen;
    this.queue.push(this.now + delay, () => {
      if (!n.alive || n.gen !== gen) return;
      this.input(n, (c) => c.tick());
      this.scheduleTick(n, 100);
    });
  }

  private delay(): number {
    return this.rng.int(this.minDelay, this.maxDelay);
  }

  reachable(a: SimNode, b: SimNode): boolean {
    return a.alive && b.alive && this.group[a.index] === this.group[b.index];
  }

  private nodeByAddr(ip: string, port: number): SimNode | undefined {
    if (port !== SIM_CPORT) return undefined;
    return this.nodes.find((n) => n.ip === ip);
  }

  private apply(n: SimNode, effects: Effect[]): void {
    for (const e of effects) {
      switch (e.kind) {
        case 'connect':
          this.connect(n, e.link, e.ip, e.port);
          break;
        case 'send':
          this.send(n, e.link, { data: e.data, msg: e.msg });
          break;
        case 'close':
          this.closeLink(n, e.link, true);
          break;
        case 'save':
          if (this.opts.persist !== false) n.disk = nodesConfText(n.core);
          break;
        case 'log':
          this.logs.push({ at: this.now, node: n.index, level: e.level, text: e.text });
          break;
        default:
          break;
      }
    }
  }

  private connect(n: SimNode, link: number, ip: string, port: number): void {
    const gen = n.gen;
    const target = this.nodeByAddr(ip, port);
    n.pending.set(link, []);
    const ok = target !== undefined && this.reachable(n, target);
    // A refused connection fails fast; an unreachable host times out after a while.
    const after = ok ? this.delay() * 2 : target && target.alive ? 1000 : this.delay();
    this.queue.push(this.now + after, () => {
      if (!n.alive || n.gen !== gen || !n.pending.has(link)) return;
      if (!target || !this.reachable(n, target)) {
        n.pending.delete(link);
        this.input(n, (c) => c.linkClosed(link, 'Connection refused'));
        return;
      }
      let inLink = 0;
      this.input(target, (c) => {
        inLink = c.acceptInbound(n.ip, target.ip);
      });
      const conn: Conn = {
        a: { node: n, link, lastArrival: 0, reader: new FrameReader() },
        b: { node: target, link: inLink, lastArrival: 0, reader: new FrameReader() },
        open: true,
      };
      n.conns.set(link, conn);
      target.conns.set(inLink, conn);
      const queued = n.pending.get(link) ?? [];
      n.pending.delete(link);
      this.input(n, (c) => c.linkConnected(link, n.ip));
      for (const w of queued) this.send(n, link, w);
    });
  }

  private send(n: SimNode, link: number, w: Wire): void {
    const queued = n.pending.get(link);
    if (queued) {
      queued.push(w);
      return;
    }
    const conn = n.conns.get(link);
    if (!conn || !conn.open) return;
    const to = conn.a.node === n ? conn.b : conn.a;
    if (!this.reachable(n, to.node)) return;
    if (this.dropRate > 0 && this.rng.next() < this.dropRate) return;
    const at = Math.max(this.now + this.delay(), to.lastArrival);
    to.lastArrival = at;
    const gen = to.node.gen;
    this.queue.push(at, () => {
      if (!conn.open || !to.node.alive || to.node.gen !== gen) return;
      const msg = w.msg;
      if (msg) {
        this.input(to.node, (c) => processMessage(c, to.link, msg));
        return;
      }
      const packets = to.reader.feed(w.data);
      if (packets === null) {
        this.closeLink(to.node, to.link, false);
        this.input(to.node, (c) => c.linkClosed(to.link));
        return;
      }
      for (const p of packets) this.input(to.node, (c) => processPacket(c, to.link, p));
    });
  }

  /** Closes a connection from node n's side; the peer learns it after a delay. */
  private closeLink(n: SimNode, link: number, notifyPeer: boolean): void {
    n.pending.delete(link);
    const conn = n.conns.get(link);
    n.conns.delete(link);
    if (!conn || !conn.open) return;
    conn.open = false;
    const other = conn.a.node === n ? conn.b : conn.a;
    other.node.conns.delete(other.link);
    if (!notifyPeer) return;
    const gen = other.node.gen;
    this.queue.push(this.now + this.delay(), () => {
      if (other.node.alive && other.node.gen === gen) {
        this.input(other.node, (c) => c.linkClosed(other.link));
      }
    });
  }

  // --- faults ----------------------------------------------------------------------------------

  kill(i: number): void {
    const n = this.nodes[i];
    if (!n.alive) return;
    for (const link of [...n.conns.keys()]) this.closeLink(n, link, true);
    n.pending.clear();
    n.alive = false;
    n.gen++;
  }

  restart(i: number): void {
    const n = this.nodes[i];
    if (n.alive) return;
    if (this.opts.persist === false) throw new Error('restart needs persist');
    n.alive = true;
    n.gen++;
    const core = this.newCore(n);
    if (n.disk) loadNodesConf(core, n.disk);
    n.core = core;
    this.apply(n, core.takeEffects());
    this.scheduleTick(n, this.rng.int(0, 99));
  }

  /** Splits the nodes into groups (group[i] per node); connections across groups go silent. */
  partition(groups: number[]): void {
    this.group = groups.slice();
  }

  heal(): void {
    this.group.fill(0);
  }

  // --- running ---------------------------------------------------------------------------------

  runFor(ms: number): void {
    this.runUntil(this.now + ms);
  }

  runUntil(t: number, stop?: () => boolean): boolean {
    let steps = 0;
    while (this.queue.peekTime() <= t) {
      const ev = this.queue.pop()!;
      this.now = ev.at;
      ev.fn();
      if (stop && ++steps % 50 === 0 && stop()) return true;
    }
    this.now = t;
    return stop ? stop() : false;
  }

  /** Runs until `cond` holds (checked often) or `maxMs` passes; returns whether it held. */
  waitFor(cond: () => boolean, maxMs: number): boolean {
    const end = this.now + maxMs;
    while (this.now < end) {
      if (this.runUntil(Math.min(end, this.now + 100), cond)) return true;
    }
    return cond();
  }

  /**
   * Makes node i a replica of node masterOf(i) (left alone when null); true once every node
   * knows every replica's master.
   */
  attachReplicas(masterOf: (i: number) => number | null, maxMs: number): boolean {
    const masterIdOf = (i: number): string | null => {
      const m = masterOf(i);
      return m === null ? null : this.nodes[m].core.myself.id;
    };
    this.nodes.forEach((n, i) => {
      const id = masterIdOf(i);
      if (id !== null) this.input(n, (c) => c.setMyMaster(c.lookup(id)!));
    });
    return this.waitFor(
      () =>
        this.nodes.every((n, i) => {
          const id = masterIdOf(i);
          return (
            id === null ||
            this.nodes.every((o) => o.core.lookup(n.core.myself.id)?.slaveof?.id === id)
          );
        }),
      maxMs,
    );
  }

  /** Assigns slots evenly to the first `masters` nodes, sets distinct epochs and MEETs all. */
  form(): void {
    const m = this.opts.masters;
    for (let i = 0; i < m; i++) {
      const start = Math.floor((16384 * i) / m);
      const end = Math.floor((16384 * (i + 1)) / m) - 1;
      const slots: number[] = [];
      for (let s = start; s <= end; s++) slots.push(s);
      this.input(this.nodes[i], (c) => changeSlots(c, slots, true));
    }
    this.nodes.forEach((n, i) => this.input(n, (c) => setConfigEpoch(c, i + 1)));
    for (let i = 1; i < this.nodes.length; i++) {
      this.input(this.nodes[i], (c) => startHandshake(c, this.nodes[0].ip, SIM_PORT, SIM_CPORT));
    }
  }

  /**
   * Starts from a formed cluster, as if every node had loaded a nodes.conf written by a
   * previous run: slots spread evenly over the first `masters` nodes (configEpoch i + 1), node
   * i a replica of masterOf(i) when that is not null. Skips the MEET handshakes, which with
   * hundreds of nodes would cost more than the scenario itself.
   */
  formFromConfig(masterOf: (i: number) => number | null): void {
    const m = this.opts.masters;
    const ids = this.nodes.map((n) => n.core.myself.id);
    const lines = this.nodes.map((n, i) => {
      const master = i < m ? null : masterOf(i);
      const epoch = master === null ? i + 1 : master + 1;
      let slots = '';
      if (i < m) slots = ` ${Math.floor((16384 * i) / m)}-${Math.floor((16384 * (i + 1)) / m) - 1}`;
      const role = master === null ? 'master' : 'slave';
      return (mine: boolean): string =>
        `${ids[i]} ${n.ip}:${SIM_PORT}@${SIM_CPORT} ${mine ? 'myself,' : ''}${role} ` +
        `${master === null ? '-' : ids[master]} 0 0 ${epoch} connected${slots}\n`;
    });
    for (const [i, n] of this.nodes.entries()) {
      const text =
        lines.map((line, j) => line(i === j)).join('') + `vars currentEpoch ${m} lastVoteEpoch 0\n`;
      const core = this.newCore(n);
      loadNodesConf(core, text);
      n.core = core;
      if (this.opts.persist !== false) n.disk = text;
      this.apply(n, core.takeEffects());
    }
  }

  /** Every live node knows every other live node (no handshakes) and reports ok. */
  converged(): boolean {
    const live = this.nodes.filter((n) => n.alive);
    for (const n of live) {
      if (n.core.state !== 'ok') return false;
      for (const o of live) {
        const seen = n.core.lookup(o.core.myself.id);
        if (!seen || seen.flags & (4 | 8 | 32)) return false;
      }
    }
    return true;
  }
}

function hasKeys(o: object): boolean {
  for (const _k in o) return true;
  return false;
}
