/** Prints benchmark results as plain-text tables. */
import type { MemoryResult } from './memory.js';

export interface Figures {
  rps: number;
  p50: number;
  p99: number;
  /** Server CPU time (user + system) per request, in microseconds. */
  cpuUs: number;
}

export interface ThroughputLine {
  row: string;
  test: string;
  /** The medians, or why there are none (the error redis-benchmark printed). */
  keyshard: Figures | string;
  redis: Figures | string;
  /** keyshard rps / redis rps (higher is better for keyshard); null when one side failed. */
  ratio: number | null;
}

function table(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (cells: string[]) =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(fmt(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(fmt(r));
}

const ms = (x: number) => x.toFixed(3);

function figures(f: Figures | string): string[] {
  if (typeof f === 'string') return ['failed', '-', '-', '-'];
  return [f.rps.toFixed(0), ms(f.p50), ms(f.p99), f.cpuUs.toFixed(2)];
}

export function printThroughput(lines: ThroughputLine[]): void {
  if (lines.length === 0) return;
  table(
    [
      'row',
      'test',
      'ks req/s',
      'ks p50',
      'ks p99',
      'ks cpu',
      'redis req/s',
      'r p50',
      'r p99',
      'r cpu',
      'ratio',
      'cpu ratio',
    ],
    lines.map((l) => [
      l.row,
      l.test,
      ...figures(l.keyshard),
      ...figures(l.redis),
      l.ratio === null ? 'n/a' : l.ratio.toFixed(2),
      typeof l.keyshard === 'string' || typeof l.redis === 'string'
        ? 'n/a'
        : (l.keyshard.cpuUs / l.redis.cpuUs).toFixed(2),
    ]),
  );
  console.log(
    '(latencies in ms; cpu = server CPU µs per request; ratio = keyshard req/s / redis req/s;\n' +
      ' cpu ratio = keyshard cpu / redis cpu, the load-independent cost comparison)',
  );
  for (const l of lines) {
    for (const [name, f] of [
      ['keyshard', l.keyshard],
      ['redis', l.redis],
    ] as const) {
      if (typeof f === 'string') console.log(`${l.row} ${l.test} failed on ${name}: ${f}`);
    }
  }
}

export function printMemory(
  results: { row: string; keyshard: MemoryResult; redis: MemoryResult }[],
): void {
  if (results.length === 0) return;
  console.log('');
  const b = (x: number | null) => (x === null ? 'n/a' : x.toFixed(1));
  const ratio = (a: number | null, c: number | null) =>
    a === null || c === null ? 'n/a' : (a / c).toFixed(2);
  table(
    ['row', 'measure', 'keyshard B/key', 'redis B/key', 'ratio'],
    results.flatMap((r) => [
      [
        r.row,
        'process RSS delta',
        b(r.keyshard.rssPerKey),
        b(r.redis.rssPerKey),
        ratio(r.keyshard.rssPerKey, r.redis.rssPerKey),
      ],
      [
        r.row,
        'INFO used_memory delta',
        b(r.keyshard.usedMemoryPerKey),
        b(r.redis.usedMemoryPerKey),
        ratio(r.keyshard.usedMemoryPerKey, r.redis.usedMemoryPerKey),
      ],
      [
        r.row,
        'DBSIZE after load',
        String(r.keyshard.dbsize ?? 'n/a'),
        String(r.redis.dbsize ?? 'n/a'),
        '',
      ],
    ]),
  );
  console.log('(ratio = keyshard / redis; lower is better for keyshard)');
}
