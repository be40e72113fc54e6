/**
 * Big collections (issue 3): builds a 1M-member sorted set, a 1M-element list and a 1M-field
 * hash in keyshard and in redis-server, one server at a time, while a probe client (a process
 * of its own, bigcoll-probe.ts) sends PING every 10 ms and records the worst round trip of each
 * phase: how long another client stalls. Then times the whole-collection reads, a small
 * ZRANGEBYSCORE, ZRANK and ZINCRBY on the big set, COPY, DEL and UNLINK of each structure with
 * the probe running, and the memory each structure added (INFO used_memory and the process
 * RSS). Part of `npm run bench` (row id `bigcoll`); alone:
 * `node dist/bench/bigcoll.js [--n 1000000] [--repeats 1]`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { startKeyshard, startRedis, type ServerProc } from '../test/helpers/procs.js';
import { sampleMemory, type MemorySample } from './memory.js';
import { cmd, RespPipe } from './resp-pipe.js';
import { structureHeap } from './bigcoll-heap.js';
import { Probe } from './bigcoll-probe.js';

const here = dirname(fileURLToPath(import.meta.url));

export interface PhaseResult {
  phase: string;
  ms: number;
  /** Worst PING round trip seen by the probe during the phase, in ms. */
  stallMs: number;
  /** The probe's 99th-percentile round trip during the phase, in ms. */
  p99Ms: number;
}

export interface StructMemory {
  structure: string;
  usedMemory: number | null;
  rss: number;
}

export interface ServerRun {
  phases: PhaseResult[];
  memory: StructMemory[];
}

export interface BigCollResult {
  n: number;
  repeats: number;
  keyshard: ServerRun;
  redis: ServerRun;
  /** Whether the stall probe ran at real-time priority (bench/bigcoll-probe.ts). */
  probeRealtime: boolean;
  /** Live heap of each keyshard structure alone (bench/bigcoll-heap.ts), in bytes. */
  keyshardHeap: Record<string, number>;
}

/** Commands per pipelined batch, and batches kept in flight while building. */
const BATCH = 1000;
const WINDOW = 4;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A pipelined batch: the encoded commands and how many there are. */
interface Batch {
  data: Buffer;
  count: number;
}

/** `total` commands made by `make(i)`, encoded as pipelined batches of BATCH. */
function encodeBatches(total: number, make: (i: number) => string): Batch[] {
  const batches: Batch[] = [];
  for (let start = 0; start < total; start += BATCH) {
    const end = Math.min(total, start + BATCH);
    let data = '';
    for (let i = start; i < end; i++) data += make(i);
    batches.push({ data: Buffer.from(data, 'latin1'), count: end - start });
  }
  return batches;
}

/** Sends encoded batches, WINDOW of them in flight. */
async function sendBatches(pipe: RespPipe, batches: Batch[]): Promise<void> {
  const inFlight: Promise<void>[] = [];
  for (const b of batches) {
    inFlight.push(pipe.send(b.data, b.count));
    if (inFlight.length >= WINDOW) await inFlight.shift();
  }
  await Promise.all(inFlight);
}

/** Sends `total` commands made by `make(i)` in pipelined batches. */
async function build(pipe: RespPipe, total: number, make: (i: number) => string): Promise<void> {
  await sendBatches(pipe, encodeBatches(total, make));
}

