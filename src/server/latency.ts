/**
 * Per-command latency histograms for INFO latencystats (`latency_percentiles_usec_<cmd>`) and
 * LATENCY HISTOGRAM. Recording follows latency-tracking, the reported percentiles
 * latency-tracking-info-percentiles.
 */
import type { CommandDef } from '../commands/table.js';
import type { Server } from './server.js';

/**
 * Redis records each call's duration (in ns, 1 ns .. 1 s) in an HDR histogram with two
 * significant figures: a value v >= 256 lands in a bin 2^(floor(log2 v) - 7) ns wide, smaller
 * ones exactly. Its bins are kept here the same way, so percentiles and LATENCY HISTOGRAM's
 * buckets come out as Redis prints them.
 */
const MAX_NS = 1_000_000_000;
/** Bins: 256 below 256 ns, then 128 per power of two up to 2^30 ns. */
const BINS = 24 * 128;

function binOf(ns: number): number {
  if (ns < 256) return ns;
  const shift = 31 - Math.clz32(ns) - 7;
  return ((shift + 1) << 7) + (ns >>> shift) - 128;
}

/** The lowest ns value of bin `i`. */
function binStart(i: number): number {
  if (i < 256) return i;
  const shift = (i >>> 7) - 1;
  return ((i & 127) + 128) * 2 ** shift;
}

/** The highest ns value of bin `i` (what Redis reports for a bin). */
function binEnd(i: number): number {
  return binStart(i + 1) - 1;
}

class Samples {
  readonly bins = new Float64Array(BINS);
  total = 0;
  /** Highest bin with a call. */
  top = 0;
  /** The command's call counter when last recorded: a smaller one means CONFIG RESETSTAT. */
  calls = 0;

  add(usec: number): void {
    const i = binOf(Math.max(1, Math.min(MAX_NS, usec * 1000)));
    this.bins[i]++;
    this.total++;
    if (i > this.top) this.top = i;
  }

  /** hdr_value_at_percentile: the end of the bin where the count reaches p% of the calls. */
  percentile(p: number): number {
    const want = Math.max(1, Math.floor((Math.min(p, 100) / 100) * this.total + 0.5));
    let seen = 0;
    for (let i = 0; i <= this.top; i++) {
      seen += this.bins[i];
      if (seen >= want) return binEnd(i);
    }
    return 0;
  }

  /**
   * LATENCY HISTOGRAM's walk: at each level 2^10, 2^11, ... ns, the calls in bins that start at
   * or below it, labelled with the end (in usec) of the bin that starts at the level.
   */
  levels(): [number, number][] {
    const out: [number, number][] = [];
    let seen = 0;
    let i = 0;
    for (let level = 1024; seen < this.total; level *= 2) {
      let added = 0;
      for (; i <= this.top && binStart(i) <= level; i++) added += this.bins[i];
      seen += added;
      if (added > 0) out.push([Math.floor(binEnd(binOf(level)) / 1000), seen]);
    }
    return out;
  }
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
  return smp ? { calls: smp.total, cumulative: smp.levels() } : null;
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
    const parts = percentiles.map((p) => `p${String(p)}=${(smp.percentile(p) / 1000).toFixed(3)}`);
    out.push(`latency_percentiles_usec_${def.name.replace(/[#:\r\n]/g, '_')}:${parts.join(',')}`);
  }
  return out;
}
