/**
 * Replica migration on the simulated network: master 0 has two replicas (nodes 3 and 4), master
 * 1 one (node 5), master 2 none. When node 5 dies, master 1 is orphaned, and after it has been
 * orphaned for 5 s the replica of master 0 with the smaller id moves to it, unless the barrier or
 * cluster-allow-replica-migration forbids it (both read at every cron tick).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimCluster } from '../../src/sim/cluster-sim.js';
import { NodeFlag } from '../../src/cluster/core/node.js';
import { setSlot } from '../../src/cluster/core/admin.js';
import { formAndAttach, seedList } from './helpers.js';

const MASTER_OF = [null, null, null, 0, 0, 1];

function setup(seed: number): SimCluster {
  const sim = new SimCluster({ seed, nodes: 6, masters: 3, nodeTimeout: 1000 });
  formAndAttach(sim, (i) => MASTER_OF[i]);
  return sim;
}

/** When every live node sees node 5 as FAIL (the orphan clock cannot start earlier). */
function waitReplicaFail(sim: SimCluster): number {
  const id = sim.nodes[5].core.myself.id;
  assert.ok(
    sim.waitFor(
      () => sim.nodes.every((n) => !n.alive || n.core.lookup(id)!.has(NodeFlag.FAIL)),
      10000,
    ),
    'node 5 is FAIL everywhere',
  );
  return sim.now;
}

function migrations(sim: SimCluster): { node: number; at: number; text: string }[] {
  return sim.logs.filter((l) => l.text.startsWith('Migrating to orphaned master '));
}

test('the smaller-id replica of the best-covered master migrates to the orphaned master', () => {
  for (const seed of seedList(6, 700)) {
    const sim = setup(seed);
    const [a, b] = [sim.nodes[3], sim.nodes[4]];
    const chosen = a.core.myself.id < b.core.myself.id ? a : b;
    const other = chosen === a ? b : a;
    const orphanId = sim.nodes[1].core.myself.id;
    sim.kill(5);
    const failAt = waitReplicaFail(sim);
    assert.ok(
      sim.waitFor(() => chosen.core.myself.slaveof?.id === orphanId, 15000),
      `seed ${seed}: node ${chosen.index} migrated`,
    );
    const m = migrations(sim);
    assert.equal(m.length, 1, `seed ${seed}: exactly one migration`);
    assert.equal(m[0].node, chosen.index);
    assert.equal(m[0].text, `Migrating to orphaned master ${orphanId}`);
    // The orphan must have been seen orphaned for more than 5 s first.
    assert.ok(m[0].at - failAt > 5000, `seed ${seed}: migrated ${m[0].at - failAt} ms after FAIL`);
    // Everybody learns the new role; the other replica stays where it was.
    assert.ok(
      sim.waitFor(
        () =>
          sim.nodes.every(
            (n) => !n.alive || n.core.lookup(chosen.core.myself.id)?.slaveof?.id === orphanId,
          ),
        5000,
      ),
      `seed ${seed}: the new role spread`,
    );
    sim.runFor(8000);
    assert.equal(migrations(sim).length, 1, `seed ${seed}: nobody else moved`);
    assert.equal(other.core.myself.slaveof?.id, sim.nodes[0].core.myself.id);
  }
});

test('cluster-migration-barrier 2 keeps both replicas home until lowered at runtime', () => {
  const seed = Number(process.env.SIM_SEED ?? 710);
  const sim = setup(seed);
  for (const i of [3, 4]) sim.nodes[i].overrides.migrationBarrier = 2;
  sim.kill(5);
  waitReplicaFail(sim);
  sim.runFor(10000);
  assert.equal(migrations(sim).length, 0, 'the barrier prevents migration');
  const lowered = sim.now;
  for (const i of [3, 4]) sim.nodes[i].overrides.migrationBarrier = 1;
  assert.ok(
    sim.waitFor(() => migrations(sim).length === 1, 8000),
    'with barrier 1 a replica moves',
  );
  // The orphan clock only runs while a migration is possible: 5 s more from the change.
  assert.ok(migrations(sim)[0].at - lowered > 5000);
});

