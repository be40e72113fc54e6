/**
 * Invariants of a simulated cluster, checked by the fault schedules and the failover tests.
 */
import { SLOT_BYTES } from '../cluster/bus/codec.js';
import { bitCount, type ClusterNode } from '../cluster/core/node.js';
import { SLOTS } from '../cluster/core/cluster.js';
import type { SimCluster, SimNode } from './cluster-sim.js';

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
    for (let s = 0; s < SLOTS; s++) {
      if (!me.ownsSlot(s)) continue;
      if (claims.has(s)) return false;
      claims.set(s, n);
    }
  }
  if (claims.size !== SLOTS) return false;
  for (const n of live) {
    for (let s = 0; s < SLOTS; s += 97) {
      if (n.core.slots[s]?.id !== claims.get(s)!.core.myself.id) return false;
    }
  }
  return true;
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
