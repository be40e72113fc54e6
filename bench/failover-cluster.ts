/**
 * A 3 masters + 3 replicas cluster of one kind (keyshard or redis-server) for the failover bench,
 * built with ADDSLOTSRANGE / SET-CONFIG-EPOCH / MEET / REPLICATE on free loopback port pairs.
 * It knows which node serves which shard now, kills a master with SIGKILL, restarts it from its
 * directory (it rejoins as a replica) and waits until the cluster is whole again.
 */
import { startNode, cmd, waitFor, formCluster, nodes, type Node } from '../test/cluster/helpers.js';

export type Kind = 'keyshard' | 'redis';

/** A restarted master resyncs at once instead of after the 5 s diskless-sync delay (both kinds). */
const NODE_ARGS = ['--repl-diskless-sync-delay', '0'];

export class BenchCluster {
  /** The live node for each id; a restarted node replaces the killed one. */
  readonly byId = new Map<string, Node>();
  ranges: [number, number][] = [];

  private constructor(
    readonly kind: Kind,
    readonly nodeTimeout: number,
  ) {}

  static async create(kind: Kind, nodeTimeout: number): Promise<BenchCluster> {
    const c = new BenchCluster(kind, nodeTimeout);
    const all = await Promise.all(
      Array.from({ length: 6 }, () => startNode(kind, nodeTimeout, NODE_ARGS)),
    );
    c.ranges = await formCluster(all.slice(0, 3), all, 30000);
    const ids = await Promise.all(all.map((n) => cmd(n, 'CLUSTER', 'MYID')));
    ids.forEach((id, i) => c.byId.set(id, all[i]));
    await waitFor('6 nodes know each other', () => c.healthy(false), 30000);
    for (let i = 0; i < 3; i++) {
      const r = await cmd(all[i + 3], 'CLUSTER', 'REPLICATE', ids[i]);
      if (r !== '+OK') throw new Error(`REPLICATE: ${r}`);
    }
    await waitFor('3+3 cluster ready', () => c.healthy(true), 30000);
    return c;
  }

  get nodes(): Node[] {
    return [...this.byId.values()];
  }

  /**
   * Every node sees all six, connected, none failing, three masters each with one replica whose
   * link is up (when `replicas`), and cluster_state:ok everywhere.
   */
  async healthy(replicas: boolean): Promise<boolean> {
    for (const n of this.nodes) {
      const v = await nodes(n);
      if (v.length !== 6) return false;
      for (const l of v) {
        if (l.flags.some((f) => ['handshake', 'fail', 'fail?', 'noaddr'].includes(f))) return false;
      }
      if (!(await cmd(n, 'CLUSTER', 'INFO')).includes('cluster_state:ok')) return false;
      if (!replicas) continue;
      if (v.filter((l) => l.flags.includes('slave')).length !== 3) return false;
      const info = await cmd(n, 'INFO', 'replication');
      if (info.includes('role:slave') && !info.includes('master_link_status:up')) return false;
    }
    return true;
  }

  /** The master now serving shard `s` and its replica, as the other nodes agree. */
  async shard(
    s: number,
  ): Promise<{ master: Node; masterId: string; replica: Node; replicaId: string }> {
    const [lo, hi] = this.ranges[s];
    const v = await nodes(this.nodes[0]);
    const m = v.find((l) => l.flags.includes('master') && l.slots.includes(`${lo}-${hi}`));
    const r = m && v.find((l) => l.masterId === m.id);
    if (!m || !r) throw new Error(`shard ${s} has no master with a replica`);
    return {
      master: this.byId.get(m.id)!,
      masterId: m.id,
      replica: this.byId.get(r.id)!,
      replicaId: r.id,
    };
  }

  /** Kills the node with SIGKILL; resolves once the process is gone. */
  async kill(id: string): Promise<void> {
    const n = this.byId.get(id)!;
    n.conn.close();
    await n.proc.stop('SIGKILL');
  }

  /** Restarts a killed node from its directory and port; it rejoins as a replica and syncs. */
  async restart(id: string): Promise<void> {
    const old = this.byId.get(id)!;
    const n = await startNode(this.kind, this.nodeTimeout, NODE_ARGS, old.proc.dir, old.port);
    this.byId.set(id, n);
    await waitFor('the restarted node rejoined and synced', () => this.healthy(true), 30000);
  }

  /** Waits until the cluster is whole again after a manual failover. */
  async settle(): Promise<void> {
    await waitFor('the cluster settled', () => this.healthy(true), 30000);
  }
}
