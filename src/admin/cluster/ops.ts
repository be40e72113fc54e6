/** --cluster reshard, rebalance, add-node, del-node, call (cluster-admin.md §5-§9). */
import { SingleBar } from 'cli-progress';
import { ClusterNode, loadCluster, nodeInfo, parseAddress, type Auth } from './node.js';
import { ask, error, info, out, success, warn } from './log.js';
import { checkCluster, showClusterInfo } from './check.js';
import { computeReshardTable, moveSlot, type MoveOptions } from './move.js';
import { waitForJoin } from './create.js';
import { formatRaw } from '../format.js';

export interface ManagerOptions {
  auth: Auth;
  yes: boolean;
  from: string | null;
  to: string | null;
  slots: number;
  timeout: number;
  pipeline: number;
  replace: boolean;
  slave: boolean;
  masterId: string | null;
  weights: string[];
  useEmptyMasters: boolean;
  simulate: boolean;
  threshold: number;
  onlyMasters: boolean;
  onlyReplicas: boolean;
  verbose: boolean;
}

function moveOpts(o: ManagerOptions, verbose: boolean): MoveOptions {
  return { timeout: o.timeout, pipeline: o.pipeline, replace: o.replace, auth: o.auth, verbose };
}

/** A progress bar on stderr when it is a terminal, so stdout stays redis-cli's text. */
function progress(total: number): { tick(): void; stop(): void } {
  if (!process.stderr.isTTY) return { tick: () => undefined, stop: () => undefined };
  const bar = new SingleBar({
    stream: process.stderr,
    format: 'slots [{bar}] {value}/{total}',
    hideCursor: true,
  });
  bar.start(total, 0);
  return {
    tick: () => bar.increment(1),
    stop: () => bar.stop(),
  };
}

function byId(nodes: ClusterNode[], id: string): ClusterNode | undefined {
  const low = id.toLowerCase();
  return nodes.find((n) => n.id.toLowerCase() === low);
}

const closeAll = (nodes: ClusterNode[]): void => nodes.forEach((n) => n.close());

export async function clusterCheck(host: string, port: number, o: ManagerOptions): Promise<number> {
  const { nodes } = await loadCluster(host, port, o.auth);
  await showClusterInfo(nodes);
  const r = await checkCluster(nodes, false);
  closeAll(nodes);
  return r.ok ? 0 : 1;
}

export async function clusterInfo(host: string, port: number, o: ManagerOptions): Promise<number> {
  const { nodes } = await loadCluster(host, port, o.auth);
  await showClusterInfo(nodes);
  closeAll(nodes);
  return 0;
}

export async function clusterReshard(
  host: string,
  port: number,
  o: ManagerOptions,
): Promise<number> {
  const { nodes } = await loadCluster(host, port, o.auth);
  try {
    const chk = await checkCluster(nodes, false);
    if (!chk.ok) {
      process.stderr.write('*** Please fix your cluster problems before resharding\n');
      return 1;
    }
    let count = o.slots;
    while (!(count >= 1 && count <= 16384)) {
      const a = await ask('How many slots do you want to move (from 1 to 16384)? ');
      if (a === null) return 1;
      count = Number(a.trim());
    }
    let toId = o.to ?? '';
    while (!toId) {
      const a = await ask('What is the receiving node ID? ');
      if (a === null) return 1;
      toId = a.trim();
    }
    const masters = nodes.filter((n) => !n.isReplica);
    const target = byId(masters, toId);
    if (!target) {
      error(`*** The specified node (${toId}) is not known or not a master, please retry.`);
      return 1;
    }
    let sources: ClusterNode[] = [];
    if (o.from !== null) {
      const ids = o.from.split(',');
      if (ids.includes('all')) sources = masters.filter((n) => n !== target);
      else
        for (const id of ids) {
          const n = byId(masters, id);
          if (!n) {
            error(`*** The specified node (${id}) is not known or not a master, please retry.`);
            return 1;
          }
          sources.push(n);
        }
    } else {
      out('Please enter all the source node IDs.\n');
      out("  Type 'all' to use all the nodes as source nodes for the hash slots.\n");
      out("  Type 'done' once you entered all the source nodes IDs.\n");
      for (;;) {
        const a = await ask(`Source node #${sources.length + 1}: `);
        if (a === null) break;
        const id = a.trim();
        if (id === 'done') break;
        if (id === 'all') {
          sources = masters.filter((n) => n !== target);
          break;
        }
        const n = byId(masters, id);
        if (!n) {
          error(`*** The specified node (${id}) is not known or not a master, please retry.`);
          return 1;
        }
        if (n === target) {
          out('*** It is not possible to use the target node as source node.\n');
          continue;
        }
        if (!sources.includes(n)) sources.push(n);
      }
    }
    sources = sources.filter((n) => n.slots.size > 0 || o.from !== null);
    if (sources.length === 0) {
      process.stderr.write('*** No source nodes given, operation aborted.\n');
      return 1;
    }
    out(`\nReady to move ${count} slots.\n`);
    out('  Source nodes:\n');
    for (const s of sources) out(nodeInfo(s, 4));
    out('  Destination node:\n');
    out(nodeInfo(target, 4));
    out('  Resharding plan:\n');
    const plan = computeReshardTable(sources, count);
    for (const m of plan) out(`    Moving slot ${m.slot} from ${m.source.id}\n`);
    if (!o.yes) {
      const a = await ask('Do you want to proceed with the proposed reshard plan (yes/no)? ');
      if (a?.trim() !== 'yes') return 1;
    }
    const bar = progress(plan.length);
    try {
      for (const m of plan) {
        await moveSlot(m.source, target, m.slot, masters, moveOpts(o, true));
        bar.tick();
      }
    } catch (e) {
      bar.stop();
      error(`clusterManagerMoveSlot failed: ${(e as Error).message}`);
      return 1;
    }
    bar.stop();
    return 0;
  } finally {
    closeAll(nodes);
  }
}

