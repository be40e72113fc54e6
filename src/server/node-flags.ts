/**
 * The Node command-line flags keyshard-server runs with. They can only be given on Node's
 * command line (V8 sizes its thread pool and heap before any script runs), so the server's
 * shebang and every launcher (`npm start`, the tests' and benchmarks' helpers) pass NODE_FLAGS,
 * and a server started without them logs a warning naming each, as redis-server warns about
 * kernel settings that cost latency.
 *
 * - `--v8-pool-size=0`: V8's background thread pool sized to the machine (one thread per CPU
 *   but one, at least one) instead of Node's fixed four. A parallel phase of a collection hands
 *   work to every thread and the main thread waits for all of them, so on a machine with fewer
 *   spare CPUs than threads a pause lasts until the operating system has scheduled each. On the
 *   2-CPU bench machine, building a million-member sorted set stalled another client for 8-20
 *   ms with 4 threads and 5-10 ms with one (redis-server: 5-9 ms), at the same build rate.
 * - `--initial-old-space-size=64`: V8 derives the old generation's limit from the live heap,
 *   a few MB for a server whose big values live outside it, and started a full collection (a
 *   1.5-3 ms pause for every client) every ~10 MB of growth: a million-member sorted set's tree
 *   nodes still brought one into its build (before util/offheap.ts, ArrayBuffer pages counted
 *   too: 7-9 per million-field hash). A configured initial size is also the least limit V8
 *   sets, so full collections wait for 64 MB of growth; the price is up to that much garbage
 *   kept a while longer.
 */
import { availableParallelism } from 'node:os';

const POOL = '--v8-pool-size';
const OLD_SPACE = '--initial-old-space-size';
/** Megabytes of old-generation growth V8 may allow before a full collection. */
const OLD_SPACE_MB = 64;

export const NODE_FLAGS: readonly string[] = [`${POOL}=0`, `${OLD_SPACE}=${OLD_SPACE_MB}`];

/** Node's pool size when the flag is absent. */
const NODE_DEFAULT_POOL = 4;

/**
 * The numeric value of `flag` on the command line or in NODE_OPTIONS (the command line last,
 * as Node reads them), or null when absent or not a number. V8 takes `_` for `-` in names.
 */
export function configuredFlag(
  flag: string,
  execArgv: string[],
  nodeOptions: string,
): number | null {
  const args = [...nodeOptions.split(/\s+/).filter((a) => a !== ''), ...execArgv];
  const name = (a: string) => a.split('=')[0].replace(/_/g, '-');
  let value: number | null = null;
  for (let i = 0; i < args.length; i++) {
    if (name(args[i]) !== flag) continue;
    const eq = args[i].indexOf('=');
    const text = eq >= 0 ? args[i].slice(eq + 1) : args[++i];
    const n = Number(text);
    value = text !== undefined && text !== '' && Number.isInteger(n) && n >= 0 ? n : null;
  }
  return value;
}

/** The warnings for a process started without NODE_FLAGS' settings (empty when it has them). */
export function nodeFlagWarnings(
  cpus = availableParallelism(),
  execArgv = process.execArgv,
  nodeOptions = process.env.NODE_OPTIONS ?? '',
): string[] {
  const out: string[] = [];
  const hint = `Start the server with 'node ${NODE_FLAGS.join(' ')}' (its launchers do).`;
  const fit = Math.max(1, cpus - 1);
  const size = configuredFlag(POOL, execArgv, nodeOptions) ?? NODE_DEFAULT_POOL;
  const threads = size === 0 ? fit : size;
  if (threads > fit) {
    out.push(
      `WARNING: V8's background thread pool has ${threads} threads on a machine with ${cpus} CPUs, so garbage collection pauses wait for threads that get no CPU, and clients stall. ${hint}`,
    );
  }
  const oldSpace = configuredFlag(OLD_SPACE, execArgv, nodeOptions) ?? 0;
  if (oldSpace < OLD_SPACE_MB) {
    out.push(
      `WARNING: V8's old generation starts at ${oldSpace === 0 ? 'its default size' : `${oldSpace} MB`}, so loading big keys runs a full garbage collection every few MB, and clients stall. ${hint}`,
    );
  }
  return out;
}
