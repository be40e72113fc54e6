/** Shared setup and invariants of the failover simulator tests. */
import assert from 'node:assert/strict';
import type { SimCluster } from '../../src/sim/cluster-sim.js';

/** Forms the cluster, then makes node i a replica of node masterOf(i) (skipped when null). */
export function formAndAttach(sim: SimCluster, masterOf: (i: number) => number | null): void {
  sim.form();
  assert.ok(
    sim.waitFor(() => sim.converged(), 30000 + sim.nodes.length * 500),
    'cluster formed',
  );
  assert.ok(
    sim.attachReplicas(masterOf, 20000 + sim.nodes.length * 200),
    'replicas known everywhere',
  );
}

/** Nodes 0..masters-1 own slots; every other node replicates master (i % masters). */
export function formWithReplicas(sim: SimCluster, masters: number): void {
  formAndAttach(sim, (i) => (i < masters ? null : i % masters));
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
