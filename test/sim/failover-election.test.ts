/**
 * Replica promotion on the simulated network: seeded kills of masters that have replicas, in
 * clusters of 6..20 nodes. A replica wins, the cluster is ok again, and the restarted old master
 * turns into a replica of the winner. Throughout, no two masters claim one slot with the same
 * configEpoch. SIM_SEED replays one seed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimCluster, type SimNode } from '../../src/sim/cluster-sim.js';
import { manualFailoverCommand } from '../../src/cluster/core/manual-failover.js';
import { MsgType } from '../../src/cluster/bus/codec.js';
import { oneMasterPerSlot, sameEpochClash, slotTableViolation } from '../../src/sim/invariants.js';
import { formWithReplicas, logged } from './helpers.js';

const ONLY = process.env.SIM_SEED;

for (const [nodes, masters, count, base] of [
  [6, 3, 12, 100],
  [10, 4, 6, 200],
  [20, 7, 3, 300],
] as const) {
  test(`a killed master's replica wins and the old master rejoins as its replica (${nodes} nodes)`, () => {
    const seeds = ONLY ? [Number(ONLY)] : Array.from({ length: count }, (_, i) => base + i);
    for (const seed of seeds) {
      const nt = 1000;
      const sim = new SimCluster({ seed, nodes, masters, nodeTimeout: nt });
      let clash: string | null = null;
      sim.onStep = () => {
        clash ??= sameEpochClash(sim);
      };
      formWithReplicas(sim, masters);
      const victim = sim.rng.int(0, masters - 1);
      const replicas = sim.nodes.filter((_n, i) => i >= masters && i % masters === victim);
      const killedAt = sim.now;
      sim.kill(victim);
      const winner = (): SimNode | undefined =>
        replicas.find((r) => r.core.myself.isMaster && r.core.myself.numslots > 0);
      assert.ok(
        sim.waitFor(
          () => winner() !== undefined && sim.converged() && oneMasterPerSlot(sim),
          30000,
        ),
        `seed ${seed}: a replica of node ${victim} took over and the cluster is ok`,
      );
      const w = winner()!;
      assert.ok(logged(sim, w.index, "Failover election won: I'm the new master.", killedAt));
      assert.ok(logged(sim, w.index, 'after successful failover', killedAt));
      assert.ok(logged(sim, w.index, 'Start of election delayed for', killedAt));
      // The other replicas of the old master follow the winner.
      for (const r of replicas) {
        if (r !== w) assert.equal(r.core.myself.slaveof?.id, w.core.myself.id, `seed ${seed}`);
      }

      const restartAt = sim.now;
      sim.restart(victim);
      const old = sim.nodes[victim];
      assert.ok(
        sim.waitFor(
          () =>
            old.core.myself.isReplica &&
            old.core.myself.slaveof?.id === w.core.myself.id &&
            sim.converged() &&
            oneMasterPerSlot(sim),
          30000,
        ),
        `seed ${seed}: the old master rejoined as a replica of the winner`,
      );
      assert.ok(
        logged(sim, victim, `Reconfiguring myself as a replica of ${w.core.myself.id}`, restartAt),
      );
      assert.equal(clash, null, `seed ${seed}`);
      assert.equal(slotTableViolation(sim), null, `seed ${seed}`);
      assert.equal(slotTableViolation(sim), null, `seed ${seed}`);
    }
  });
}

test('the voters give one vote per epoch and none for the same master within 2 * node timeout', () => {
  const seed = ONLY ? Number(ONLY) : 42;
  const sim = new SimCluster({ seed, nodes: 9, masters: 3, nodeTimeout: 1000 });
  formWithReplicas(sim, 3);
  const t0 = sim.now;
  sim.kill(0);
  assert.ok(
    sim.waitFor(
      () => sim.nodes.some((n, i) => i % 3 === 0 && i > 0 && n.core.myself.isMaster),
      30000,
    ),
  );
  sim.runFor(3000);
  // Each live master voted at most once per epoch.
  for (const n of sim.nodes) {
    const grants = sim.logs
      .filter((l) => l.node === n.index && l.at >= t0)
      .map((l) => /^Failover auth granted to \w+ for epoch (\d+)$/.exec(l.text)?.[1])
      .filter((e): e is string => e !== undefined);
    assert.equal(new Set(grants).size, grants.length, `node ${n.index} voted twice in an epoch`);
  }
  // Exactly one replica of node 0 was promoted.
  const promoted = sim.nodes.filter((n, i) => i % 3 === 0 && i > 0 && n.core.myself.isMaster);
  assert.equal(promoted.length, 1);
});

test('a master cut off in a minority is replaced, then demoted when the partition heals', () => {
  const seeds = ONLY ? [Number(ONLY)] : [500, 501, 502, 503, 504, 505];
  for (const seed of seeds) {
    const sim = new SimCluster({ seed, nodes: 8, masters: 4, nodeTimeout: 1000 });
    let clash: string | null = null;
    sim.onStep = () => {
      clash ??= sameEpochClash(sim);
    };
    formWithReplicas(sim, 4);
    const groups = sim.nodes.map((_n, i) => (i === 1 ? 1 : 0));
    sim.partition(groups);
    const heir = sim.nodes[5];
    assert.ok(
      sim.waitFor(() => heir.core.myself.isMaster && heir.core.myself.numslots > 0, 30000),
      `seed ${seed}: node 5 replaced node 1`,
    );
    // The isolated master refuses service: it cannot reach a majority.
    assert.ok(
      sim.waitFor(() => sim.nodes[1].core.state === 'fail', 5000),
      `seed ${seed}`,
    );
    sim.heal();
    const old = sim.nodes[1];
    assert.ok(
      sim.waitFor(
        () =>
          old.core.myself.slaveof?.id === heir.core.myself.id &&
          sim.converged() &&
          oneMasterPerSlot(sim),
        30000,
      ),
      `seed ${seed}: the old master follows the winner after the heal`,
    );
    assert.equal(clash, null, `seed ${seed}`);
    assert.equal(slotTableViolation(sim), null, `seed ${seed}`);
  }
});

test('cluster-replica-no-failover: such a replica never starts an election', () => {
  const seed = ONLY ? Number(ONLY) : 77;
  const sim = new SimCluster({ seed, nodes: 8, masters: 3, nodeTimeout: 1000 });
  formWithReplicas(sim, 3);
  // Nodes 3 and 6 replicate node 0; node 3 (and later both) refuse to fail over.
  const noFailover = (i: number): void => {
    const env = sim.nodes[i].core.env as { settings: () => ReturnType<SimCluster['settings']> };
    env.settings = () => ({ ...sim.settings(), replicaNoFailover: true });
  };
  noFailover(3);
  sim.runFor(500);
  sim.kill(0);
  assert.ok(
    sim.waitFor(() => sim.nodes[6].core.myself.isMaster, 30000),
    'node 6 took over',
  );
  assert.ok(sim.nodes[3].core.myself.isReplica);
  assert.ok(
    !sim.logs.some((l) => l.node === 3 && l.text.startsWith('Starting a failover election')),
  );

  // Now the only replica of node 1 (node 4 and 7) both refuse: nobody takes over.
  noFailover(4);
  noFailover(7);
  sim.runFor(500);
  const t = sim.now;
  sim.kill(1);
  sim.runFor(15000);
  assert.ok(sim.nodes[4].core.myself.isReplica && sim.nodes[7].core.myself.isReplica);
  assert.ok(!sim.logs.some((l) => l.at >= t && l.text.startsWith('Starting a failover election')));
  assert.equal(sim.nodes[2].core.state, 'fail');

  // The coordinated form needs a live master; FORCE works without it, even under no-failover.
  let err: string | null = null;
  sim.input(sim.nodes[4], (c) => {
    err = manualFailoverCommand(c, 'default');
  });
  assert.equal(err, 'Master is down or failed, please use CLUSTER FAILOVER FORCE');
  sim.input(sim.nodes[4], (c) => {
    err = manualFailoverCommand(c, 'force');
  });
  assert.equal(err, null);
  assert.ok(
    sim.waitFor(() => sim.nodes[4].core.myself.isMaster && sim.converged(), 10000),
    'FORCE promoted node 4',
  );
  assert.ok(
    sim.logs.some((l) => l.node === 4 && l.text === 'Forced failover user request accepted.'),
  );
  assert.equal(sim.nodes[7].core.myself.slaveof?.id, sim.nodes[4].core.myself.id);
});

test('two masters killed on a lossy network: both replaced, both rejoin as replicas', () => {
  const seeds = ONLY ? [Number(ONLY)] : Array.from({ length: 8 }, (_, i) => 600 + i);
  for (const seed of seeds) {
    const masters = 5;
    const sim = new SimCluster({ seed, nodes: 12, masters, nodeTimeout: 1000 });
    let clash: string | null = null;
    sim.onStep = () => {
      clash ??= sameEpochClash(sim);
    };
    formWithReplicas(sim, masters);
    sim.dropRate = 0.05;
    sim.maxDelay = 40;
    const promoted = (v: number): boolean =>
      sim.nodes.some(
        (n, i) =>
          i >= masters && i % masters === v && n.core.myself.isMaster && n.core.myself.numslots > 0,
      );
    const v1 = sim.rng.int(0, masters - 1);
    const v2 = (v1 + 1) % masters;
    sim.kill(v1);
    sim.runFor(sim.rng.int(0, 4000));
    sim.kill(v2);
    assert.ok(
      sim.waitFor(() => promoted(v1) && promoted(v2) && sim.converged(), 40000),
      `seed ${seed}: both replaced`,
    );
    sim.restart(v1);
    sim.restart(v2);
    assert.ok(
      sim.waitFor(
        () =>
          sim.nodes[v1].core.myself.isReplica &&
          sim.nodes[v2].core.myself.isReplica &&
          sim.converged() &&
          oneMasterPerSlot(sim),
        40000,
      ),
      `seed ${seed}: both old masters are replicas`,
    );
    assert.equal(clash, null, `seed ${seed}`);
    assert.equal(slotTableViolation(sim), null, `seed ${seed}`);
  }
});

test('a replica whose data is too old does not fail over unless the validity factor is 0', () => {
  const seed = ONLY ? Number(ONLY) : 91;
  const sim = new SimCluster({ seed, nodes: 6, masters: 3, nodeTimeout: 1000 });
  formWithReplicas(sim, 3);
  const env = sim.nodes[3].core.env as {
    masterDataAge: () => number;
    settings: () => ReturnType<SimCluster['settings']>;
  };
  // Disconnected for an hour: far over 10 s + 10 * node timeout.
  env.masterDataAge = () => 3_600_000;
  sim.kill(0);
  sim.runFor(10000);
  assert.ok(sim.nodes[3].core.myself.isReplica);
  assert.ok(
    sim.logs.some(
      (l) =>
        l.node === 3 &&
        l.text ===
          "Currently unable to failover: Disconnected from master for longer than allowed. Please check the 'cluster-replica-validity-factor' configuration option.",
    ),
  );
  assert.equal(sim.nodes[1].core.state, 'fail');
  env.settings = () => ({ ...sim.settings(), replicaValidityFactor: 0 });
  assert.ok(
    sim.waitFor(() => sim.nodes[3].core.myself.isMaster && sim.converged(), 10000),
    'with factor 0 the replica takes over',
  );
});

test('a vote and an election epoch are fsynced to nodes.conf before their packets leave', () => {
  // Within each batch of effects a core hands over, the fsynced save must come before any
  // AUTH_REQUEST or AUTH_ACK: a node that crashes between them must not vote twice in an epoch
  // or reuse an epoch after its restart.
  let checked = 0;
  const late: string[] = [];
  const sim = new SimCluster({
    seed: 11,
    nodes: 6,
    masters: 3,
    nodeTimeout: 1000,
    configureCore: (core) => {
      const take = core.takeEffects.bind(core);
      core.takeEffects = () => {
        const batch = take();
        let saved = false;
        for (const e of batch) {
          if (e.kind === 'save' && e.fsync) saved = true;
          if (e.kind !== 'send' || e.data.length < 14) continue;
          const type = e.data.readUInt16BE(12);
          if (type !== MsgType.AUTH_REQUEST && type !== MsgType.AUTH_ACK) continue;
          checked++;
          if (!saved) late.push(`${core.myself.id} sent type ${type} before saving`);
        }
        return batch;
      };
    },
  });
  formWithReplicas(sim, 3);
  sim.kill(0);
  assert.ok(sim.waitFor(() => sim.nodes.some((n, i) => i > 2 && n.core.myself.isMaster), 20000));
  assert.ok(checked >= 3, `only ${checked} requests and votes seen`);
  assert.deepEqual(late, []);
});
