/** Runs redis-benchmark against one server and parses its `--csv` output. */
import { spawn } from 'node:child_process';

export interface TestResult {
  /** The test name redis-benchmark prints (`SET`, `MSET (10 keys)`, ...). */
  test: string;
  rps: number;
  p50: number;
  p99: number;
}

export function runRedisBenchmark(
  port: number,
  args: string[],
  requests: number,
): Promise<TestResult[]> {
  const argv = ['-h', '127.0.0.1', '-p', String(port), '-n', String(requests), '--csv', ...args];
  return new Promise((resolve, reject) => {
    const child = spawn('redis-benchmark', argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`redis-benchmark ${argv.join(' ')} exited ${code}: ${err}`));
      else resolve(parseCsv(out));
    });
  });
}

/** Parses redis-benchmark 7.0 CSV: a header row, then one quoted row per test. */
export function parseCsv(text: string): TestResult[] {
  const lines = text.split('\n').filter((l) => l.startsWith('"'));
  if (lines.length === 0) return [];
  const cells = (l: string): string[] => [...l.matchAll(/"([^"]*)"/g)].map((m) => m[1]);
  const header = cells(lines[0]);
  const col = (name: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`redis-benchmark CSV has no ${name} column: ${lines[0]}`);
    return i;
  };
  const [iTest, iRps, iP50, iP99] = [
    col('test'),
    col('rps'),
    col('p50_latency_ms'),
    col('p99_latency_ms'),
  ];
  return lines.slice(1).map((l) => {
    const c = cells(l);
    return { test: c[iTest], rps: Number(c[iRps]), p50: Number(c[iP50]), p99: Number(c[iP99]) };
  });
}