export async function clusterRebalance(
  host: string,
  port: number,
  o: ManagerOptions,
): Promise<number> {
  const { nodes } = await loadCluster(host, port, o.auth);
  try {
    const masters = nodes.filter((n) => !n.isReplica);
    for (const w of o.weights) {
      const eq = w.indexOf('=');
      if (eq < 0) {
        error(`*** invalid input ${w}`);
        return 1;
      }
      const prefix = w.slice(0, eq).toLowerCase();
      const n = masters.find((m) => m.id.startsWith(prefix));
      if (!n) {
        error(`*** No such master node ${w.slice(0, eq)}`);
        return 1;
      }
      n.weight = Number(w.slice(eq + 1));
    }
    const involved = masters.filter((n) => {
      if (n.slots.size === 0 && !o.useEmptyMasters) n.weight = 0;
      return n.slots.size > 0 || o.useEmptyMasters;
    });
    const totalWeight = involved.reduce((t, n) => t + n.weight, 0);
    const chk = await checkCluster(nodes, true);
    if (!chk.ok) {
      error('*** Please fix your cluster problems before rebalancing');
      return 1;
    }
    let over = false;
    for (const n of involved) {
      const expected = Math.trunc((16384 / totalWeight) * n.weight);
      n.balance = n.slots.size - expected;
      const size = n.slots.size;
      if (o.threshold > 0) {
        if (size > 0 && Math.abs(100 - (100 * expected) / size) > o.threshold) over = true;
        else if (size === 0 && expected > 1) over = true;
      }
    }
    if (!over) {
      warn(
        `*** No rebalancing needed! All nodes are within the ${o.threshold.toFixed(2)}% threshold.`,
      );
      return 0;
    }
    let sum = involved.reduce((t, n) => t + n.balance, 0);
    while (sum > 0)
      for (const n of involved) {
        if (n.balance <= 0 && sum > 0) {
          n.balance--;
          sum--;
        }
      }
    involved.sort((a, b) => a.balance - b.balance);
    info(
      `>>> Rebalancing across ${involved.length} nodes. Total weight = ${totalWeight.toFixed(2)}`,
    );
    if (o.verbose) for (const n of involved) out(`${n.addr} balance is ${n.balance} slots\n`);
    let dst = 0;
    let src = involved.length - 1;
    while (dst < src) {
      const d = involved[dst];
      const s = involved[src];
      const k = Math.min(-d.balance, s.balance);
      if (k > 0) {
        out(`Moving ${k} slots from ${s.addr} to ${d.addr}\n`);
        const plan = computeReshardTable([s], k);
        if (plan.length !== k) {
          error('*** Assertion failed: Reshard table != number of slots');
          return 1;
        }
        const bar = progress(plan.length);
        for (const m of plan) {
          if (!o.simulate) await moveSlot(s, d, m.slot, masters, moveOpts(o, false));
          out('#');
          bar.tick();
        }
        bar.stop();
        out('\n');
      }
      d.balance += k;
      s.balance -= k;
      if (d.balance === 0) dst++;
      if (s.balance === 0) src--;
    }
    return 0;
  } finally {
    closeAll(nodes);
  }
}

