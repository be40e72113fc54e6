/**
 * The failover bench: for keyshard and for redis-server, each as a 3 masters + 3 replicas cluster
 * at each node timeout, it measures
 *   kill:   kill -9 of a master -> the first write to a key in its slots accepted by its replica,
 *   manual: CLUSTER FAILOVER sent to a replica -> the first write accepted by that replica,
 * with a client that retries every ~10 ms and follows -MOVED (failover-probe.ts). Each
 * measurement runs `repeats` times, on the shards in turn; the killed master is restarted and
 * rejoins as a replica before the next one. The heir's log gives where the time went (FAIL seen,
 * election won), read from Redis-format timestamps.
 */
import { BenchCluster, type Kind } from './failover-cluster.js';
import { WriteProbe } from './failover-probe.js';
import { keyHashSlot } from '../src/util/crc16.js';
import { stopAll } from '../test/cluster/helpers.js';

export type Scenario = 'kill' | 'manual';

export interface FailoverSample {
  /** From the kill (or the CLUSTER FAILOVER command) to the first accepted write, ms. */
  writeMs: number;
  /** From the same start to the heir's log line that says it saw the master FAIL (kill only). */
  failMs: number | null;
  /** From the same start to the heir's `Failover election won` log line. */
  wonMs: number | null;
}

export interface FailoverSide {
  samples: FailoverSample[];
  /** Medians of the samples' fields. */
  writeMs: number;
  failMs: number | null;
  wonMs: number | null;
}

export interface FailoverLine {
  scenario: Scenario;
  nodeTimeout: number;
  keyshard: FailoverSide | string;
  redis: FailoverSide | string;
  /** keyshard / redis median time to the first write (lower is better for keyshard). */
  ratio: number | null;
}

const KINDS: Kind[] = ['keyshard', 'redis'];
export const NODE_TIMEOUTS = [3000, 1000];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function medianOrNull(xs: (number | null)[]): number | null {
  const known = xs.filter((x): x is number => x !== null);
  return known.length ? median(known) : null;
}

/** A key whose slot falls in [lo, hi]. */
function keyIn([lo, hi]: [number, number], tag: string): string {
  for (let i = 0; ; i++) {
    const k = `failover:${tag}:${i}`;
    const s = keyHashSlot(k);
    if (s >= lo && s <= hi) return k;
  }
}

