/**
 * Per-command latency samples for INFO latencystats (`latency_percentiles_usec_<cmd>`). Redis
 * keeps an HDR histogram per command; a ring of the most recent samples gives the same
 * percentiles closely enough at a fixed, small cost per call. Recording follows
 * latency-tracking, the reported percentiles latency-tracking-info-percentiles.
 */
import type { CommandDef } from '../commands/table.js';
import type { Server } from './server.js';

const RING = 1024;

class Samples {
  readonly values = new Float64Array(RING);
  count = 0;
  /** Calls per LATENCY HISTOGRAM level: index j counts the calls Redis shows at 2^j ns. */
  readonly buckets = new Float64Array(32);
  /** Highest bucket with a call, -1 before the first. */
  top = -1;
  /** The command's call counter when last recorded: a smaller one means CONFIG RESETSTAT. */
  calls = 0;

  add(usec: number): void {
    this.values[this.count % RING] = usec;
    this.count++;
    const k = histogramLevel(usec);
    this.buckets[k]++;
    if (k > this.top) this.top = k;
  }

  sorted(): Float64Array {
    return this.values.slice(0, Math.min(this.count, RING)).sort();
  }
}

/**
 * Redis records each call in an HDR histogram of nanoseconds (clamped to 1024 ns .. 1 s) with
 * two significant figures: a value lands in a bin 2^(floor(log2 ns) - 7) ns wide. LATENCY
 * HISTOGRAM walks the levels 2^10, 2^11, ... ns, counting at each the bins that start at or
 * below it, and labels a level with the last nanosecond of the bin that starts there.
 */
const HIST_MIN_NS = 1024;
const HIST_MAX_NS = 1_000_000_000;

/** The level (log2 ns) at which a call of `usec` whole microseconds is first counted. */
function histogramLevel(usec: number): number {
  const ns = Math.min(HIST_MAX_NS, Math.max(HIST_MIN_NS, usec * 1000));
  const bin = 2 ** (31 - Math.clz32(ns) - 7);
  const start = ns - (ns % bin);
  return 32 - Math.clz32(start - 1);
}

/** The usec label of level `j`, as Redis prints it (132, 264, ... 1056 for 2^20 ns). */
function levelLabel(j: number): number {
  return Math.floor((2 ** j + 2 ** (j - 7) - 1) / 1000);
}

const perServer = new WeakMap<Server, Map<CommandDef, Samples>>();

/** Starts recording command latencies for `s` (called once at server construction). */
export function trackLatency(s: Server): void {
  const map = new Map<CommandDef, Samples>();
  perServer.set(s, map);
  let tracking = s.config.get('latency-tracking');
  s.config.onChange('latency-tracking', (on) => (tracking = on));
  s.callObservers.push((_c, def, _argv, usec) => {
    if (!tracking) return;
    let smp = map.get(def);
    if (!smp || def.calls <= smp.calls) map.set(def, (smp = new Samples()));
    smp.calls = def.calls;
    smp.add(usec);
  });
}

/** The recorded commands whose statistics were not reset since (forgetting the others). */
function liveSamples(s: Server): Map<CommandDef, Samples> {
  const map = perServer.get(s) ?? new Map<CommandDef, Samples>();
  for (const [def, smp] of map) if (def.calls < smp.calls) map.delete(def);
  return map;
}

export interface Histogram {
  calls: number;
  /**
   * [bucket upper bound in usec, calls at most that long] for each bucket with calls: Redis
   * lists a bound only where the cumulative count rises.
   */
  cumulative: [number, number][];
}

/** LATENCY HISTOGRAM data for `def`, or null when it has no samples. */
export function latencyHistogram(s: Server, def: CommandDef): Histogram | null {
  const smp = liveSamples(s).get(def);
  if (!smp) return null;
  const cumulative: [number, number][] = [];
  let total = 0;
  for (let k = 0; k <= smp.top; k++) {
    const n = smp.buckets[k];
    total += n;
    if (n > 0) cumulative.push([levelLabel(k), total]);
  }
  return { calls: def.calls, cumulative };
}

/** Commands with latency samples, in the order they were first recorded. */
export function trackedCommands(s: Server): CommandDef[] {
  return [...liveSamples(s).keys()];
}

export function latencyLines(s: Server): string[] {
  const map = liveSamples(s);
  const percentiles = s.config.get('latency-tracking-info-percentiles');
  const out: string[] = [];
  for (const [def, smp] of map) {
    const sorted = smp.sorted();
    const parts = percentiles.map((p) => {
      const idx = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
      return `p${String(p)}=${sorted[Math.max(0, idx)].toFixed(3)}`;
    });
    out.push(`latency_percentiles_usec_${def.name.replace(/[#:\r\n]/g, '_')}:${parts.join(',')}`);
  }
  return out;
}
