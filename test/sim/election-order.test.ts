/**
 * Elections when several masters fail: ordering by failed-master rank (no vote splitting, so
 * no retries), the retry timer reset once a sibling won, and the replica rank by offset.
 * SIM_SEEDS raises the seed counts; SIM_SEED replays one seed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimCluster } from '../../src/sim/cluster-sim.js';
import { NodeFlag } from '../../src/cluster/core/node.js';
import { oneMasterPerSlot } from '../../src/sim/invariants.js';
import { formAndAttach, formWithReplicas, seedList } from './helpers.js';

const ELECTION_START = 'Starting a failover election for epoch ';

interface Outcome {
  recovered: boolean;
  /** Elections started (each consumes an epoch); the killed count when nobody had to retry. */
  attempts: number;
}

/** `masters` masters with one replica each; kill `killed` of them at one instant. */
function massKill(seed: number, masters: number, killed: number, ordered: boolean): Outcome {
  const sim = new SimCluster({
    seed,
    nodes: 2 * masters,
    masters,
    nodeTimeout: 1000,
    persist: false,
    configureCore: (c) => {
      c.election.ordered = ordered;
    },
  });
  sim.formFromConfig((i) => (i < masters ? null : i - masters));
  assert.ok(
    sim.waitFor(() => sim.converged(), 20000),
    `seed ${seed}: formed`,
  );
  const victims = Array.from({ length: killed }, (_, k) => (k * 2) % masters);
  const from = sim.logs.length;
  for (const v of victims) sim.kill(v);
  const recovered = sim.waitFor(
    () =>
      victims.every((v) => sim.nodes[v + masters].core.myself.isMaster) &&
      sim.nodes.every((n) => !n.alive || n.core.state === 'ok') &&
      oneMasterPerSlot(sim),
    60000,
  );
  const attempts = sim.logs.slice(from).filter((l) => l.text.startsWith(ELECTION_START)).length;
  return { recovered, attempts };
}

test('masters failing together: ordered elections need no retries, unordered ones split votes', (t) => {
  const seeds = seedList(6, 800);
  const [masters, killed] = [20, 9];
  let ordered = 0;
  let unordered = 0;
  for (const seed of seeds) {
    const o = massKill(seed, masters, killed, true);
    assert.ok(o.recovered, `seed ${seed}: ordered run recovered`);
    ordered += o.attempts;
    const u = massKill(seed, masters, killed, false);
    assert.ok(u.recovered, `seed ${seed}: unordered run recovered`);
    unordered += u.attempts;
  }
  t.diagnostic(
    `${seeds.length} seeds x ${killed} failed masters: ${ordered} elections ordered, ${unordered} unordered`,
  );
  // One election per failed master, with slack for a rare same-window overlap.
  assert.ok(ordered <= seeds.length * killed + 1, `ordered elections: ${ordered}`);
});