test('cluster-allow-replica-migration no prevents migration until set back to yes', () => {
  const seed = Number(process.env.SIM_SEED ?? 720);
  const sim = setup(seed);
  for (const i of [3, 4]) sim.nodes[i].overrides.allowReplicaMigration = false;
  sim.kill(5);
  waitReplicaFail(sim);
  sim.runFor(10000);
  assert.equal(migrations(sim).length, 0, 'migration is disabled');
  const allowed = sim.now;
  for (const i of [3, 4]) sim.nodes[i].overrides.allowReplicaMigration = true;
  assert.ok(
    sim.waitFor(() => migrations(sim).length === 1, 8000),
    'migrates once allowed',
  );
  assert.ok(migrations(sim)[0].at - allowed > 5000);
});

test('a master that never had replicas is no migration target', () => {
  const seed = Number(process.env.SIM_SEED ?? 730);
  const sim = setup(seed);
  // Master 2 never had a replica: no MIGRATE_TO, so a healthy cluster sees no orphan.
  sim.runFor(10000);
  assert.equal(migrations(sim).length, 0);
  assert.ok(!sim.nodes[3].core.lookup(sim.nodes[2].core.myself.id)!.has(NodeFlag.MIGRATE_TO));
});

/**
 * Resharding all of master 0's slots to master 1 (SETSLOT IMPORTING + NODE on 1, SETSLOT NODE
 * on 0). With replica migration allowed, the emptied master and its replica follow master 1;
 * with it disabled both stay where they are (master 1 also claims slots that never were 0's).
 */
function reshardAway(sim: SimCluster): void {
  const from = sim.nodes[0];
  const to = sim.nodes[1];
  const slots: number[] = [];
  for (let s = 0; s < 16384; s++) if (from.core.myself.ownsSlot(s)) slots.push(s);
  const fromId = from.core.myself.id;
  const toId = to.core.myself.id;
  // Only the last move goes through IMPORTING, so master 1 bumps its epoch and broadcasts once.
  for (const [k, s] of slots.entries()) {
    if (k === slots.length - 1) {
      sim.input(to, (c) => assert.equal(setSlot(c, s, { action: 'importing', id: fromId }), null));
    }
    sim.input(to, (c) => assert.equal(setSlot(c, s, { action: 'node', id: toId }), null));
    sim.input(from, (c) => assert.equal(setSlot(c, s, { action: 'node', id: toId }), null));
  }
}

for (const allow of [true, false]) {
  test(`an emptied master and its replica ${allow ? 'follow' : 'stay put with'} cluster-allow-replica-migration ${allow ? 'yes' : 'no'}`, () => {
    const seed = Number(process.env.SIM_SEED ?? 740);
    const sim = new SimCluster({ seed, nodes: 4, masters: 2, nodeTimeout: 1000 });
    formAndAttach(sim, (i) => (i === 2 ? 0 : i === 3 ? 1 : null));
    for (const n of sim.nodes) n.overrides.allowReplicaMigration = allow;
    const toId = sim.nodes[1].core.myself.id;
    reshardAway(sim);
    sim.runFor(5000);
    const [oldMaster, itsReplica] = [sim.nodes[0].core.myself, sim.nodes[2].core.myself];
    assert.equal(oldMaster.numslots, 0);
    if (allow) {
      assert.equal(oldMaster.slaveof?.id, toId);
      assert.equal(itsReplica.slaveof?.id, toId);
      assert.ok(
        sim.logs.some(
          (l) =>
            l.node === 2 &&
            l.text ===
              `Configuration change detected. Reconfiguring myself as a replica of ${toId}`,
        ),
      );
    } else {
      assert.ok(oldMaster.isMaster);
      assert.equal(itsReplica.slaveof?.id, oldMaster.id);
    }
    assert.ok(sim.waitFor(() => sim.converged(), 5000));
  });
}
