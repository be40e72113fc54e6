/** Prints the failover bench's medians as a plain-text table. */
import type { FailoverLine, FailoverSide } from './failover.js';

const ms = (x: number | null): string => (x === null ? '-' : x.toFixed(0));

function cells(s: FailoverSide | string): string[] {
  if (typeof s === 'string') return ['failed', '-', '-'];
  return [ms(s.writeMs), ms(s.failMs), ms(s.wonMs)];
}

export function printFailover(lines: FailoverLine[]): void {
  if (lines.length === 0) return;
  const header = [
    'failover',
    'node timeout',
    'ks write',
    'ks FAIL',
    'ks won',
    'redis write',
    'r FAIL',
    'r won',
    'ratio',
  ];
  const rows = lines.map((l) => [
    l.scenario,
    String(l.nodeTimeout),
    ...cells(l.keyshard),
    ...cells(l.redis),
    l.ratio === null ? 'n/a' : l.ratio.toFixed(2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (c: string[]): string =>
    c.map((x, i) => (i < 1 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join('  ');
  console.log('');
  console.log(fmt(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(fmt(r));
  console.log(
    '(medians in ms from the kill -9 / CLUSTER FAILOVER: write = first write accepted by the new\n' +
      ' master, FAIL = the replica saw its master FAIL, won = the replica won the election;\n' +
      ' ratio = keyshard write / redis write, lower is better for keyshard)',
  );
  for (const l of lines) {
    for (const [name, s] of [
      ['keyshard', l.keyshard],
      ['redis', l.redis],
    ] as const) {
      if (typeof s === 'string') {
        console.log(`failover ${l.scenario} nt=${l.nodeTimeout} failed on ${name}: ${s}`);
      }
    }
  }
}