export async function clusterAddNode(
  newAddr: string,
  existing: { host: string; port: number },
  o: ManagerOptions,
): Promise<number> {
  const na = parseAddress(newAddr);
  if (!na) {
    process.stderr.write(`Invalid address format: ${newAddr}\n`);
    return 1;
  }
  info(`>>> Adding node ${newAddr} to cluster ${existing.host}:${existing.port}`);
  const { nodes } = await loadCluster(existing.host, existing.port, o.auth);
  const fresh = new ClusterNode(na.host, na.port);
  try {
    const chk = await checkCluster(nodes, false);
    if (!chk.ok) return 1;
    let master: ClusterNode | undefined;
    if (o.slave) {
      const masters = nodes.filter((n) => !n.isReplica);
      if (o.masterId) {
        master = byId(masters, o.masterId);
        if (!master) {
          error(`[ERR] No such master ID ${o.masterId}`);
          return 1;
        }
      } else {
        master = masters.reduce((a, b) => (b.replicasCount < a.replicasCount ? b : a));
        out(`Automatically selected master ${master.addr}\n`);
      }
    }
    try {
      await fresh.connect(o.auth);
    } catch {
      error(`[ERR] Sorry, can't connect to node ${fresh.addr}`);
      return 1;
    }
    if (!(await fresh.isCluster())) {
      error(`[ERR] Node ${fresh.addr} is not configured as a cluster node.`);
      return 1;
    }
    await fresh.loadInfo();
    if (!(await fresh.isEmpty())) {
      error(
        `[ERR] Node ${fresh.addr} is not empty. Either the node already knows other nodes (check with CLUSTER NODES) or contains some key in database 0.`,
      );
      return 1;
    }
    if (!o.slave) await copyFunctions(nodes[0], fresh);
    const first = nodes[0];
    info(`>>> Send CLUSTER MEET to node ${fresh.addr} to make it join the cluster.`);
    const meet = ['CLUSTER', 'MEET', first.host, String(first.port)];
    if (first.busPort !== first.port + 10000) meet.push(String(first.busPort));
    await fresh.must(...meet);
    if (master) {
      await new Promise((r) => setTimeout(r, 1000));
      await waitForJoin([...nodes, fresh]);
      info(`>>> Configure node as replica of ${master.addr}.`);
      await fresh.must('CLUSTER', 'REPLICATE', master.id);
    }
    success('[OK] New node added correctly.');
    return 0;
  } finally {
    fresh.close();
    closeAll(nodes);
  }
}

async function copyFunctions(from: ClusterNode, to: ClusterNode): Promise<void> {
  info('>>> Getting functions from cluster');
  const dump = await from.call('FUNCTION', 'DUMP');
  if (dump.t === 'error') {
    info(
      `>>> Failed retrieving Functions from the cluster, skip this step as Redis version do not support function command (error = '${dump.s}')`,
    );
    return;
  }
  info(`>>> Send FUNCTION LIST to ${to.addr} to verify there is no functions in it`);
  const list = await to.call('FUNCTION', 'LIST');
  if (list.t === 'array' && list.items.length > 0) {
    error(
      '>>> New node already contains functions and can not be added to the cluster. Use FUNCTION FLUSH and try again.',
    );
    throw new Error('functions present');
  }
  if (dump.t !== 'bulk') return;
  info(`>>> Send FUNCTION RESTORE to ${to.addr}`);
  await to.must('FUNCTION', 'RESTORE', dump.s);
}

export async function clusterDelNode(
  host: string,
  port: number,
  id: string,
  o: ManagerOptions,
): Promise<number> {
  info(`>>> Removing node ${id} from cluster ${host}:${port}`);
  const { nodes } = await loadCluster(host, port, o.auth);
  try {
    const victim = byId(nodes, id);
    if (!victim) {
      error(`[ERR] No such node ID ${id}`);
      return 1;
    }
    if (victim.slots.size > 0) {
      error(`[ERR] Node ${victim.addr} is not empty! Reshard data away and try again.`);
      return 1;
    }
    info('>>> Sending CLUSTER FORGET messages to the cluster...');
    for (const n of nodes) {
      if (n === victim) continue;
      if (n.masterId && n.masterId.toLowerCase() === victim.id.toLowerCase()) {
        const masters = nodes.filter((m) => !m.isReplica && m !== victim);
        const m = masters.reduce((a, b) => (b.replicasCount < a.replicasCount ? b : a));
        info(`>>> ${n.addr} as replica of ${m.addr}`);
        await n.must('CLUSTER', 'REPLICATE', m.id);
      }
      await n.must('CLUSTER', 'FORGET', victim.id);
    }
    info('>>> Sending CLUSTER RESET SOFT to the deleted node.');
    await victim.must('CLUSTER', 'RESET', 'SOFT');
    return 0;
  } finally {
    closeAll(nodes);
  }
}

export async function clusterCall(
  host: string,
  port: number,
  argv: string[],
  o: ManagerOptions,
): Promise<number> {
  const { nodes } = await loadCluster(host, port, o.auth);
  info(`>>> Calling ${argv.join(' ')}`);
  for (const n of nodes) {
    if (o.onlyMasters && n.isReplica) continue;
    if (o.onlyReplicas && !n.isReplica) continue;
    try {
      const r = await n.call(...argv);
      process.stdout.write(`${n.addr}: ${formatRaw(r)}\n`, 'latin1');
    } catch {
      out(`${n.addr}: Failed!\n`);
    }
  }
  closeAll(nodes);
  return 0;
}