/** Wall-clock time (ms) of the first log line after `since` whose text matches `re`. */
function logTime(log: string, re: RegExp, since: number): number | null {
  const line = /^\d+:[A-Z] (\d+ \w+ \d+ \d+:\d+:\d+\.\d+) [.\-*#] (.*)$/gm;
  for (let m = line.exec(log); m; m = line.exec(log)) {
    // Both servers log local time, as Date.parse reads it.
    const t = Date.parse(m[1]);
    if (t >= since - 1 && re.test(m[2])) return t;
  }
  return null;
}

/** When each node last won an election (performance.now()). */
type Elections = Map<string, number>;

/**
 * redis-server starts a replica's new election only once its previous one is older than the
 * retry time, 2 x max(2 x nt, 2000) ms: a manual failover asked sooner times out. Both servers
 * get the same wait before a replica that won recently is asked again (with more repeats than
 * shards), so neither side's figures include it.
 */
async function electionSpacing(c: BenchCluster, id: string, elections: Elections): Promise<void> {
  const last = elections.get(id);
  if (last === undefined) return;
  const retry = 2 * Math.max(2 * c.nodeTimeout, 2000) + 500;
  const left = last + retry - performance.now();
  if (left > 0) await new Promise((r) => setTimeout(r, left));
}

async function measureKill(
  c: BenchCluster,
  shard: number,
  round: number,
  elections: Elections,
): Promise<FailoverSample> {
  const { master, masterId, replica, replicaId } = await c.shard(shard);
  await electionSpacing(c, replicaId, elections);
  const key = keyIn(c.ranges[shard], `kill${round}`);
  const probe = new WriteProbe(c.nodes.map((n) => n.port));
  try {
    const wall = Date.now();
    const t0 = performance.now();
    await c.kill(masterId);
    const r = await probe.firstWrite(
      key,
      master.port,
      (p) => p === replica.port,
      t0 + 20 * c.nodeTimeout + 20000,
    );
    const log = replica.proc.output();
    const fail = logTime(
      log,
      new RegExp(
        `FAIL message received from \\w+ about ${masterId}|Marking node ${masterId} as failing`,
      ),
      wall,
    );
    const won = logTime(log, /Failover election won/, wall);
    elections.set(replicaId, r.at);
    const sample = {
      writeMs: r.at - t0,
      failMs: fail === null ? null : fail - wall,
      wonMs: won === null ? null : won - wall,
    };
    await c.restart(masterId);
    return sample;
  } finally {
    probe.close();
  }
}

async function measureManual(
  c: BenchCluster,
  shard: number,
  round: number,
  elections: Elections,
): Promise<FailoverSample> {
  const { master, replica, replicaId } = await c.shard(shard);
  await electionSpacing(c, replicaId, elections);
  const key = keyIn(c.ranges[shard], `manual${round}`);
  const probe = new WriteProbe(c.nodes.map((n) => n.port));
  try {
    const wall = Date.now();
    const t0 = performance.now();
    const ok = await replica.conn.call('CLUSTER', 'FAILOVER');
    if (ok !== '+OK\r\n') throw new Error(`CLUSTER FAILOVER: ${ok.trim()}`);
    // The client still believes the old master owns the slot.
    const r = await probe.firstWrite(key, master.port, (p) => p === replica.port, t0 + 20000);
    const won = logTime(replica.proc.output(), /Failover election won/, wall);
    elections.set(replicaId, r.at);
    const sample = { writeMs: r.at - t0, failMs: null, wonMs: won === null ? null : won - wall };
    await c.settle();
    return sample;
  } finally {
    probe.close();
  }
}

function side(samples: FailoverSample[]): FailoverSide {
  return {
    samples,
    writeMs: median(samples.map((s) => s.writeMs)),
    failMs: medianOrNull(samples.map((s) => s.failMs)),
    wonMs: medianOrNull(samples.map((s) => s.wonMs)),
  };
}

/** Runs every scenario at every node timeout for both servers. */
export async function runFailover(repeats: number): Promise<FailoverLine[]> {
  const lines: FailoverLine[] = [];
  for (const nt of NODE_TIMEOUTS) {
    const results: Record<Scenario, Partial<Record<Kind, FailoverSide | string>>> = {
      kill: {},
      manual: {},
    };
    for (const kind of KINDS) {
      let scenario: Scenario = 'kill';
      try {
        process.stderr.write(`  failover: ${kind} 3+3 cluster, cluster-node-timeout ${nt}\n`);
        const c = await BenchCluster.create(kind, nt);
        const elections: Elections = new Map();
        const kills: FailoverSample[] = [];
        for (let i = 0; i < repeats; i++) {
          process.stderr.write(`  failover kill ${i + 1}/${repeats} ${kind} nt=${nt}\n`);
          kills.push(await measureKill(c, i % 3, i, elections));
        }
        results.kill[kind] = side(kills);
        scenario = 'manual';
        const manual: FailoverSample[] = [];
        for (let i = 0; i < repeats; i++) {
          process.stderr.write(`  failover manual ${i + 1}/${repeats} ${kind} nt=${nt}\n`);
          manual.push(await measureManual(c, i % 3, i, elections));
        }
        results.manual[kind] = side(manual);
      } catch (e) {
        // Report the failure in the table and go on with the other server.
        const msg = e instanceof Error ? e.message : String(e);
        results[scenario][kind] = msg;
        if (scenario === 'kill') results.manual[kind] = 'not run';
      } finally {
        await stopAll();
      }
    }
    for (const scenario of ['kill', 'manual'] as const) {
      const ks = results[scenario].keyshard ?? 'not run';
      const rs = results[scenario].redis ?? 'not run';
      const ratio =
        typeof ks === 'string' || typeof rs === 'string' ? null : ks.writeMs / rs.writeMs;
      lines.push({ scenario, nodeTimeout: nt, keyshard: ks, redis: rs, ratio });
    }
  }
  return lines;
}