async function runOne(server: ServerProc, n: number, realtime: boolean): Promise<ServerRun> {
  const pipe = await RespPipe.open(server.port);
  const probe = await Probe.start(server.port, realtime);
  const phases: PhaseResult[] = [];
  const memory: StructMemory[] = [];
  const phase = async (name: string, work: () => Promise<void>): Promise<void> => {
    await sleep(50);
    await probe.take();
    const t0 = performance.now();
    await work();
    const ms = performance.now() - t0;
    await sleep(30);
    const stall = await probe.take();
    phases.push({ phase: name, ms, stallMs: stall.worst, p99Ms: stall.p99 });
    if (pipe.firstError) throw new Error(`${name}: ${pipe.firstError}`);
    process.stderr.write(`    ${name}: ${ms.toFixed(0)} ms\n`);
  };
  const one = (...args: string[]) => pipe.send(cmd(...args), 1);
  // A Node server's used_memory (V8's heap and its ArrayBuffers) counts garbage until a full
  // collection, which with a 64 MB least limit (src/server/node-flags.ts) may not come for a
  // while: the deleted warm-up copies were still counted when the sorted set was built, and
  // its delta came out negative. MEMORY PURGE runs one in keyshard (and releases jemalloc's
  // dirty pages in Redis); the lowest of a few samples after it is the live data.
  const settled = async (): Promise<MemorySample> => {
    await one('MEMORY', 'PURGE');
    let rss = Infinity;
    let used: number | null = Infinity;
    for (let i = 0; i < 3; i++) {
      await sleep(300);
      const s = await sampleMemory(server.port, server.pid);
      rss = Math.min(rss, s.rssBytes);
      used = s.usedMemory === null || used === null ? null : Math.min(used, s.usedMemory);
    }
    return { rssBytes: rss, usedMemory: used };
  };
  // Structure, build verb, one build command for a key, and the whole-structure read.
  const builds: [string, string, (key: string, i: number) => string, (key: string) => string[]][] =
    [
      // Scores are a permutation of 0..n-1, so inserts land all over the sorted set.
      [
        'zset',
        'ZADD',
        (key, i) => cmd('ZADD', key, String((i * 7919) % n), `member:${i}`),
        (key) => ['ZRANGE', key, '0', '-1'],
      ],
      [
        'list',
        'RPUSH',
        (key, i) => cmd('RPUSH', key, `element:${i}`),
        (key) => ['LRANGE', key, '0', '-1'],
      ],
      [
        'hash',
        'HSET',
        (key, i) => cmd('HSET', key, `field:${i}`, `value:${i}`),
        (key) => ['HGETALL', key],
      ],
    ];
  // Small reads and single-member writes on a sorted set of `size` members (O(log n) each:
  // range seeks, rank searches, moves by score), sent as pipelined batches of 1000.
  const zsetOps: [string, (key: string, size: number) => string][] = [
    [
      'ZRANGEBYSCORE 100 elements',
      (key, size) => {
        const s = Math.floor(Math.random() * Math.max(1, size - 100));
        return cmd('ZRANGEBYSCORE', key, String(s), String(s + 99));
      },
    ],
    ['ZRANK', (key, size) => cmd('ZRANK', key, `member:${Math.floor(Math.random() * size)}`)],
    [
      'ZINCRBY',
      (key, size) =>
        cmd('ZINCRBY', key, String(size / 2), `member:${Math.floor(Math.random() * size)}`),
    ],
  ];
  const batch = (op: (key: string, size: number) => string, key: string, size: number) => {
    let data = '';
    for (let k = 0; k < 1000; k++) data += op(key, size);
    return pipe.send(data, 1000);
  };
  try {
    // A fresh process has never run these commands: V8 first interprets them, then compiles
    // them, and its heap is still sized for an idle server, so the first ~150 ms of a first
    // load stall other clients for 15-30 ms however well the structures behave. And it keeps
    // compiling for a while: after a warm-up of 50,000 of each, a million RPUSHes still
    // recompiled or deoptimized the command path 40-50 times (`--trace-opt --trace-deopt`), on
    // the one background thread a 2-CPU machine leaves V8, and another client's worst wait was
    // 3.2 ms against 1.7 after a bigger warm-up (medians of six). A production server is past
    // that once it has seen its workload, so each server first builds (and deletes) a
    // full-size copy of every structure, running the sorted-set batches on its copy too; this
    // phase keeps the cold-start stalls visible in the table.
    await phase(`warm-up (${n} of each, cold server)`, async () => {
      for (const [structure, , make, read] of builds) {
        await build(pipe, n, (i) => make('warm', i));
        await one(...read('warm'));
        if (structure === 'zset') for (const [, op] of zsetOps) await batch(op, 'warm', n);
        await one('DEL', 'warm');
      }
    });
    let before = await settled();
    for (const [structure, verb, make] of builds) {
      const key = structure[0];
      // MEMORY PURGE's full collection (in settled) also throws away the JIT code that had
      // embedded objects it found dead (`--trace-deopt`: "marking dependent code ... reason:
      // weak objects"): the command path, and the per-turn path too (setImmediate, the flush,
      // the socket's write), whatever was deleted. A scratch build recompiles them before the
      // measured one. It is full-size because the per-turn functions run once per read of
      // ~360 commands: after a 100,000-command scratch build they were still being compiled
      // in the measured build's first 40 ms, where 14 of 19 waits above 0.9 ms fell (eight
      // list runs). The scratch key lives until the measured build is over so no collection
      // in between finds what the new code embeds dead. The memory figures stay the
      // structure's: the scratch key is deleted before the next sample.
      const scratch = `${key}:rewarm`;
      await build(pipe, n, (i) => make(scratch, i));
      // Encoded beforehand: a loader that builds its strings during the phase runs its own
      // scavenges on V8's helper threads, which took the server's CPU for a millisecond at a
      // time on a 2-CPU machine (`perf sched timehist`), the same for either server.
      const batches = encodeBatches(n, (i) => make(key, i));
      await phase(`build ${structure} (${n} ${verb})`, () => sendBatches(pipe, batches));
      await one('DEL', scratch);
      const after = await settled();
      memory.push({
        structure,
        usedMemory:
          after.usedMemory !== null && before.usedMemory !== null
            ? after.usedMemory - before.usedMemory
            : null,
        rss: after.rssBytes - before.rssBytes,
      });
      before = after;
    }
    await phase('ZRANGE z 0 -1', () => one('ZRANGE', 'z', '0', '-1'));
    for (const [name, op] of zsetOps) await phase(`${name} x1000`, () => batch(op, 'z', n));
    await phase('LRANGE l 0 -1', () => one('LRANGE', 'l', '0', '-1'));
    await phase('HGETALL h', () => one('HGETALL', 'h'));
    for (const key of ['z', 'l', 'h']) {
      await phase(`COPY ${key}`, () => one('COPY', key, `${key}2`));
      await phase(`DEL ${key}`, () => one('DEL', key));
      await phase(`UNLINK ${key} (copy)`, () => one('UNLINK', `${key}2`));
    }
  } finally {
    await probe.stop();
    pipe.close();
  }
  return { phases, memory };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function medianRun(runs: ServerRun[]): ServerRun {
  const first = runs[0];
  return {
    phases: first.phases.map((p, i) => ({
      phase: p.phase,
      ms: median(runs.map((r) => r.phases[i].ms)),
      stallMs: median(runs.map((r) => r.phases[i].stallMs)),
      p99Ms: median(runs.map((r) => r.phases[i].p99Ms)),
    })),
    memory: first.memory.map((m, i) => ({
      structure: m.structure,
      usedMemory:
        m.usedMemory === null ? null : median(runs.map((r) => r.memory[i].usedMemory ?? 0)),
      rss: median(runs.map((r) => r.memory[i].rss)),
    })),
  };
}

/** Runs the whole sequence `repeats` times on a fresh server of each kind; medians. */
export async function runBigColl(n: number, repeats: number): Promise<BigCollResult> {
  const runs: Record<'keyshard' | 'redis', ServerRun[]> = { keyshard: [], redis: [] };
  const realtime = Probe.realtimeAllowed();
  for (let rep = 0; rep < repeats; rep++) {
    const order =
      rep % 2 === 0 ? (['keyshard', 'redis'] as const) : (['redis', 'keyshard'] as const);
    for (const name of order) {
      process.stderr.write(`  bigcoll run ${rep + 1}/${repeats} ${name}\n`);
      const server = name === 'keyshard' ? await startKeyshard() : await startRedis();
      try {
        runs[name].push(await runOne(server, n, realtime));
      } finally {
        await server.stop('SIGKILL');
      }
    }
  }
  return {
    n,
    repeats,
    keyshard: medianRun(runs.keyshard),
    redis: medianRun(runs.redis),
    probeRealtime: realtime,
    keyshardHeap: structureHeap(n),
  };
}

function table(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(fmt(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(fmt(r));
}

const ratio = (a: number | null, b: number | null) =>
  a === null || b === null || b === 0 ? 'n/a' : (a / b).toFixed(2);
const mb = (x: number | null) => (x === null ? 'n/a' : (x / 1048576).toFixed(1));

export function printBigColl(r: BigCollResult): void {
  console.log(`\nbig collections: ${r.n} elements each, medians of ${r.repeats}`);
  console.log(
    r.probeRealtime
      ? 'stall: worst PING round trip of a probe at real-time priority'
      : 'stall: worst PING round trip of a probe at normal priority (chrt -f not allowed here):' +
          ' includes the probe waiting for a CPU',
  );
  console.log('p99: the 99th percentile of the same round trips');
  table(
    [
      'phase',
      'ks ms',
      'redis ms',
      'ratio',
      'ks stall',
      'redis stall',
      'stall ratio',
      'ks p99',
      'redis p99',
    ],
    r.keyshard.phases.map((p, i) => {
      const q = r.redis.phases[i];
      return [
        p.phase,
        p.ms.toFixed(0),
        q.ms.toFixed(0),
        ratio(p.ms, q.ms),
        p.stallMs.toFixed(1),
        q.stallMs.toFixed(1),
        ratio(p.stallMs, q.stallMs),
        p.p99Ms.toFixed(1),
        q.p99Ms.toFixed(1),
      ];
    }),
  );
  console.log('');
  table(
    [
      'memory',
      'ks used MB',
      'redis used MB',
      'ratio',
      'ks RSS MB',
      'redis RSS MB',
      'ratio',
      'ks live heap MB',
      'ratio',
    ],
    r.keyshard.memory.map((m, i) => {
      const q = r.redis.memory[i];
      const live = r.keyshardHeap[m.structure] ?? null;
      return [
        m.structure,
        mb(m.usedMemory),
        mb(q.usedMemory),
        ratio(m.usedMemory, q.usedMemory),
        mb(m.rss),
        mb(q.rss),
        ratio(m.rss, q.rss),
        mb(live),
        ratio(live, q.usedMemory),
      ];
    }),
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      n: { type: 'string', default: '1000000' },
      repeats: { type: 'string', default: '1' },
    },
  });
  const n = Number(values.n);
  const repeats = Number(values.repeats);
  if (!(n >= 100) || !(repeats > 0)) throw new Error('usage: bigcoll.js [--n N] [--repeats R]');
  const result = await runBigColl(n, repeats);
  printBigColl(result);
  const dir = join(here, '..', '..', 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `bigcoll-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    file,
    JSON.stringify({ date: new Date().toISOString(), ...result }, null, 2) + '\n',
  );
  console.log(`\nsaved ${file}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
