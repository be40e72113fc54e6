/**
 * `keyshard-cli --cluster <subcommand>`: argument validation and dispatch, with redis-cli's
 * messages and exit codes (cluster-admin.md §1).
 */
import { ManagerError, parseAddress } from './node.js';
import { clusterCreate } from './create.js';
import {
  clusterAddNode,
  clusterCall,
  clusterCheck,
  clusterDelNode,
  clusterInfo,
  clusterRebalance,
  clusterReshard,
  type ManagerOptions,
} from './ops.js';
import { closeInput } from './log.js';
import { clusterFix } from './fix.js';

const ADDR_ERR =
  '[ERR] Invalid arguments: you need to pass either a valid address (ie. 120.0.0.1:7000) or space separated IP and port (ie. 120.0.0.1 7000)\n';

/** Minimum / maximum argument counts per subcommand (-1 = unbounded). */
const ARITY: Record<string, [number, number]> = {
  create: [2, -1],
  check: [1, 2],
  info: [1, 2],
  fix: [1, 2],
  reshard: [1, 2],
  rebalance: [1, 2],
  'add-node': [2, 2],
  'del-node': [2, 2],
  call: [2, -1],
  'set-timeout': [2, 2],
  import: [1, 1],
  backup: [2, 2],
  help: [0, 0],
};

function hostPort(args: string[]): { host: string; port: number } | null {
  if (args.length === 2) {
    const port = Number(args[1]);
    return Number.isInteger(port) && port > 0 ? { host: args[0], port } : null;
  }
  return parseAddress(args[0]);
}

export async function runClusterManager(
  sub: string,
  args: string[],
  o: ManagerOptions & { replicas: number },
): Promise<number> {
  const arity = ARITY[sub];
  if (!arity) {
    process.stderr.write('Unknown --cluster subcommand\n');
    return 1;
  }
  if (args.length < arity[0] || (arity[1] >= 0 && args.length > arity[1])) {
    process.stderr.write('[ERR] Wrong number of arguments for specified --cluster sub command\n');
    return 1;
  }
  try {
    switch (sub) {
      case 'create':
        return await clusterCreate(args, o.replicas, o.yes, o.auth);
      case 'add-node': {
        const ex = parseAddress(args[1]);
        if (!ex) return bad();
        return await clusterAddNode(args[0], ex, o);
      }
      case 'del-node': {
        const a = parseAddress(args[0]);
        if (!a) return bad();
        return await clusterDelNode(a.host, a.port, args[1], o);
      }
      case 'call': {
        const a = parseAddress(args[0]);
        if (!a) return bad();
        return await clusterCall(a.host, a.port, args.slice(1), o);
      }
    }
    const a = hostPort(args);
    if (!a) return bad();
    switch (sub) {
      case 'check':
        return await clusterCheck(a.host, a.port, o);
      case 'info':
        return await clusterInfo(a.host, a.port, o);
      case 'reshard':
        return await clusterReshard(a.host, a.port, o);
      case 'rebalance':
        return await clusterRebalance(a.host, a.port, o);
      case 'fix':
        return await clusterFix(a.host, a.port, o);
      default:
        process.stderr.write(`--cluster ${sub} is not implemented by keyshard-cli yet\n`);
        return 1;
    }
  } catch (e) {
    if (!(e instanceof ManagerError)) process.stderr.write(`${(e as Error).message}\n`);
    return 1;
  } finally {
    closeInput();
  }
}

function bad(): number {
  process.stderr.write(ADDR_ERR);
  return 1;
}
