/**
 * `npm run bench`: keyshard-server and redis-server side by side in one run, on free loopback
 * ports, measured with the same redis-benchmark invocations (rows.ts). Each throughput row runs
 * `--repeats` times against both, alternating which server goes first, and the medians are
 * reported with the keyshard/redis ratio. Memory rows load a dataset into a fresh pair.
 * Results are printed as a table and saved to bench/results/<timestamp>.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startKeyshard, startRedis, type ServerProc } from '../test/helpers/procs.js';
import { ROWS, type MemoryRow, type ThroughputRow } from './rows.js';
import { runRedisBenchmark, type TestResult } from './redis-benchmark.js';
import { measureMemory, type MemoryResult } from './memory.js';
import { printMemory, printThroughput, type Figures, type ThroughputLine } from './report.js';
import { printBigColl, runBigColl } from './bigcoll.js';
import { runFailover } from './failover.js';
import { printFailover } from './failover-report.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SERVERS = ['keyshard', 'redis'] as const;
type ServerName = (typeof SERVERS)[number];

const USAGE = `usage: npm run bench -- [--requests N] [--repeats R] [--only id,id] [--failover-repeats F]
  --requests N  requests per test for unpipelined rows (pipelined rows scale it up); default 100000
  --repeats R   runs per throughput row and server; medians are reported; default 3
  --only ids    run only these rows (${ROWS.map((r) => r.id).join(', ')}, bigcoll, failover)
  --failover-repeats F  kills and manual failovers per server and node timeout; default 3`;

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** User + system CPU seconds a process has used so far (from /proc/<pid>/stat). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  // Fields after the command name, which is in parentheses and may contain spaces.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / CLK_TCK;
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return lines[lines.length - 1];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function startBoth(): Promise<Record<ServerName, ServerProc>> {
  const [keyshard, redis] = await Promise.all([startKeyshard(), startRedis()]);
  return { keyshard, redis };
}

async function stopBoth(p: Record<ServerName, ServerProc>): Promise<void> {
  await Promise.all([p.keyshard.stop('SIGTERM'), p.redis.stop('SIGTERM')]);
}

/** Starts a replica of each server (keyshard of keyshard, redis of redis) and waits for sync. */
async function attachReplicas(masters: Record<ServerName, ServerProc>): Promise<ServerProc[]> {
  const replicas = await Promise.all([startKeyshard(), startRedis()]);
  const pairs: [ServerProc, ServerProc][] = [
    [replicas[0], masters.keyshard],
    [replicas[1], masters.redis],
  ];
  for (const [replica, master] of pairs) {
    const cli = (...args: string[]): string =>
      execFileSync('redis-cli', ['-p', String(replica.port), ...args]).toString();
    cli('REPLICAOF', '127.0.0.1', String(master.port));
    for (let i = 0; !/master_link_status:up/.test(cli('INFO', 'replication')); i++) {
      if (i > 300) throw new Error(`replica of ${master.port} did not sync`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return replicas;
}

/** One redis-benchmark invocation of a row: a single `-t` test, or the row's own command. */
function invocations(row: ThroughputRow): { label: string; args: string[] }[] {
  if (!row.tests) return [{ label: row.args.join(' '), args: row.args }];
  return row.tests.map((t) => ({ label: t.toUpperCase(), args: ['-t', t, ...row.args] }));
}

interface Samples {
  row: string;
  test: string;
  results: Record<ServerName, (TestResult & { cpuUs: number })[]>;
  errors: Partial<Record<ServerName, string>>;
}

async function runThroughput(
  rows: ThroughputRow[],
  requests: number,
  repeats: number,
  withReplica = false,
): Promise<ThroughputLine[]> {
  if (rows.length === 0) return [];
  const procs = await startBoth();
  const replicas = withReplica ? await attachReplicas(procs) : [];
  const samples = new Map<string, Samples>();
  const entry = (row: string, test: string): Samples => {
    const key = `${row}\0${test}`;
    let e = samples.get(key);
    if (!e) {
      e = { row, test, results: { keyshard: [], redis: [] }, errors: {} };
      samples.set(key, e);
    }
    return e;
  };
  try {
    for (let rep = 0; rep < repeats; rep++) {
      for (const row of rows) {
        for (const inv of invocations(row)) {
          const order = rep % 2 === 0 ? SERVERS : [...SERVERS].reverse();
          for (const name of order) {
            const n = requests * row.requestsFactor;
            process.stderr.write(`  ${row.id} ${inv.label} run ${rep + 1}/${repeats} ${name}\n`);
            try {
              const cpu0 = cpuSeconds(procs[name].pid);
              const results = await runRedisBenchmark(procs[name].port, inv.args, n);
              // Server CPU per request: unlike req/s, barely moved by other load on the machine.
              const cpuUs = ((cpuSeconds(procs[name].pid) - cpu0) * 1e6) / (n * results.length);
              // A single -t test is filed under its -t name so failures and results line up.
              for (const r of results) {
                const test = row.tests ? inv.label : r.test;
                entry(row.id, test).results[name].push({ ...r, cpuUs });
              }
            } catch (e) {
              // A command the server does not implement yet: report it, measure the rest.
              entry(row.id, inv.label).errors[name] = lastLine((e as Error).message);
            }
          }
        }
      }
    }
  } finally {
    await Promise.all([stopBoth(procs), ...replicas.map((r) => r.stop('SIGTERM'))]);
  }
  const lines: ThroughputLine[] = [];
  for (const s of samples.values()) {
    const med = (name: ServerName): Figures | string => {
      const rs = s.results[name];
      if (rs.length === 0) return s.errors[name] ?? 'no result';
      return {
        rps: median(rs.map((r) => r.rps)),
        p50: median(rs.map((r) => r.p50)),
        p99: median(rs.map((r) => r.p99)),
        cpuUs: median(rs.map((r) => r.cpuUs)),
      };
    };
    const ks = med('keyshard');
    const rs = med('redis');
    const ratio = typeof ks === 'string' || typeof rs === 'string' ? null : ks.rps / rs.rps;
    lines.push({ row: s.row, test: s.test, keyshard: ks, redis: rs, ratio });
  }
  return lines;
}

async function runMemory(
  rows: MemoryRow[],
): Promise<{ row: string; keyshard: MemoryResult; redis: MemoryResult }[]> {
  const out = [];
  for (const row of rows) {
    const procs = await startBoth();
    try {
      process.stderr.write(`  ${row.id}: loading ${row.keys} keys into each server ...\n`);
      const keyshard = await measureMemory(procs.keyshard.port, procs.keyshard.pid, row);
      const redis = await measureMemory(procs.redis.port, procs.redis.pid, row);
      out.push({ row: row.id, keyshard, redis });
    } finally {
      await stopBoth(procs);
    }
  }
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      requests: { type: 'string', default: '100000' },
      repeats: { type: 'string', default: '3' },
      only: { type: 'string' },
      'failover-repeats': { type: 'string', default: '3' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const requests = Number(values.requests);
  const repeats = Number(values.repeats);
  const failoverRepeats = Number(values['failover-repeats']);
  if (!(requests > 0) || !(repeats > 0) || !(failoverRepeats > 0)) throw new Error(USAGE);
  const only = values.only?.split(',');
  const rows = ROWS.filter((r) => !only || only.includes(r.id));

  const redisVersion = execFileSync('redis-server', ['--version']).toString().trim();
  console.log(`keyshard vs ${redisVersion}`);
  console.log(`node ${process.version}, ${cpus().length} cpus, ${repeats} repeats, medians\n`);

  const tp = rows.filter((r): r is ThroughputRow => r.kind === 'throughput');
  const throughput = [
    ...(await runThroughput(
      tp.filter((r) => !r.withReplica),
      requests,
      repeats,
    )),
    ...(await runThroughput(
      tp.filter((r) => r.withReplica),
      requests,
      repeats,
      true,
    )),
  ];
  printThroughput(throughput);
  const memory = await runMemory(rows.filter((r): r is MemoryRow => r.kind === 'memory'));
  printMemory(memory);
  // Big collections (bench/bigcoll.ts): 1M-element builds, reads and deletes, once per server.
  const bigcoll = !only || only.includes('bigcoll') ? await runBigColl(1_000_000, 1) : null;
  if (bigcoll) printBigColl(bigcoll);
  // Failover (bench/failover.ts): kill -9 and CLUSTER FAILOVER in 3+3 clusters of each server.
  const failover = !only || only.includes('failover') ? await runFailover(failoverRepeats) : null;
  if (failover) printFailover(failover);

  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  const result = {
    date: new Date().toISOString(),
    node: process.version,
    redis: redisVersion,
    cpus: cpus().length,
    requests,
    repeats,
    throughput,
    memory,
    bigcoll,
    failover,
  };
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  console.log(`\nsaved ${file}`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
