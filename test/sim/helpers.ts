/** Shared setup and invariants of the failover simulator tests. */
import assert from 'node:assert/strict';
import type { SimCluster, SimNode } from '../../src/sim/cluster-sim.js';
import { SLOT_BYTES } from '../../src/cluster/bus/codec.js';

/** Forms the cluster, then makes node i a replica of node masterOf(i) (skipped when null). */
export function formAndAttach(sim: SimCluster, masterOf: (i: number) => number | null): void {
  sim.form();
  assert.ok(
    sim.waitFor(() => sim.converged(), 30000 + sim.nodes.length * 500),
    'cluster formed',
  );
  sim.nodes.forEach((n, i) => {
    const m = masterOf(i);
    if (m === null) return;
    const masterId = sim.nodes[m].core.myself.id;
    sim.input(n, (c) => c.setMyMaster(c.lookup(masterId)!));
  });
  const attached = (): boolean =>
    sim.nodes.every((n, i) => {
      const m = masterOf(i);
      if (m === null) return true;
      const masterId = sim.nodes[m].core.myself.id;
      return sim.nodes.every((o) => o.core.lookup(n.core.myself.id)?.slaveof?.id === masterId);
    });
  assert.ok(sim.waitFor(attached, 20000 + sim.nodes.length * 200), 'replicas known everywhere');
}

/** Nodes 0..masters-1 own slots; every other node replicates master (i % masters). */
export function formWithReplicas(sim: SimCluster, masters: number): void {
  formAndAttach(sim, (i) => (i < masters ? null : i % masters));
}

/** Two live masters claiming a common slot with the same configEpoch: the forbidden state. */
export function sameEpochClash(sim: SimCluster): string | null {
  const masters = sim.nodes.filter(
    (n) => n.alive && n.core.myself.isMaster && n.core.myself.numslots,
  );
  const byEpoch = new Map<number, SimNode[]>();
  for (const n of masters) {
    const e = n.core.myself.configEpoch;
    byEpoch.set(e, [...(byEpoch.get(e) ?? []), n]);
  }
  for (const [epoch, same] of byEpoch) {
    for (let a = 0; a < same.length; a++) {
      for (let b = a + 1; b < same.length; b++) {
        const x = same[a].core.myself;
        const y = same[b].core.myself;
        for (let i = 0; i < SLOT_BYTES; i++) {
          if (x.slots[i] & y.slots[i]) {
            return `nodes ${same[a].index} and ${same[b].index} both claim slot byte ${i} with epoch ${epoch}`;
          }
        }
      }
    }
  }
  return null;
}

/** Every slot claimed by exactly one live master, and every live node agrees on the owner. */
export function oneMasterPerSlot(sim: SimCluster): boolean {
  const live = sim.nodes.filter((n) => n.alive);
  const claims = new Map<number, SimNode>();
  for (const n of live) {
    const me = n.core.myself;
    if (!me.isMaster) continue;
    for (let s = 0; s < 16384; s++) {
      if (!me.ownsSlot(s)) continue;
      if (claims.has(s)) return false;
      claims.set(s, n);
    }
  }
  if (claims.size !== 16384) return false;
  for (const n of live) {
    for (let s = 0; s < 16384; s += 97) {
      if (n.core.slots[s]?.id !== claims.get(s)!.core.myself.id) return false;
    }
  }
  return true;
}

export function logged(sim: SimCluster, node: number, text: string, since: number): boolean {
  return sim.logs.some((l) => l.node === node && l.at >= since && l.text.includes(text));
}

/** Seeds to run: SIM_SEED replays one, SIM_SEEDS overrides the count. */
export function seedList(count: number, base: number): number[] {
  if (process.env.SIM_SEED) return [Number(process.env.SIM_SEED)];
  const n = process.env.SIM_SEEDS ? Number(process.env.SIM_SEEDS) : count;
  return Array.from({ length: n }, (_, i) => base + i);
}
