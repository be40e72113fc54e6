/**
 * Clients blocked on keys (BLPOP, BZPOPMIN, ...) whose slots stop being served here: the cron
 * ends their wait with the redirect a new command would get, as Redis's
 * clusterRedirectBlockedClientIfNeeded does (-CLUSTERDOWN while the cluster is down, -MOVED once
 * another node owns a key's slot, unless that slot is being imported here).
 */
import { blockedKeys } from '../server/blocking.js';
import { keyHashSlot } from '../util/crc16.js';
import { endpointOf } from './routing.js';
import type { ClusterService } from './service.js';

function redirectFor(svc: ClusterService, keys: readonly string[]): string | null {
  const core = svc.core;
  // Even with cluster-allow-reads-when-down: only a write could serve the client.
  if (core.state !== 'ok') return 'CLUSTERDOWN The cluster is down';
  // All keys of a blocking command share one slot: the first decides. (READONLY changes
  // nothing here: every blocking command is a write.)
  if (keys.length === 0) return null;
  const slot = keyHashSlot(keys[0]);
  const owner = core.slots[slot];
  if (owner === core.myself || core.importingFrom.get(slot)) return null;
  if (!owner) return 'CLUSTERDOWN Hash slot not served';
  return `MOVED ${slot} ${endpointOf(svc, owner)}:${owner.port}`;
}

/** One cron pass over the blocked clients. */
export function redirectBlockedClients(svc: ClusterService): void {
  const s = svc.server;
  if (s.blockedClients === 0) return;
  for (const c of s.clients.values()) {
    const keys = c.blocked ? blockedKeys(c) : null;
    if (keys === null) continue;
    const error = redirectFor(svc, keys);
    if (error === null) continue;
    s.failBlocked(c, error);
    s.scheduleFlush(c);
  }
}
