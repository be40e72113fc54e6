/**
 * --cluster fix (cluster-admin.md §4): the check, then repairs of open slots (cases 1, 2 and 4
 * of redis-cli) and of uncovered slots. Multiple-owner repair is not implemented.
 */
import { type ClusterNode, loadCluster } from './node.js';
import { ask, error, info, out, warn } from './log.js';
import { checkCluster } from './check.js';
import { moveSlot, type MoveOptions } from './move.js';
import type { ManagerOptions } from './ops.js';

async function countKeys(n: ClusterNode, slot: number): Promise<number> {
  const r = await n.call('CLUSTER', 'COUNTKEYSINSLOT', String(slot));
  return r.t === 'int' ? Number(r.s) : 0;
}

/** §2.6: claim a slot on one node in a transaction. */
async function claim(n: ClusterNode, slot: number, clear: boolean): Promise<void> {
  const s = String(slot);
  await n.call('MULTI');
  await n.call('CLUSTER', 'DELSLOTS', s);
  await n.call('CLUSTER', 'ADDSLOTS', s);
  if (clear) await n.call('CLUSTER', 'SETSLOT', s, 'STABLE');
  await n.call('CLUSTER', 'BUMPEPOCH');
  const r = await n.call('EXEC');
  if (r.t === 'array' && r.items[1]?.t === 'error') throw new Error(r.items[1].s);
  n.slots.add(slot);
}

async function fixOpenSlot(
  masters: ClusterNode[],
  slot: number,
  mo: MoveOptions,
): Promise<boolean> {
  info(`>>> Fixing open slot ${slot}`);
  let owner = masters.find((m) => m.slots.has(slot)) ?? null;
  const migrating = masters.filter((m) => m.migrating.has(slot));
  const importing = masters.filter((m) => m.importing.has(slot));
  for (const m of masters) {
    if (m === owner || migrating.includes(m) || importing.includes(m)) continue;
    if ((await countKeys(m, slot)) > 0) {
      warn(`*** Found keys about slot ${slot} in node ${m.addr}!`);
      importing.push(m);
    }
  }
  if (migrating.length) out(`Set as migrating in: ${migrating.map((m) => m.addr).join(',')}\n`);
  if (importing.length) out(`Set as importing in: ${importing.map((m) => m.addr).join(',')}\n`);
  if (!owner) {
    info('>>> No single clear owner for the slot, selecting an owner by # of keys...');
    let best = -1;
    for (const m of masters) {
      const k = await countKeys(m, slot);
      if (k > best) {
        best = k;
        owner = m;
      }
    }
    if (!owner) {
      error("[ERR] Can't select a slot owner. Impossible to fix.");
      return false;
    }
    warn(`*** Configuring ${owner.addr} as the slot owner`);
    await owner.must('CLUSTER', 'SETSLOT', String(slot), 'STABLE');
    await claim(owner, slot, false);
  }
  if (migrating.length === 1 && importing.length === 1) {
    info(`>>> Case 1: Moving slot ${slot} from ${migrating[0].addr} to ${importing[0].addr}`);
    await moveSlot(migrating[0], importing[0], slot, masters, mo);
    return true;
  }
  if (migrating.length === 0 && importing.length > 0) {
    info(`>>> Case 2: Moving all the ${slot} slot keys to its owner ${owner.addr}`);
    for (const n of importing) {
      if (n === owner) continue;
      await moveSlot(n, owner, slot, masters, { ...mo, verbose: false });
      info(`>>> Setting ${slot} as STABLE in ${n.addr}`);
      await n.must('CLUSTER', 'SETSLOT', String(slot), 'STABLE');
    }
    return true;
  }
  if (importing.length === 0 && migrating.length === 1) {
    info(`>>> Case 4: Closing slot ${slot} on ${migrating[0].addr}`);
    await migrating[0].must('CLUSTER', 'SETSLOT', String(slot), 'STABLE');
    return true;
  }
  error(
    `[ERR] Sorry, keyshard-cli can't fix this slot yet (work in progress). Slot is set as migrating in ${migrating.map((m) => m.addr).join(',')}, as importing in ${importing.map((m) => m.addr).join(',')}, owner is ${owner.addr}`,
  );
  return false;
}

async function fixCoverage(masters: ClusterNode[], uncovered: number[]): Promise<void> {
  info('>>> Fixing slots coverage...');
  const none: number[] = [];
  const single = new Map<number, ClusterNode>();
  for (const s of uncovered) {
    const holders: ClusterNode[] = [];
    for (const m of masters) if ((await countKeys(m, s)) > 0) holders.push(m);
    if (holders.length === 0) none.push(s);
    else single.set(s, holders[0]);
  }
  if (none.length) {
    out('The following uncovered slots have no keys across the cluster:\n');
    const a = await ask("Fix these slots by covering with a random node? (type 'yes' to accept): ");
    if (a?.trim() !== 'yes') return;
    for (const s of none) {
      const m = masters[Math.floor(Math.random() * masters.length)];
      info(`>>> Covering slot ${s} with ${m.addr}`);
      await claim(m, s, false);
    }
  }
  if (single.size) {
    out('The following uncovered slots have keys in just one node:\n');
    const a = await ask("Fix these slots by covering with those nodes? (type 'yes' to accept): ");
    if (a?.trim() !== 'yes') return;
    for (const [s, m] of single) {
      info(`>>> Covering slot ${s} with ${m.addr}`);
      await claim(m, s, false);
    }
  }
}

export async function clusterFix(host: string, port: number, o: ManagerOptions): Promise<number> {
  const { nodes } = await loadCluster(host, port, o.auth);
  try {
    const chk = await checkCluster(nodes, false);
    const masters = nodes.filter((n) => !n.isReplica);
    const mo: MoveOptions = {
      timeout: o.timeout,
      pipeline: o.pipeline,
      replace: o.replace,
      auth: o.auth,
      verbose: true,
    };
    let ok = true;
    for (const s of chk.openSlots) if (!(await fixOpenSlot(masters, s, mo))) ok = false;
    if (chk.uncovered.length) await fixCoverage(masters, chk.uncovered);
    return ok ? 0 : 1;
  } finally {
    for (const n of nodes) n.close();
  }
}
