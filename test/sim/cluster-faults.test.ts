/**
 * Seeded fault schedules against many cluster cores on the simulated network. SIM_SEEDS raises
 * the number of seeds (thousands on demand); SIM_SEED replays one seed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSchedule } from '../../src/sim/schedule.js';
import { SimCluster } from '../../src/sim/cluster-sim.js';
import { NodeFlag } from '../../src/cluster/core/node.js';

const SEEDS = Number(process.env.SIM_SEEDS ?? 120);
const ONLY = process.env.SIM_SEED;

function seeds(n: number, base: number): number[] {
  if (ONLY) return [Number(ONLY)];
  return Array.from({ length: n }, (_, i) => base + i);
}

test(`random fault schedules, 5 nodes (${SEEDS} seeds)`, () => {
  const failures: string[] = [];
  for (const seed of seeds(SEEDS, 1000)) {
    const r = runSchedule({
      seed,
      nodes: 5,
      masters: 3,
      nodeTimeout: 1000,
      duration: 15000,
      faults: 7,
    });
    if (r.violations.length)
      failures.push(`seed ${seed}: ${r.violations[0]}\n  faults: ${r.faults.join(', ')}`);
  }
  assert.deepEqual(failures, []);
});

test(`random fault schedules with replicas, 3 masters + 3 replicas (${Math.ceil(SEEDS / 2)} seeds)`, () => {
  const failures: string[] = [];
  for (const seed of seeds(Math.ceil(SEEDS / 2), 3000)) {
    const r = runSchedule({
      seed,
      nodes: 6,
      masters: 3,
      nodeTimeout: 1000,
      duration: 15000,
      faults: 7,
      replicas: true,
    });
    if (r.violations.length)
      failures.push(`seed ${seed}: ${r.violations[0]}\n  faults: ${r.faults.join(', ')}`);
  }
  assert.deepEqual(failures, []);
});

test('random fault schedules, 9 nodes, 5 masters', () => {
  const failures: string[] = [];
  for (const seed of seeds(Math.max(5, Math.floor(SEEDS / 10)), 5000)) {
    const r = runSchedule({
      seed,
      nodes: 9,
      masters: 5,
      nodeTimeout: 1000,
      duration: 20000,
      faults: 10,
    });
    if (r.violations.length)
      failures.push(`seed ${seed}: ${r.violations[0]}\n  faults: ${r.faults.join(', ')}`);
  }
  assert.deepEqual(failures, []);
});

test('a killed master is marked FAIL by every live node within 2 * node timeout + 2 s', () => {
  for (const seed of seeds(20, 7000)) {
    const nt = 2000;
    const sim = new SimCluster({ seed, nodes: 6, masters: 3, nodeTimeout: nt });
    sim.form();
    assert.ok(
      sim.waitFor(() => sim.converged(), 20000),
      `seed ${seed} formed`,
    );
    sim.runFor(1000 + (seed % 7) * 137);
    const victim = seed % 3;
    const id = sim.nodes[victim].core.myself.id;
    sim.kill(victim);
    const t0 = sim.now;
    const allFail = (): boolean =>
      sim.nodes.every((n) => !n.alive || Boolean(n.core.lookup(id)!.flags & NodeFlag.FAIL));
    assert.ok(sim.waitFor(allFail, 2 * nt + 2000), `seed ${seed}: FAIL after ${sim.now - t0} ms`);
    assert.ok(sim.nodes.every((n) => !n.alive || n.core.state === 'fail'));
  }
});

test('a killed node is suspected one node timeout after its peers fail to reconnect', () => {
  // Its peers' links drop at the kill and their reconnects are refused: each refusal counts as
  // a ping in flight, so PFAIL comes nt (plus a cron tick or two) after the kill, not up to
  // nt/2 later when the next scheduled ping would have gone out.
  const nt = 2000;
  let worst = 0;
  for (const seed of seeds(10, 7100)) {
    const sim = new SimCluster({ seed, nodes: 6, masters: 3, nodeTimeout: nt });
    sim.form();
    assert.ok(
      sim.waitFor(() => sim.converged(), 20000),
      `seed ${seed} formed`,
    );
    sim.runFor(3000 + (seed % 10) * 97);
    const victim = seed % 3;
    const id = sim.nodes[victim].core.myself.id;
    sim.kill(victim);
    const t0 = sim.now;
    const suspected = (): boolean =>
      sim.nodes.every(
        (n) => !n.alive || Boolean(n.core.lookup(id)!.flags & (NodeFlag.PFAIL | NodeFlag.FAIL)),
      );
    assert.ok(sim.waitFor(suspected, 2 * nt), `seed ${seed}: never suspected`);
    worst = Math.max(worst, sim.now - t0);
  }
  assert.ok(worst <= nt + 300, `suspected ${worst} ms after the kill (node timeout ${nt})`);
});

test('no fault, no FAIL: a healthy cluster with delays stays ok', () => {
  const sim = new SimCluster({ seed: 99, nodes: 7, masters: 4, nodeTimeout: 1000, maxDelay: 200 });
  sim.form();
  assert.ok(sim.waitFor(() => sim.converged(), 20000));
  sim.runFor(60000);
  const bad = sim.logs.filter((l) => /failing|FAIL message|state changed: fail/.test(l.text));
  assert.deepEqual(bad, []);
  assert.ok(sim.converged());
});

test('a master cut off in a minority stops serving, then rejoins after the heal', () => {
  const nt = 1000;
  const sim = new SimCluster({ seed: 3, nodes: 5, masters: 3, nodeTimeout: nt });
  sim.form();
  assert.ok(sim.waitFor(() => sim.converged(), 20000));
  sim.partition([1, 0, 0, 0, 0]);
  const t0 = sim.now;
  assert.ok(sim.waitFor(() => sim.nodes[0].core.state === 'fail', 2 * nt + 1000));
  assert.ok(sim.now - t0 >= nt, 'not before the node timeout');
  sim.runFor(3000);
  assert.equal(sim.nodes[1].core.state, 'fail', 'majority saw the master fail (no failover)');
  sim.heal();
  assert.ok(sim.waitFor(() => sim.converged(), 6 * nt + 10000));
  const minorityLog = sim.logs.filter((l) => l.node === 0 && l.text.startsWith('Cluster state'));
  assert.deepEqual(
    minorityLog.map((l) => l.text),
    ['Cluster state changed: ok', 'Cluster state changed: fail', 'Cluster state changed: ok'],
  );
});

test('50 nodes converge and detect a failure', () => {
  const sim = new SimCluster({ seed: 50, nodes: 50, masters: 25, nodeTimeout: 2000 });
  sim.form();
  assert.ok(
    sim.waitFor(() => sim.converged(), 40000),
    'formed',
  );
  const id = sim.nodes[7].core.myself.id;
  sim.kill(7);
  assert.ok(
    sim.waitFor(
      () => sim.nodes.every((n) => !n.alive || Boolean(n.core.lookup(id)!.flags & NodeFlag.FAIL)),
      10000,
    ),
  );
});

test('the same seed replays the same run exactly', () => {
  const a = runSchedule({
    seed: 4242,
    nodes: 5,
    masters: 3,
    nodeTimeout: 1000,
    duration: 10000,
    faults: 6,
  });
  const b = runSchedule({
    seed: 4242,
    nodes: 5,
    masters: 3,
    nodeTimeout: 1000,
    duration: 10000,
    faults: 6,
  });
  assert.deepEqual(a, b);
});
