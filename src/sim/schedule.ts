/**
 * Seeded fault schedules for the simulator and the invariants they are checked against:
 * FAIL only with a majority of masters seeing the node unreachable (so never without a fault),
 * cluster_state ok only with full coverage, convergence after every fault is healed.
 */
import { NodeFlag, bitCount, type ClusterNode } from '../cluster/core/node.js';
import { SLOT_BYTES } from '../cluster/bus/codec.js';
import { SLOTS } from '../cluster/core/cluster.js';
import { SimCluster } from './cluster-sim.js';
import { Rng } from './rng.js';

interface Snapshot {
  at: number;
  alive: boolean[];
  group: number[];
  dropping: boolean;
}

export interface ScheduleResult {
  seed: number;
  violations: string[];
  faults: string[];
  /** Virtual ms from the last heal to convergence, -1 if it never converged. */
  convergeMs: number;
}

export interface ScheduleOptions {
  seed: number;
  nodes: number;
  masters: number;
  nodeTimeout: number;
  /** Virtual ms of fault injection. */
  duration: number;
  faults: number;
}

export function runSchedule(o: ScheduleOptions): ScheduleResult {
  const sim = new SimCluster({
    seed: o.seed,
    nodes: o.nodes,
    masters: o.masters,
    nodeTimeout: o.nodeTimeout,
  });
  const plan = new Rng(o.seed ^ 0x5bd1e995);
  const nt = o.nodeTimeout;
  const violations: string[] = [];
  const faults: string[] = [];
  const history: Snapshot[] = [];
  const snap = (): void => {
    history.push({
      at: sim.now,
      alive: sim.nodes.map((n) => n.alive),
      group: sim.group.slice(),
      dropping: sim.dropRate > 0,
    });
  };
  snap();
  sim.form();
  if (!sim.waitFor(() => sim.converged(), 10 * nt + 10000)) {
    violations.push('cluster did not form');
    return { seed: o.seed, violations, faults, convergeMs: -1 };
  }
  const ids = sim.nodes.map((n) => n.core.myself.id);
  const quorum = Math.floor(o.masters / 2) + 1;
  let logsSeen = sim.logs.length;

  /** Whether X was unreachable from M at some moment of [t0, t1], and whether drops were on. */
  const window = (m: number, x: number, t0: number, t1: number): [boolean, boolean] => {
    let unreachable = false;
    let dropping = false;
    for (let i = 0; i < history.length; i++) {
      const s = history[i];
      const end = i + 1 < history.length ? history[i + 1].at : Infinity;
      if (end < t0 || s.at > t1) continue;
      if (!s.alive[x] || s.group[m] !== s.group[x]) unreachable = true;
      if (s.dropping) dropping = true;
    }
    return [unreachable, dropping];
  };

  const checkLogs = (): void => {
    for (; logsSeen < sim.logs.length; logsSeen++) {
      const l = sim.logs[logsSeen];
      const m = /^Marking node ([0-9a-f]{40}) as failing/.exec(l.text);
      if (!m) continue;
      const x = ids.indexOf(m[1]);
      if (x < 0) continue;
      let count = 0;
      let dropping = false;
      // 7.0 takes failure reports from every master, with or without slots.
      for (let mi = 0; mi < o.nodes; mi++) {
        if (!sim.nodes[mi].core.myself.isMaster) continue;
        const [u, d] = window(mi, x, l.at - 10 * nt, l.at);
        if (u) count++;
        dropping ||= d;
      }
      if (count < quorum && !dropping) {
        violations.push(
          `t=${l.at - history[0].at} node ${l.node} marked node ${x} FAIL but only ${count} masters could not reach it`,
        );
      }
    }
  };

  const checkCoverage = (): void => {
    for (const n of sim.nodes) {
      if (!n.alive || n.core.state !== 'ok') continue;
      for (let s = 0; s < SLOTS; s++) {
        const owner = n.core.slots[s];
        if (!owner || owner.has(NodeFlag.FAIL)) {
          violations.push(`t=${sim.now - history[0].at} node ${n.index} is ok without slot ${s}`);
          return;
        }
      }
    }
  };

  const checkTable = (): void => {
    const v = slotTableViolation(sim);
    if (v) violations.push(`t=${sim.now - history[0].at} ${v}`);
  };

  const times: number[] = [];
  for (let i = 0; i < o.faults; i++) times.push(plan.int(0, o.duration));
  times.sort((a, b) => a - b);
  const start = sim.now;
  for (const t of times) {
    sim.runUntil(start + t);
    checkLogs();
    checkCoverage();
    checkTable();
    const alive = sim.nodes.filter((n) => n.alive).map((n) => n.index);
    const dead = sim.nodes.filter((n) => !n.alive).map((n) => n.index);
    const kind = plan.int(0, 5);
    if (kind === 0 && alive.length > 1) {
      const i = plan.pick(alive);
      sim.kill(i);
      faults.push(`${t}: kill ${i}`);
    } else if (kind === 1 && dead.length) {
      const i = plan.pick(dead);
      sim.restart(i);
      faults.push(`${t}: restart ${i}`);
    } else if (kind === 2) {
      const groups = sim.nodes.map(() => plan.int(0, 1));
      sim.partition(groups);
      faults.push(`${t}: partition ${groups.join('')}`);
    } else if (kind === 3) {
      sim.heal();
      faults.push(`${t}: heal`);
    } else if (kind === 4) {
      sim.dropRate = plan.next() < 0.5 ? 0 : plan.next() * 0.05;
      faults.push(`${t}: drop ${sim.dropRate.toFixed(3)}`);
    } else {
      sim.maxDelay = plan.int(5, Math.floor(nt / 4));
      faults.push(`${t}: delay ${sim.maxDelay}`);
    }
    snap();
  }
  sim.runUntil(start + o.duration);
  for (const n of sim.nodes) if (!n.alive) sim.restart(n.index);
  sim.heal();
  sim.dropRate = 0;
  sim.maxDelay = 5;
  snap();
  const healed = sim.now;
  const fullyConverged = (): boolean =>
    sim.converged() && sim.nodes.every((n) => [...n.core.nodes.values()].every((x) => !x.failing));
  let convergeMs = -1;
  // Sample invariants while waiting: a master FAIL is cleared 2 * nt after it is reachable.
  const bound = 6 * nt + 10000;
  while (sim.now - healed < bound) {
    sim.runFor(1000);
    checkLogs();
    checkCoverage();
    if (fullyConverged()) {
      convergeMs = sim.now - healed;
      break;
    }
  }
  checkTable();
  if (convergeMs < 0) violations.push(`did not converge within ${bound} ms after healing`);
  return { seed: o.seed, violations, faults, convergeMs };
}

/**
 * Whether some live node's slot bitmaps or counts disagree with its slot table (the invariant
 * ClusterCore.assignSlots relies on); the first disagreement, or null.
 */
export function slotTableViolation(sim: SimCluster): string | null {
  for (const n of sim.nodes) {
    if (!n.alive) continue;
    const want = new Map<ClusterNode, Uint8Array>();
    for (const x of n.core.nodes.values()) want.set(x, new Uint8Array(SLOT_BYTES));
    n.core.slots.forEach((owner, s) => {
      if (owner) want.get(owner)![s >> 3] |= 1 << (s & 7);
    });
    for (const [x, bits] of want) {
      const got = Buffer.from(x.slots.buffer, x.slots.byteOffset, SLOT_BYTES);
      let count = 0;
      for (const v of bits) count += bitCount(v);
      if (Buffer.compare(got, bits) !== 0 || count !== x.numslots) {
        return `node ${n.index}: the slots of ${x.id} disagree with its table`;
      }
    }
  }
  return null;
}