test('the election delay line names the failed-master rank only when another shard goes first', () => {
  const seed = Number(process.env.SIM_SEED ?? 820);
  const sim = new SimCluster({ seed, nodes: 10, masters: 5, nodeTimeout: 1000 });
  formWithReplicas(sim, 5);
  const from = sim.logs.length;
  sim.kill(0);
  sim.kill(1);
  assert.ok(
    sim.waitFor(
      () => sim.nodes[5].core.myself.isMaster && sim.nodes[6].core.myself.isMaster,
      30000,
    ),
  );
  const lines = sim.logs.slice(from).filter((l) => l.text.startsWith('Start of election delayed'));
  const id0 = sim.nodes[0].core.myself.id;
  const id1 = sim.nodes[1].core.myself.id;
  // The replica of the larger-id master waits for the other shard when it sees both FAIL.
  const second = id0 < id1 ? 6 : 5;
  const first = second === 6 ? 5 : 6;
  assert.ok(lines.some((l) => l.node === first) && lines.some((l) => l.node === second));
  const redisLine = /^Start of election delayed for \d+ milliseconds \(rank #0, offset 0\)\.$/;
  for (const l of lines.filter((x) => x.node === first)) assert.match(l.text, redisLine);
  for (const l of lines.filter((x) => x.node === second)) {
    assert.match(
      l.text,
      /^Start of election delayed for \d+ milliseconds \(rank #0(, failed master rank #1)?, offset 0\)\.$/,
    );
  }
});

test('after a sibling won, a failure of the new master starts an election at once', () => {
  for (const seed of seedList(4, 840)) {
    const sim = new SimCluster({ seed, nodes: 9, masters: 3, nodeTimeout: 1000 });
    formWithReplicas(sim, 3);
    const [r1, r2] = [sim.nodes[3], sim.nodes[6]];
    sim.kill(0);
    assert.ok(
      sim.waitFor(() => r1.core.myself.isMaster || r2.core.myself.isMaster, 20000),
      `seed ${seed}: a replica of node 0 won`,
    );
    const winner = r1.core.myself.isMaster ? r1 : r2;
    const sibling = winner === r1 ? r2 : r1;
    assert.ok(
      sim.waitFor(
        () => sibling.core.myself.slaveof === sibling.core.lookup(winner.core.myself.id),
        5000,
      ),
      `seed ${seed}: the sibling follows the winner`,
    );
    // Kill the winner at once: its FAIL comes well within auth_retry_time of the sibling's
    // previous election schedule, which without the reset would hold the new election back.
    const wid = winner.core.myself.id;
    sim.kill(winner.index);
    const from = sim.logs.length;
    assert.ok(
      sim.waitFor(() => sibling.core.myself.isMaster, 20000),
      `seed ${seed}: the sibling replaced the new master`,
    );
    const mine = sim.logs.slice(from).filter((l) => l.node === sibling.index);
    const failSeen = mine.find(
      (l) =>
        l.text === `Marking node ${wid} as failing (quorum reached).` ||
        (l.text.startsWith('FAIL message received from') && l.text.endsWith(wid)),
    );
    const scheduled = mine.find((l) => l.text.startsWith('Start of election delayed'));
    assert.ok(failSeen && scheduled, `seed ${seed}: logs`);
    assert.ok(
      scheduled.at - failSeen.at <= 200,
      `seed ${seed}: election scheduled ${scheduled.at - failSeen.at} ms after FAIL`,
    );
    assert.ok(
      !mine.some((l) => l.text === 'Currently unable to failover: Failover attempt expired.'),
    );
  }
});

test('among three replicas the best offset wins; equal offsets go to the smaller id', () => {
  for (const seed of seedList(6, 860)) {
    // Master 0 with replicas 3, 4, 5; masters 1 and 2 with none.
    const sim = new SimCluster({ seed, nodes: 6, masters: 3, nodeTimeout: 1000 });
    formAndAttach(sim, (i) => (i < 3 ? null : 0));
    const reps = [3, 4, 5].map((i) => sim.nodes[i]);
    const tie = seed % 2 === 0;
    // Odd seeds: distinct offsets with the best one on a random replica. Even seeds: the two
    // best share an offset, and the smaller id of those two must win.
    const order = [...reps].sort(() => sim.rng.next() - 0.5);
    order[0].offset = 5000;
    order[1].offset = tie ? 5000 : 3000;
    order[2].offset = 1000;
    const best = tie
      ? order[0].core.myself.id < order[1].core.myself.id
        ? order[0]
        : order[1]
      : order[0];
    sim.runFor(2000);
    sim.kill(0);
    assert.ok(
      sim.waitFor(() => reps.some((r) => r.core.myself.isMaster) && sim.converged(), 20000),
      `seed ${seed}: a replica won`,
    );
    assert.ok(best.core.myself.isMaster, `seed ${seed}: node ${best.index} should have won`);
    for (const r of reps) {
      if (r !== best) assert.equal(r.core.myself.slaveof?.id, best.core.myself.id);
      assert.ok(!r.core.myself.has(NodeFlag.FAIL));
    }
    const line = sim.logs.find(
      (l) => l.node === best.index && l.text.startsWith('Start of election delayed'),
    );
    assert.match(line!.text, /\(rank #0, offset 5000\)\.$/);
  }
});
