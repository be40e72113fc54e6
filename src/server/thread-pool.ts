/**
 * The size of V8's background thread pool, which runs the garbage collector's concurrent and
 * parallel work and the optimizing compiler. Node starts 4 threads whatever the machine. A
 * parallel phase of a collection hands work to every one of them and the main thread waits for
 * all to finish, so on a machine with fewer spare CPUs than threads a pause lasts until the
 * operating system has scheduled each of them. On the 2-CPU bench machine, building a
 * million-member sorted set stalled another client for 8-20 ms with 4 threads and 5-10 ms with
 * one (redis-server: 5-9 ms), at the same build rate.
 *
 * The pool can only be sized on Node's command line. `--v8-pool-size=0` makes Node size it to
 * the machine (one thread per CPU but one, at least one), so the server's shebang and every
 * launcher (`npm start`, the tests' and benchmarks' helpers) pass NODE_POOL_FLAG, and a server
 * started with a bigger pool logs a warning naming the flag, as redis-server warns about kernel
 * settings that cost latency.
 */
import { availableParallelism } from 'node:os';

const FLAG = '--v8-pool-size';
export const NODE_POOL_FLAG = `${FLAG}=0`;
/** Node's size when the flag is absent. */
const NODE_DEFAULT = 4;

/** The pool size given on the command line or in NODE_OPTIONS, or null when absent. */
export function configuredPoolSize(execArgv: string[], nodeOptions: string): number | null {
  const args = [...nodeOptions.split(/\s+/).filter((a) => a !== ''), ...execArgv];
  let size: number | null = null;
  for (let i = 0; i < args.length; i++) {
    if (args[i].startsWith(`${FLAG}=`)) size = Number(args[i].slice(FLAG.length + 1));
    else if (args[i] === FLAG && i + 1 < args.length) size = Number(args[++i]);
  }
  return size !== null && Number.isInteger(size) && size >= 0 ? size : null;
}

/** The warning for a process whose pool has more threads than spare CPUs, or null. */
export function threadPoolWarning(
  cpus = availableParallelism(),
  execArgv = process.execArgv,
  nodeOptions = process.env.NODE_OPTIONS ?? '',
): string | null {
  const fit = Math.max(1, cpus - 1);
  const size = configuredPoolSize(execArgv, nodeOptions) ?? NODE_DEFAULT;
  const threads = size === 0 ? fit : size;
  if (threads <= fit) return null;
  return `WARNING: V8's background thread pool has ${threads} threads on a machine with ${cpus} CPUs, so garbage collection pauses wait for threads that get no CPU, and clients stall. Start the server with 'node ${NODE_POOL_FLAG}' (its launchers do).`;
}
