/**
 * The cluster manager's view of one node, loaded from its CLUSTER NODES `myself` line, and the
 * loading of the whole cluster from an entry node (cluster-admin.md §2.1).
 */
import { Connection } from '../connection.js';
import type { RespValue } from '../resp-reader.js';
import { error, warn } from './log.js';

export interface Auth {
  user: string | null;
  pass: string | null;
}

export class ManagerError extends Error {}

export class ClusterNode {
  conn: Connection | null = null;
  id = '';
  flags: string[] = [];
  masterId: string | null = null;
  configEpoch = 0;
  slots = new Set<number>();
  migrating = new Map<number, string>();
  importing = new Map<number, string>();
  replicasCount = 0;
  busPort = 0;
  /** Set by create: the master this node will replicate. */
  replicate: string | null = null;
  weight = 1;
  balance = 0;

  constructor(
    readonly host: string,
    readonly port: number,
  ) {}

  get addr(): string {
    return `${this.host}:${this.port}`;
  }

  get isReplica(): boolean {
    return this.flags.includes('slave');
  }

  async connect(auth: Auth): Promise<void> {
    if (this.conn && !this.conn.closed) return;
    try {
      this.conn = await Connection.open(this.host, this.port, 10_000);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const reason = code === 'ECONNREFUSED' ? 'Connection refused' : (e as Error).message;
      process.stderr.write(`Could not connect to Redis at ${this.addr}: ${reason}\n`);
      throw new ManagerError(reason);
    }
    if (auth.pass !== null) {
      const r = await this.conn.call(
        auth.user ? ['AUTH', auth.user, auth.pass] : ['AUTH', auth.pass],
      );
      if (r.t === 'error') throw new ManagerError(r.s);
    }
  }

  call(...argv: string[]): Promise<RespValue> {
    if (!this.conn) return Promise.reject(new ManagerError(`not connected to ${this.addr}`));
    return this.conn.call(argv);
  }

  /** A call whose error reply is printed as redis-cli's "Node ... replied with error" and thrown. */
  async must(...argv: string[]): Promise<RespValue> {
    const r = await this.call(...argv);
    if (r.t === 'error') {
      error(`Node ${this.addr} replied with error:\n${r.s}`);
      throw new ManagerError(r.s);
    }
    return r;
  }

  async text(...argv: string[]): Promise<string> {
    const r = await this.must(...argv);
    return r.t === 'bulk' || r.t === 'simple' || r.t === 'verbatim' ? r.s : '';
  }

  async isCluster(): Promise<boolean> {
    return (await this.text('INFO')).includes('cluster_enabled:1');
  }

  async isEmpty(): Promise<boolean> {
    if ((await this.text('INFO')).includes('db0:')) return false;
    return (await this.text('CLUSTER', 'INFO')).includes('cluster_known_nodes:1\r\n');
  }

  /** Reads this node's own line of CLUSTER NODES; returns the other lines. */
  async loadInfo(): Promise<string[]> {
    const text = await this.text('CLUSTER', 'NODES');
    const others: string[] = [];
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      const f = line.split(' ');
      if (f[2].split(',').includes('myself')) this.applyLine(f);
      else others.push(line);
    }
    return others;
  }

  applyLine(f: string[]): void {
    this.id = f[0];
    const busPart = f[1].split(',')[0].split('@')[1];
    this.busPort = busPart ? Number(busPart) : this.port + 10000;
    this.flags = f[2].split(',').filter((x) => x !== 'myself');
    this.masterId = f[3] === '-' ? null : f[3];
    this.configEpoch = Number(f[6]);
    this.slots.clear();
    this.migrating.clear();
    this.importing.clear();
    for (const tok of f.slice(8)) {
      if (tok.startsWith('[')) {
        const m = /^\[(\d+)-([<>])-([0-9a-f]+)\]$/.exec(tok);
        if (m) (m[2] === '>' ? this.migrating : this.importing).set(Number(m[1]), m[3]);
        continue;
      }
      const [a, b] = tok.split('-').map(Number);
      for (let s = a; s <= (b ?? a); s++) this.slots.add(s);
    }
  }

  close(): void {
    this.conn?.close();
    this.conn = null;
  }
}

/** Splits "host:port" at the last colon (an @busport suffix is ignored). */
export function parseAddress(s: string): { host: string; port: number } | null {
  const at = s.indexOf('@');
  const a = at >= 0 ? s.slice(0, at) : s;
  const i = a.lastIndexOf(':');
  if (i <= 0) return null;
  const port = Number(a.slice(i + 1));
  if (!Number.isInteger(port) || port <= 0 || port > 65535) return null;
  return { host: a.slice(0, i), port };
}

/** Loads every reachable node of the cluster the entry node belongs to (§2.1). */
export async function loadCluster(
  host: string,
  port: number,
  auth: Auth,
): Promise<{ nodes: ClusterNode[]; unreachableMasters: number }> {
  const entry = new ClusterNode(host, port);
  await entry.connect(auth);
  if (!(await entry.isCluster())) {
    error(`[ERR] Node ${entry.addr} is not configured as a cluster node.`);
    throw new ManagerError('not a cluster node');
  }
  const nodes = [entry];
  let unreachableMasters = 0;
  for (const line of await entry.loadInfo()) {
    const f = line.split(' ');
    const flags = f[2].split(',');
    const a = parseAddress(f[1].split(',')[0]);
    const isMaster = !flags.includes('slave');
    if (flags.includes('noaddr') || flags.includes('fail') || !a || a.port === 0) {
      if (isMaster) unreachableMasters++;
      continue;
    }
    const n = new ClusterNode(a.host, a.port);
    try {
      await n.connect(auth);
      await n.loadInfo();
    } catch {
      error(`[ERR] Unable to load info for node ${n.addr}`);
      n.close();
      if (isMaster) unreachableMasters++;
      continue;
    }
    nodes.push(n);
  }
  for (const n of nodes) {
    if (!n.isReplica || !n.masterId) continue;
    const m = nodes.find((x) => x.id === n.masterId);
    if (m) m.replicasCount++;
    else warn(`*** WARNING: ${n.addr} claims to be slave of unknown node ID ${n.masterId}.`);
  }
  return { nodes, unreachableMasters };
}

/** Formats slots as redis-cli does: [a-b],[c] */
export function slotsString(slots: Iterable<number>): string {
  const sorted = [...slots].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(i === j ? `[${sorted[i]}]` : `[${sorted[i]}-${sorted[j]}]`);
    i = j + 1;
  }
  return parts.join(',');
}

/** §2.2: the node block printed by check, create, reshard. */
export function nodeInfo(n: ClusterNode, indent = 0): string {
  const pad = ' '.repeat(indent);
  let s = `${pad}${n.isReplica ? 'S' : 'M'}: ${n.id} ${n.addr}\n`;
  s += `${pad}   slots:${slotsString(n.slots)} (${n.slots.size} slots) ${n.flags.join(',')}\n`;
  if (n.masterId) s += `${pad}   replicates ${n.masterId}\n`;
  else if (n.replicasCount > 0) s += `${pad}   ${n.replicasCount} additional replica(s)\n`;
  return s;
}
