/** Real cluster nodes for end-to-end tests: keyshard or redis-server, on free port pairs. */
import {
  startKeyshard,
  startRedis,
  freeClusterPort,
  tempDir,
  type ServerProc,
} from '../helpers/procs.js';
import { RawConn } from '../helpers/raw.js';
import { keyHashSlot } from '../../src/util/crc16.js';

export interface Node {
  proc: ServerProc;
  port: number;
  kind: 'keyshard' | 'redis';
  conn: RawConn;
  stop(): Promise<void>;
}

/** Every node started by this test file, so an after() hook can stop them even on failure. */
export const running: Node[] = [];

/** Starts still in flight: stopAll waits for them so no process outlives the test file. */
const starting = new Set<Promise<Node>>();

export async function stopAll(): Promise<void> {
  await Promise.allSettled([...starting]);
  await Promise.all(running.splice(0).map((n) => n.stop()));
}

export function startNode(
  kind: 'keyshard' | 'redis',
  nodeTimeout = 2000,
  extra: string[] = [],
  dir?: string,
  fixedPort?: number,
): Promise<Node> {
  const p = launchNode(kind, nodeTimeout, extra, dir, fixedPort);
  starting.add(p);
  const forget = (): void => {
    starting.delete(p);
  };
  p.then(forget, forget);
  return p;
}

async function launchNode(
  kind: 'keyshard' | 'redis',
  nodeTimeout = 2000,
  extra: string[] = [],
  dir?: string,
  fixedPort?: number,
): Promise<Node> {
  // A port found free can be taken before the node binds it (by another test file, or as an
  // ephemeral port of an outgoing connection): a port we picked is picked again, a few times.
  for (let attempt = 1; ; attempt++) {
    try {
      return await launchNodeOn(
        kind,
        nodeTimeout,
        extra,
        dir,
        fixedPort ?? (await freeClusterPort()),
      );
    } catch (e) {
      const taken = /EADDRINUSE|Address already in use/.test(String(e));
      if (fixedPort !== undefined || !taken || attempt === 3) throw e;
    }
  }
}

async function launchNodeOn(
  kind: 'keyshard' | 'redis',
  nodeTimeout: number,
  extra: string[],
  dir: string | undefined,
  port: number,
): Promise<Node> {
  const args = [
    '--cluster-enabled',
    'yes',
    '--cluster-node-timeout',
    String(nodeTimeout),
    ...extra,
  ];
  const opts = { port, args, dir: dir ?? tempDir(`${kind}-cluster-`) };
  const proc = kind === 'keyshard' ? await startKeyshard(opts) : await startRedis(opts);
  let conn: RawConn;
  try {
    conn = await RawConn.open(port);
  } catch (e) {
    await proc.stop();
    throw e;
  }
  const node: Node = {
    proc,
    port,
    kind,
    conn,
    async stop() {
      conn.close();
      await proc.stop();
    },
  };
  running.push(node);
  return node;
}

/** Sends a command and decodes a bulk/status/integer/error reply into a string. */
export async function cmd(n: Node, ...args: string[]): Promise<string> {
  const r = await n.conn.call(...args);
  const t = r[0];
  if (t === '$') {
    const nl = r.indexOf('\r\n');
    return r.slice(nl + 2, r.length - 2);
  }
  if (t === '+' || t === '-' || t === ':') return r.slice(t === ':' ? 1 : 0, r.length - 2);
  return r;
}

export async function info(n: Node): Promise<Record<string, string>> {
  const text = await cmd(n, 'CLUSTER', 'INFO');
  const out: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

export interface NodeLine {
  id: string;
  addr: string;
  /** The client port from `addr`. */
  port: number;
  flags: string[];
  /** The master's id for a replica, '-' for a master. */
  masterId: string;
  link: string;
  slots: string[];
}

export async function nodes(n: Node): Promise<NodeLine[]> {
  const text = await cmd(n, 'CLUSTER', 'NODES');
  return text
    .split('\n')
    .filter((l) => l)
    .map((l) => {
      const w = l.split(' ');
      const port = Number(w[1].slice(w[1].lastIndexOf(':') + 1).split('@')[0]);
      const flags = w[2].split(',');
      return { id: w[0], addr: w[1], port, flags, masterId: w[3], link: w[7], slots: w.slice(8) };
    });
}

export async function waitFor(
  what: string,
  cond: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function stateIs(list: Node[], state: 'ok' | 'fail'): Promise<boolean> {
  for (const n of list) if ((await info(n)).cluster_state !== state) return false;
  return true;
}

/** Every node lists every other node of `list` as connected (no handshake, no failure flags). */
export async function allConnected(list: Node[]): Promise<boolean> {
  const ids = await Promise.all(list.map((n) => cmd(n, 'CLUSTER', 'MYID')));
  for (const n of list) {
    const seen = await nodes(n);
    for (const id of ids) {
      const l = seen.find((x) => x.id === id);
      if (!l || l.link !== 'connected') return false;
      if (l.flags.some((f) => f === 'handshake' || f === 'fail' || f === 'fail?')) return false;
    }
  }
  return true;
}

/** Splits the 16384 slots into contiguous ranges, one per node, with ADDSLOTSRANGE. */
export async function assignSlots(list: Node[]): Promise<[number, number][]> {
  const ranges: [number, number][] = [];
  for (let i = 0; i < list.length; i++) {
    const a = Math.floor((16384 * i) / list.length);
    const b = Math.floor((16384 * (i + 1)) / list.length) - 1;
    ranges.push([a, b]);
    const r = await cmd(list[i], 'CLUSTER', 'ADDSLOTSRANGE', String(a), String(b));
    if (r !== '+OK') throw new Error(`ADDSLOTSRANGE: ${r}`);
  }
  return ranges;
}

export async function meetAll(list: Node[]): Promise<void> {
  for (let i = 1; i < list.length; i++) {
    const r = await cmd(list[i], 'CLUSTER', 'MEET', '127.0.0.1', String(list[0].port));
    if (r !== '+OK') throw new Error(`MEET: ${r}`);
  }
}

/** `count` keys named `<prefix><n>` whose hash slots fall in [lo, hi]. */
export function keysIn(lo: number, hi: number, count: number, prefix = 'key:'): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < count && i < 100000; i++) {
    const k = `${prefix}${i}`;
    const s = keyHashSlot(k);
    if (s >= lo && s <= hi) out.push(k);
  }
  return out;
}

/**
 * Gives `masters` contiguous slot ranges and configEpochs 1..n (so no epoch collision has to be
 * resolved first), has every node of `all` meet, and waits until they are all connected.
 */
export async function formCluster(
  masters: Node[],
  all: Node[] = masters,
  connectMs = 20000,
): Promise<[number, number][]> {
  const ranges = await assignSlots(masters);
  for (const [i, n] of masters.entries()) {
    const r = await cmd(n, 'CLUSTER', 'SET-CONFIG-EPOCH', String(i + 1));
    if (r !== '+OK') throw new Error(`SET-CONFIG-EPOCH: ${r}`);
  }
  await meetAll(all);
  await waitFor(`${all.length} nodes connected`, () => allConnected(all), connectMs);
  return ranges;
}

/** The role word ROLE answers first: master, slave or sentinel. */
export async function role(n: Node): Promise<string> {
  return (await n.conn.call('ROLE')).split('\r\n')[2];
}

/** Whether `n`, a replica, has its replication link up. */
export async function linkUp(n: Node): Promise<boolean> {
  return (await cmd(n, 'INFO', 'replication')).includes('master_link_status:up');
}
