/**
 * Mass failure: 128 masters with one replica each (256 nodes); 63 masters die at the same
 * instant, leaving exactly a quorum of 65 voters. Every run must recover: every slot served by
 * exactly one live master that all live nodes agree on, cluster_state ok everywhere, and never
 * two masters claiming one slot with the same configEpoch. Messages travel as objects (the
 * codec is covered by the other simulator tests) and nodes.conf is not written, to keep a run
 * affordable. Even so a 256-node run costs minutes of CPU, so CI runs 3 seeds of 32 masters
 * (15 killed); SIM_MASS_MASTERS=128 gives the full scenario, SIM_MASS_SEEDS the seed count,
 * SIM_MASS_NT the node timeout (ms) and SIM_SEED one seed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimCluster } from '../../src/sim/cluster-sim.js';
import { oneMasterPerSlot, sameEpochClash, slotTableViolation } from '../../src/sim/invariants.js';

const MASTERS = Number(process.env.SIM_MASS_MASTERS ?? 32);
const NT = Number(process.env.SIM_MASS_NT ?? 1000);
const KILLED = Math.floor((MASTERS - 1) / 2);
const SEEDS = process.env.SIM_SEED
  ? [Number(process.env.SIM_SEED)]
  : Array.from({ length: Number(process.env.SIM_MASS_SEEDS ?? 3) }, (_, i) => 900 + i);

test(`${KILLED} of ${MASTERS} masters killed at once: every shard recovers`, (t) => {
  for (const seed of SEEDS) {
    const sim = new SimCluster({
      seed,
      nodes: 2 * MASTERS,
      masters: MASTERS,
      nodeTimeout: NT,
      decoded: true,
      persist: false,
    });
    sim.formFromConfig((i) => (i < MASTERS ? null : i - MASTERS));
    // Polled every 200 virtual ms: converged() is quadratic in the node count.
    let formed = false;
    for (let i = 0; i < 100 && !formed; i++) {
      sim.runFor(200);
      formed = sim.converged();
    }
    assert.ok(formed, `seed ${seed}: formed`);
    // Victims spread over the id space and the slot range.
    const all = Array.from({ length: MASTERS }, (_, i) => i);
    const victims: number[] = [];
    while (victims.length < KILLED) {
      const i = sim.rng.int(0, all.length - 1);
      victims.push(all.splice(i, 1)[0]);
    }
    const from = sim.logs.length;
    const killedAt = sim.now;
    for (const v of victims) sim.kill(v);
    let clash: string | null = null;
    let recovered = false;
    // Checked every 500 virtual ms: the full slot check is too costly per event at this size.
    while (!recovered && sim.now - killedAt < 60000 + 10 * NT) {
      sim.runFor(500);
      clash ??= sameEpochClash(sim);
      recovered =
        victims.every((v) => sim.nodes[v + MASTERS].core.myself.isMaster) &&
        sim.nodes.every((n) => !n.alive || n.core.state === 'ok') &&
        oneMasterPerSlot(sim);
    }
    const starts = sim.logs
      .slice(from)
      .filter((l) => l.text.startsWith('Starting a failover election')).length;
    t.diagnostic(
      `seed ${seed}: recovered=${recovered} in ${sim.now - killedAt} virtual ms, ${starts} elections for ${KILLED} failed masters`,
    );
    assert.ok(recovered, `seed ${seed}: recovered`);
    assert.equal(clash, null, `seed ${seed}`);
    assert.equal(slotTableViolation(sim), null, `seed ${seed}`);
  }
});
