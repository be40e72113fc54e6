/** Cluster summary (`info`) and the consistency check shared by check, fix, reshard, rebalance. */
import { type ClusterNode, nodeInfo } from './node.js';
import { error, info, out, success, warn } from './log.js';

/** §2.3 */
export async function showClusterInfo(nodes: ClusterNode[]): Promise<void> {
  let keys = 0;
  let masters = 0;
  for (const n of nodes) {
    if (n.isReplica) continue;
    const r = await n.must('DBSIZE');
    const dbsize = r.t === 'int' ? Number(r.s) : 0;
    keys += dbsize;
    masters++;
    out(
      `${n.addr} (${n.id.slice(0, 8)}...) -> ${dbsize} keys | ${n.slots.size} slots | ${n.replicasCount} slaves.\n`,
    );
  }
  success(`[OK] ${keys} keys in ${masters} masters.`);
  out(`${(keys / 16384).toFixed(2)} keys per slot on average.\n`);
}

/** The agreement signature of one node's CLUSTER NODES (§2.4). */
async function configSignature(n: ClusterNode): Promise<string | null> {
  const r = await n.call('CLUSTER', 'NODES');
  if (r.t !== 'bulk' && r.t !== 'verbatim') return null;
  const parts: string[] = [];
  for (const line of r.s.split('\n')) {
    const f = line.split(' ');
    if (f.length < 8) continue;
    const toks = f.slice(8).filter((t) => !t.startsWith('['));
    if (toks.length === 0) continue;
    toks.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    parts.push(`${f[0]}:${toks.join(',')}`);
  }
  if (parts.length === 0) return null;
  parts.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return parts.join('|');
}

export async function configConsistent(nodes: ClusterNode[]): Promise<boolean> {
  if (nodes.length <= 1) return true;
  let first: string | null = null;
  for (const n of nodes) {
    const sig = await configSignature(n);
    if (sig === null) return false;
    if (first === null) first = sig;
    else if (sig !== first) return false;
  }
  return true;
}

export interface CheckResult {
  ok: boolean;
  openSlots: number[];
  uncovered: number[];
}

/** §2.4; prints the node list unless quiet. */
export async function checkCluster(nodes: ClusterNode[], quiet: boolean): Promise<CheckResult> {
  const res: CheckResult = { ok: true, openSlots: [], uncovered: [] };
  info(`>>> Performing Cluster Check (using node ${nodes[0].addr})`);
  if (!quiet) for (const n of nodes) out(nodeInfo(n));
  if (await configConsistent(nodes)) success('[OK] All nodes agree about slots configuration.');
  else {
    error("[ERR] Nodes don't agree about configuration!");
    res.ok = false;
  }
  info('>>> Check for open slots...');
  const open = new Set<number>();
  for (const n of nodes) {
    if (n.migrating.size > 0) {
      const list = [...n.migrating.keys()];
      warn(`[WARNING] Node ${n.addr} has slots in migrating state ${list.join(',')}.`);
      for (const s of list) open.add(s);
    }
    if (n.importing.size > 0) {
      const list = [...n.importing.keys()];
      warn(`[WARNING] Node ${n.addr} has slots in importing state ${list.join(',')}.`);
      for (const s of list) open.add(s);
    }
  }
  if (open.size > 0) {
    res.ok = false;
    res.openSlots = [...open];
    warn(`[WARNING] The following slots are open: ${res.openSlots.join(',')}.`);
  }
  info('>>> Check slots coverage...');
  const covered = new Set<number>();
  for (const n of nodes) if (!n.isReplica) for (const s of n.slots) covered.add(s);
  if (covered.size === 16384) success('[OK] All 16384 slots covered.');
  else {
    error('[ERR] Not all 16384 slots are covered by nodes.');
    res.ok = false;
    for (let s = 0; s < 16384; s++) if (!covered.has(s)) res.uncovered.push(s);
  }
  return res;
}
