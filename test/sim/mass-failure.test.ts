/**
 * Mass failure: 128 masters with one replica each (256 nodes); 63 masters die at the same
 * instant, leaving exactly a quorum of 65 voters. Every run must recover: every slot served by
 * exactly one live master that all live nodes agree on, cluster_state ok everywhere, and never
 * two masters claiming one slot with the same configEpoch. Messages travel as objects (the
 * codec is covered by the other simulator tests) and nodes.conf is not written, to keep a run
 * affordable. SIM_MASS_SEEDS sets the seed count (default 1), SIM_MASS_MASTERS the size.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimCluster } from '../../src/sim/cluster-sim.js';
import { oneMasterPerSlot, sameEpochClash } from './helpers.js';

const MASTERS = Number(process.env.SIM_MASS_MASTERS ?? 128);
const KILLED = Math.floor((MASTERS - 1) / 2);
const SEEDS = process.env.SIM_SEED
  ? [Number(process.env.SIM_SEED)]
  : Array.from({ length: Number(process.env.SIM_MASS_SEEDS ?? 1) }, (_, i) => 900 + i);

test(`${KILLED} of ${MASTERS} masters killed at once: every shard recovers`, (t) => {
  for (const seed of SEEDS) {
    const sim = new SimCluster({
      seed,
      nodes: 2 * MASTERS,
      masters: MASTERS,
      nodeTimeout: 1000,
      decoded: true,
      persist: false,
    });
    sim.formFromConfig((i) => (i < MASTERS ? null : i - MASTERS));
    assert.ok(
      sim.waitFor(() => sim.converged(), 20000),
      `seed ${seed}: formed`,
    );
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
    while (!recovered && sim.now - killedAt < 120000) {
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
  }
});
