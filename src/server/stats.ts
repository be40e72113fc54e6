/** Server-wide counters reported by INFO and reset by CONFIG RESETSTAT. */
import type { ErrorCounter } from '../resp/reply.js';

export class Stats implements ErrorCounter {
  totalConnections = 0;
  rejectedConnections = 0;
  totalCommands = 0;
  netInput = 0;
  netOutput = 0;
  netReplInput = 0;
  netReplOutput = 0;
  totalErrorReplies = 0;
  readsProcessed = 0;
  writesProcessed = 0;
  errors = new Map<string, number>();
  /** Ring of (time, commands, netIn, netOut) samples for the instantaneous_* fields. */
  private samples: [number, number, number, number][] = [];

  countError(code: string): void {
    this.totalErrorReplies++;
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  /** Called from the cron: keeps 16 samples as Redis does (STATS_METRIC_SAMPLES). */
  sample(now: number): void {
    this.samples.push([now, this.totalCommands, this.netInput, this.netOutput]);
    if (this.samples.length > 16) this.samples.shift();
  }

  /** Per-second rate of sample column `col` (1 commands, 2 net in, 3 net out). */
  rate(col: 1 | 2 | 3): number {
    const s = this.samples;
    if (s.length < 2) return 0;
    const a = s[0];
    const b = s[s.length - 1];
    const dt = (b[0] - a[0]) / 1000;
    return dt > 0 ? (b[col] - a[col]) / dt : 0;
  }

  reset(): void {
    this.totalConnections = 0;
    this.rejectedConnections = 0;
    this.totalCommands = 0;
    this.netInput = 0;
    this.netOutput = 0;
    this.netReplInput = 0;
    this.netReplOutput = 0;
    this.totalErrorReplies = 0;
    this.readsProcessed = 0;
    this.writesProcessed = 0;
    this.errors.clear();
    this.samples = [];
  }
}
