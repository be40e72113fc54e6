/**
 * The state changes behind the CLUSTER admin subcommands (MEET, FORGET, ADDSLOTS, DELSLOTS,
 * FLUSHSLOTS, SETSLOT, RESET, SET-CONFIG-EPOCH, BUMPEPOCH). Argument parsing and reply formats
 * are in src/commands/cluster.ts; these return an error text (without the `ERR ` prefix) or null.
 */
import { ClusterNode, NodeFlag } from './node.js';
import { SLOTS, type ClusterCore } from './cluster.js';

/** clusterStartHandshake; the caller has validated the address. A pending handshake is kept. */
export function startHandshake(core: ClusterCore, ip: string, port: number, cport: number): void {
  for (const n of core.nodes.values()) {
    if (n.has(NodeFlag.HANDSHAKE) && n.ip === ip && n.port === port && n.cport === cport) return;
  }
  const n = new ClusterNode(core.randomId(), NodeFlag.HANDSHAKE | NodeFlag.MEET, core.now());
  n.ip = ip;
  n.port = port;
  n.cport = cport;
  core.addNode(n);
  core.todo(true, false);
}

/** ADDSLOTS / DELSLOTS over already-parsed slots. */
export function changeSlots(core: ClusterCore, slots: number[], add: boolean): string | null {
  const seen = new Set<number>();
  for (const s of slots) {
    if (add && core.slots[s]) return `Slot ${s} is already busy`;
    if (!add && !core.slots[s]) return `Slot ${s} is already unassigned`;
    if (seen.has(s)) return `Slot ${s} specified multiple times`;
    seen.add(s);
  }
  for (const s of slots) {
    if (add) {
      core.importingFrom.delete(s);
      core.addSlot(core.myself, s);
    } else {
      core.delSlot(s);
    }
  }
  core.todo(true, true);
  return null;
}

export function flushSlots(core: ClusterCore): void {
  core.delNodeSlots(core.myself);
  core.todo(true, true);
}

export function forget(core: ClusterCore, id: string): string | null {
  const n = core.lookup(id);
  if (!n) return `Unknown node ${id}`;
  if (n === core.myself) return "I tried hard but I can't forget myself...";
  if (core.myself.isReplica && core.myself.slaveof === n) return "Can't forget my master!";
  core.blacklistAdd(id);
  core.deleteNode(n);
  core.todo(true, true);
  return null;
}

export function setConfigEpoch(core: ClusterCore, epoch: number): string | null {
  if (core.nodes.size > 1) {
    return 'The user can assign a config epoch only when the node does not know any other node.';
  }
  if (core.myself.configEpoch !== 0) return 'Node config epoch is already non-zero';
  core.myself.configEpoch = epoch;
  core.log('warning', `configEpoch set to ${epoch} via CLUSTER SET-CONFIG-EPOCH`);
  if (core.currentEpoch < epoch) core.currentEpoch = epoch;
  core.todo(true, true);
  return null;
}

/** CLUSTER RESET: the caller has checked there are no keys on a master. */
export function reset(core: ClusterCore, hard: boolean): void {
  const me = core.myself;
  if (me.isReplica) core.setNodeAsMaster(me);
  core.migratingTo.clear();
  core.importingFrom.clear();
  for (let j = 0; j < SLOTS; j++) core.delSlot(j);
  for (const n of [...core.nodes.values()]) if (n !== me) core.deleteNode(n);
  if (hard) {
    core.currentEpoch = 0;
    core.lastVoteEpoch = 0;
    me.configEpoch = 0;
    core.log('warning', 'configEpoch set to 0 via CLUSTER RESET HARD');
    core.renameNode(me, core.randomId());
    core.log('notice', `Node hard reset, now I'm ${me.id}`);
  }
  core.todo(true, true, true);
}

export type SetSlotAction =
  { action: 'migrating' | 'importing' | 'node'; id: string } | { action: 'stable' };

/** CLUSTER SETSLOT (the caller has checked that I am a master and parsed the slot). */
export function setSlot(core: ClusterCore, slot: number, a: SetSlotAction): string | null {
  const me = core.myself;
  if (a.action === 'stable') {
    core.migratingTo.delete(slot);
    core.importingFrom.delete(slot);
    core.todo(true, true);
    return null;
  }
  const n = core.lookup(a.id);
  if (a.action === 'migrating' || a.action === 'importing') {
    if (a.action === 'migrating' && core.slots[slot] !== me) {
      return `I'm not the owner of hash slot ${slot}`;
    }
    if (a.action === 'importing' && core.slots[slot] === me) {
      return `I'm already the owner of hash slot ${slot}`;
    }
    if (!n) return `I don't know about node ${a.id}`;
    if (n.isReplica) return 'Target node is not a master';
    if (a.action === 'migrating') core.migratingTo.set(slot, n);
    else core.importingFrom.set(slot, n);
    core.todo(true, true);
    return null;
  }
  if (!n) return `Unknown node ${a.id}`;
  if (n.isReplica) return 'Target node is not a master';
  const keys = core.env.keysInSlot(slot);
  if (core.slots[slot] === me && n !== me && keys !== 0) {
    return `Can't assign hashslot ${slot} to a different node while I still hold keys for this hash slot.`;
  }
  if (keys === 0 && core.migratingTo.get(slot)) core.migratingTo.delete(slot);
  const wasMine = core.slots[slot] === me;
  core.delSlot(slot);
  core.addSlot(n, slot);
  if (wasMine && n !== me && me.numslots === 0 && core.env.settings().allowReplicaMigration) {
    core.log(
      'warning',
      `Configuration change detected. Reconfiguring myself as a replica of ${n.id}`,
    );
    core.setMyMaster(n);
    core.todo(true, true, true);
  }
  if (n === me && core.importingFrom.get(slot)) {
    if (core.bumpEpochWithoutConsensus()) {
      core.log('warning', `configEpoch updated after importing slot ${slot}`);
    }
    core.importingFrom.delete(slot);
    core.broadcastPong();
  }
  core.todo(true, true);
  return null;
}

/**
 * verifyClusterConfigWithData: after the dataset is loaded, a master claims unassigned slots it
 * has keys for and marks slots owned elsewhere as importing. Returns whether anything changed.
 */
export function verifyWithData(core: ClusterCore): boolean {
  const me = core.myself;
  if (me.isReplica) return false;
  let changed = false;
  for (let j = 0; j < SLOTS; j++) {
    if (core.env.keysInSlot(j) === 0) continue;
    const owner = core.slots[j];
    if (owner === me || core.importingFrom.has(j)) continue;
    changed = true;
    if (!owner) {
      core.log('warning', `I have keys for unassigned slot ${j}. Taking responsibility for it.`);
      core.addSlot(me, j);
    } else {
      core.log(
        'warning',
        `I have keys for slot ${j}, but the slot is assigned to another node. Setting it to importing state.`,
      );
      core.importingFrom.set(j, owner);
    }
  }
  if (changed) {
    core.emit({ kind: 'save', fsync: true });
    core.todo(false, true);
  }
  return changed;
}
