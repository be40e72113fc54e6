/**
 * Seeded fault schedules for the simulator and the invariants they are checked against:
 * FAIL only with a majority of masters seeing the node unreachable (so never without a fault),
 * cluster_state ok only with full coverage, convergence after every fault is healed.
 */
import { NodeFlag } from '../cluster/core/node.js';
import { SLOTS } from '../cluster/core/cluster.js';
import { SimCluster } from './cluster-sim.js';
import { Rng } from './rng.js';
import { oneMasterPerSlot, sameEpochClash, slotTableViolation } from './invariants.js';

interface Snapshot {
  at: number;
  alive: boolean[];
  group: number[];
  dropping: boolean;
  /** Which nodes were masters (roles change with elections). */
  masters: boolean[];
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
  /**
   * Nodes past the masters replicate master (i % masters), so kills start elections; the
   * schedule then also checks that no two masters claim a slot with one configEpoch and that
   * every slot has exactly one master after the heal.
   */
  replicas?: boolean;
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
      masters: sim.nodes.map((n) => n.core.myself.isMaster),
    });
  };
  snap();
  sim.form();
  if (!sim.waitFor(() => sim.converged(), 10 * nt + 10000)) {
    violations.push('cluster did not form');
    return { seed: o.seed, violations, faults, convergeMs: -1 };
  }
  if (o.replicas) {
    const masterOf = (i: number): number | null => (i < o.masters ? null : i % o.masters);
    if (!sim.attachReplicas(masterOf, 20000)) {
      violations.push('replicas not known everywhere');
      return { seed: o.seed, violations, faults, convergeMs: -1 };
    }
  }
  const ids = sim.nodes.map((n) => n.core.myself.id);
  const quorum = Math.floor(o.masters / 2) + 1;
  let logsSeen = sim.logs.length;

  /**
   * Whether X was unreachable from M at some moment of [t0, t1], whether drops were on, and
   * whether M was a master then (a report made while it was one stays valid after a demotion).
   */
  const window = (m: number, x: number, t0: number, t1: number): [boolean, boolean, boolean] => {
    let unreachable = false;
    let dropping = false;
    let master = false;
    for (let i = 0; i < history.length; i++) {
      const s = history[i];
      const end = i + 1 < history.length ? history[i + 1].at : Infinity;
      if (end < t0 || s.at > t1) continue;
      // A reporter that was down may carry a report from its nodes.conf (Redis loads fail? and
      // fail flags there too): as good as unreachable.
      if (!s.alive[x] || !s.alive[m] || s.group[m] !== s.group[x]) unreachable = true;
      if (s.dropping) dropping = true;
      if (s.masters[m]) master = true;
    }
    return [unreachable, dropping, master];
  };

  const checkLogs = (): void => {
    for (; logsSeen < sim.logs.length; logsSeen++) {
      const l = sim.logs[logsSeen];
      const m = /^Marking node ([0-9a-f]{40}) as failing/.exec(l.text);
      if (!m) continue;
      const x = ids.indexOf(m[1]);
      if (x < 0) continue;
      // A node back from a restart judges by the table in its nodes.conf (its flags, its idea
      // of how many masters make a quorum) until gossip corrects it; Redis does the same.
      const wasDown = history.some(
        (s, i) =>
          !s.alive[l.node] && s.at <= l.at && (history[i + 1]?.at ?? Infinity) >= l.at - 10 * nt,
      );
      if (wasDown) continue;
      let count = 0;
      let dropping = false;
      // 7.0 takes failure reports from every master, with or without slots.
      for (let mi = 0; mi < o.nodes; mi++) {
        const [u, d, wasMaster] = window(mi, x, l.at - 10 * nt, l.at);
        if (!wasMaster && !sim.nodes[mi].core.myself.isMaster) continue;
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

  const checkOwnership = (): void => {
    const v = slotTableViolation(sim) ?? (o.replicas ? sameEpochClash(sim) : null);
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
    checkOwnership();
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
    sim.converged() &&
    sim.nodes.every((n) => [...n.core.nodes.values()].every((x) => !x.failing)) &&
    (!o.replicas || oneMasterPerSlot(sim));
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
  checkOwnership();
  if (convergeMs < 0) violations.push(`did not converge within ${bound} ms after healing`);
  return { seed: o.seed, violations, faults, convergeMs };
}
