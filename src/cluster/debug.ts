/**
 * The cluster's DEBUG subcommands, for the DEBUG command to delegate to:
 * DEBUG DROP-CLUSTER-PACKET-FILTER <type> and DEBUG CLUSTERLINK KILL <to|from|all> <node-id>.
 */
import type { Client } from '../server/client.js';
import { clusterOf } from './service.js';

/** Handles argv if it is a cluster DEBUG subcommand (replying); false when it is not one. */
export function clusterDebug(c: Client, argv: string[]): boolean {
  const sub = argv[1]?.toLowerCase();
  const svc = clusterOf(c.server);
  if (sub === 'drop-cluster-packet-filter' && argv.length === 3) {
    if (!/^-?\d+$/.test(argv[2])) {
      c.reply.err('value is not an integer or out of range');
      return true;
    }
    if (svc) svc.core.dropFilter = Number(argv[2]);
    c.reply.ok();
    return true;
  }
  if (sub === 'clusterlink' && argv.length === 5 && argv[2].toLowerCase() === 'kill') {
    if (!svc) {
      c.reply.err('Debug option only available for cluster mode enabled setup!');
      return true;
    }
    const n = svc.core.lookup(argv[4]);
    if (!n) {
      c.reply.err(`Unknown node ${argv[4]}`);
      return true;
    }
    const dir = argv[3].toLowerCase();
    if (dir !== 'to' && dir !== 'from' && dir !== 'all') {
      c.reply.err(`Unknown direction ${argv[3]}`);
      return true;
    }
    if ((dir === 'to' || dir === 'all') && n.link !== null) svc.core.freeLink(n.link);
    if ((dir === 'from' || dir === 'all') && n.inboundLink !== null)
      svc.core.freeLink(n.inboundLink);
    svc.flushEffects();
    c.reply.ok();
    return true;
  }
  return false;
}
