/** --cluster create (cluster-admin.md §3). */
import { ClusterNode, nodeInfo, parseAddress, type Auth } from './node.js';
import { confirmWithYes, error, info, out, warn } from './log.js';
import { checkCluster, configConsistent } from './check.js';
import { loadCluster } from './node.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function clusterCreate(
  addrs: string[],
  replicas: number,
  yes: boolean,
  auth: Auth,
): Promise<number> {
  const nodes: ClusterNode[] = [];
  for (const s of addrs) {
    const a = parseAddress(s);
    if (!a) {
      process.stderr.write(`Invalid address format: ${s}\n`);
      return 1;
    }
    const n = new ClusterNode(a.host, a.port);
    await n.connect(auth);
    if (!(await n.isCluster())) {
      error(`[ERR] Node ${n.addr} is not configured as a cluster node.`);
      return 1;
    }
    await n.loadInfo();
    if (!(await n.isEmpty())) {
      error(
        `[ERR] Node ${n.addr} is not empty. Either the node already knows other nodes (check with CLUSTER NODES) or contains some key in database 0.`,
      );
      return 1;
    }
    nodes.push(n);
  }
  const masterCount = Math.floor(nodes.length / (replicas + 1));
  if (masterCount < 3) {
    error(
      `*** ERROR: Invalid configuration for cluster creation.\n*** Redis Cluster requires at least 3 master nodes.\n*** This is not possible with ${nodes.length} nodes and ${replicas} replicas per node.`,
    );
    error(`\n*** At least ${3 * (replicas + 1)} nodes are required.`);
    return 1;
  }
  info(`>>> Performing hash slots allocation on ${nodes.length} nodes...`);
  const ordered = interleaveByHost(nodes);
  const masters = ordered.slice(0, masterCount);
  const candidates = ordered.slice(masterCount);
  allocateSlots(masters);
  assignReplicas(masters, candidates, replicas);
  for (const n of ordered) {
    if (n.replicate) {
      out(`S: ${n.id} ${n.addr}\n   replicates ${n.replicate}\n`);
    } else {
      n.flags = ['master'];
      out(nodeInfo(n));
    }
  }
  if (!(await confirmWithYes('Can I set the above configuration?', yes))) return 0;

  for (const n of ordered) {
    if (n.replicate) {
      await n.call('CLUSTER', 'REPLICATE', n.replicate);
    } else if (n.slots.size > 0) {
      await n.must('CLUSTER', 'ADDSLOTS', ...[...n.slots].map(String));
    }
  }
  info('>>> Nodes configuration updated');
  info('>>> Assign a different config epoch to each node');
  let epoch = 1;
  for (const n of ordered) await n.call('CLUSTER', 'SET-CONFIG-EPOCH', String(epoch++));
  info('>>> Sending CLUSTER MEET messages to join the cluster');
  const first = ordered[0];
  for (const n of ordered.slice(1)) {
    const argv = ['CLUSTER', 'MEET', first.host, String(first.port)];
    if (first.busPort !== first.port + 10000) argv.push(String(first.busPort));
    await n.must(...argv);
  }
  await sleep(1000);
  await waitForJoin(ordered);
  // Replicas could not REPLICATE before they knew their master: apply it now.
  for (const n of ordered) {
    if (!n.replicate) continue;
    const r = await n.call('CLUSTER', 'REPLICATE', n.replicate);
    if (r.t === 'error') error(`Node ${n.addr} replied with error:\n${r.s}`);
  }
  for (const n of nodes) n.close();
  const { nodes: loaded } = await loadCluster(first.host, first.port, auth);
  await checkCluster(loaded, false);
  for (const n of loaded) n.close();
  return 0;
}

/** Waits with a dot per second until every node reports the same slot configuration. */
export async function waitForJoin(nodes: ClusterNode[]): Promise<void> {
  out('Waiting for the cluster to join\n');
  const limit = Math.floor(20 + 0.15 * nodes.length);
  let waited = 0;
  while (!(await configConsistent(nodes))) {
    out('.');
    await sleep(1000);
    if (++waited > limit) {
      error('Warning: some node(s) may be unreachable');
      out(
        'Cluster bus ports must be reachable by every node.\nRemember that cluster bus ports are different from standard instance ports.\n',
      );
      waited = 0;
    }
  }
  out('\n');
}

function interleaveByHost(nodes: ClusterNode[]): ClusterNode[] {
  const groups = new Map<string, ClusterNode[]>();
  for (const n of nodes) {
    const g = groups.get(n.host);
    if (g) g.push(n);
    else groups.set(n.host, [n]);
  }
  const out: ClusterNode[] = [];
  while (out.length < nodes.length)
    for (const g of groups.values()) if (g.length) out.push(g.shift()!);
  return out;
}

function allocateSlots(masters: ClusterNode[]): void {
  const per = 16384 / masters.length;
  let cursor = 0;
  let first = 0;
  masters.forEach((m, i) => {
    // Math.round rounds half up; C's round() rounds half away from zero (same for positives).
    let last = Math.round(cursor + per - 1);
    if (last > 16384 || i === masters.length - 1) last = 16383;
    if (last < first) last = first;
    out(`Master[${i}] -> Slots ${first} - ${last}\n`);
    for (let s = first; s <= last; s++) m.slots.add(s);
    first = last + 1;
    cursor += per;
  });
}

function assignReplicas(masters: ClusterNode[], candidates: ClusterNode[], replicas: number): void {
  if (candidates.length === 0) return;
  const pool = [...candidates.slice(1), candidates[0]];
  const take = (m: ClusterNode): void => {
    let i = pool.findIndex((c) => c.host !== m.host);
    if (i < 0) i = 0;
    const r = pool.splice(i, 1)[0];
    r.replicate = m.id;
    r.flags = ['slave'];
    out(`Adding replica ${r.addr} to ${m.addr}\n`);
  };
  for (const m of masters) for (let k = 0; k < replicas && pool.length; k++) take(m);
  if (pool.length) {
    out('Adding extra replicas...\n');
    for (const m of masters) if (pool.length) take(m);
  }
  const sameHost = [...masters, ...candidates].some(
    (r) => r.replicate && masters.find((m) => m.id === r.replicate)?.host === r.host,
  );
  if (sameHost) {
    info('>>> Trying to optimize slaves allocation for anti-affinity');
    warn('[WARNING] Some slaves are in the same host as their master');
  }
}
