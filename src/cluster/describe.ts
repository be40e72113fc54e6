/**
 * Text views of the cluster state in Redis's formats: CLUSTER NODES lines (also the nodes.conf
 * body), CLUSTER INFO, and the slot-range helpers that CLUSTER SLOTS / SHARDS use.
 */
import { TYPE_NAMES } from './bus/codec.js';
import { SLOTS, type ClusterCore } from './core/cluster.js';
import { NodeFlag, flagsString, testBit, type ClusterNode } from './core/node.js';

/** Maximal runs of slots set in `bitmap`, as [start, end] pairs. */
export function slotRanges(bitmap: Uint8Array): [number, number][] {
  const out: [number, number][] = [];
  let start = -1;
  for (let j = 0; j <= SLOTS; j++) {
    // Whole bytes that continue the current state are skipped.
    if ((j & 7) === 0 && j < SLOTS) {
      const byte = bitmap[j >> 3];
      if ((byte === 0 && start < 0) || (byte === 0xff && start >= 0)) {
        j += 7;
        continue;
      }
    }
    const set = j < SLOTS && testBit(bitmap, j);
    if (set && start < 0) start = j;
    if (!set && start >= 0) {
      out.push([start, j - 1]);
      start = -1;
    }
  }
  return out;
}

/** One CLUSTER NODES line, without the trailing newline. */
export function nodeLine(core: ClusterCore, n: ClusterNode): string {
  let s = `${n.id} ${n.ip}:${n.port}@${n.cport}`;
  if (n.hostname) s += `,${n.hostname}`;
  s += ` ${flagsString(n.flags)}`;
  s += n.isReplica && n.slaveof ? ` ${n.slaveof.id}` : ' -';
  const epoch = n.isReplica && n.slaveof ? n.slaveof.configEpoch : n.configEpoch;
  const connected = n === core.myself || n.link !== null;
  s += ` ${n.pingSent} ${n.pongReceived} ${epoch} ${connected ? 'connected' : 'disconnected'}`;
  for (const [a, b] of slotRanges(n.slots)) s += a === b ? ` ${a}` : ` ${a}-${b}`;
  if (n === core.myself) {
    const marked = [...new Set([...core.migratingTo.keys(), ...core.importingFrom.keys()])];
    for (const j of marked.sort((a, b) => a - b)) {
      const to = core.migratingTo.get(j);
      if (to) s += ` [${j}->-${to.id}]`;
      else s += ` [${j}-<-${core.importingFrom.get(j)!.id}]`;
    }
  }
  return s;
}

/** CLUSTER NODES; with `forConfig`, HANDSHAKE nodes are left out (nodes.conf). */
export function nodesText(core: ClusterCore, forConfig = false): string {
  let out = '';
  for (const n of core.nodes.values()) {
    if (forConfig && n.has(NodeFlag.HANDSHAKE)) continue;
    out += nodeLine(core, n) + '\n';
  }
  return out;
}

/** The full nodes.conf content. */
export function nodesConfText(core: ClusterCore): string {
  return (
    nodesText(core, true) +
    `vars currentEpoch ${core.currentEpoch} lastVoteEpoch ${core.lastVoteEpoch}\n`
  );
}

export function clusterInfoText(core: ClusterCore, linksBufferLimitExceeded = 0): string {
  let assigned = 0;
  let ok = 0;
  let pfail = 0;
  let fail = 0;
  for (let j = 0; j < SLOTS; j++) {
    const n = core.slots[j];
    if (!n) continue;
    assigned++;
    if (n.has(NodeFlag.FAIL)) fail++;
    else if (n.has(NodeFlag.PFAIL)) pfail++;
    else ok++;
  }
  const me = core.myself;
  const myEpoch = me.isReplica && me.slaveof ? me.slaveof.configEpoch : me.configEpoch;
  const lines = [
    `cluster_state:${core.state}`,
    `cluster_slots_assigned:${assigned}`,
    `cluster_slots_ok:${ok}`,
    `cluster_slots_pfail:${pfail}`,
    `cluster_slots_fail:${fail}`,
    `cluster_known_nodes:${core.nodes.size}`,
    `cluster_size:${core.size}`,
    `cluster_current_epoch:${core.currentEpoch}`,
    `cluster_my_epoch:${myEpoch}`,
  ];
  let sent = 0;
  core.statsSent.forEach((v, t) => {
    if (v > 0) lines.push(`cluster_stats_messages_${TYPE_NAMES[t]}_sent:${v}`);
    sent += v;
  });
  lines.push(`cluster_stats_messages_sent:${sent}`);
  let received = 0;
  core.statsReceived.forEach((v, t) => {
    if (v > 0) lines.push(`cluster_stats_messages_${TYPE_NAMES[t]}_received:${v}`);
    received += v;
  });
  lines.push(`cluster_stats_messages_received:${received}`);
  lines.push(`total_cluster_links_buffer_limit_exceeded:${linksBufferLimitExceeded}`);
  return lines.join('\r\n') + '\r\n';
}
