/**
 * Cluster routing (Redis's getNodeByQuery), run as a dispatcher gate for every command: all keys
 * must hash to one slot served here, else MOVED / ASK / TRYAGAIN / CROSSSLOT / CLUSTERDOWN.
 */
import type { Client } from '../server/client.js';
import type { CommandDef } from '../commands/table.js';
import { getKeys, KeySpecError } from '../commands/keys-spec.js';
import { keyHashSlot } from '../util/crc16.js';
import type { ClusterNode } from './core/node.js';
import type { ClusterService } from './service.js';

const SHARD_PUBSUB = new Set(['ssubscribe', 'sunsubscribe', 'spublish']);

/** `<endpoint>:<port>` of a node as MOVED/ASK print it (cluster-preferred-endpoint-type). */
export function endpointOf(svc: ClusterService, n: ClusterNode): string {
  const type = svc.server.config.get('cluster-preferred-endpoint-type');
  if (type === 'hostname') return n.hostname || '?';
  if (type === 'unknown-endpoint') return '';
  return n.ip;
}

function keysOf(def: CommandDef, argv: string[]): string[] {
  try {
    return getKeys(def, argv).map((r) => argv[r.pos]);
  } catch (e) {
    if (e instanceof KeySpecError) return [];
    throw e;
  }
}

/**
 * The redirect or error for this command, or null to execute it here. An EXEC that fails the
 * check discards its transaction, as Redis does.
 */
export function routeCommand(
  svc: ClusterService,
  c: Client,
  def: CommandDef,
  argv: string[],
): string | null {
  const err = route(svc, c, def, argv);
  if (err !== null && def.name === 'exec' && c.multi) {
    c.multi = null;
    for (const w of c.watching) svc.server.keyspace.unwatch(w.db, w.key, c);
    c.watching = [];
  }
  return err;
}

function route(svc: ClusterService, c: Client, def: CommandDef, argv: string[]): string | null {
  const asking = c.asking;
  // ASKING lasts for one command outside MULTI (the ASKING command itself excepted).
  if (!c.multi && def.name !== 'asking') c.asking = false;
  if (c.kind === 'master' || c.socket === null) return null;
  const isExec = def.name === 'exec';
  if (!isExec && !def.hasKeys && !def.movableKeys) return null;
  const cmds: { def: CommandDef; argv: string[] }[] = isExec
    ? (c.multi?.queue ?? [])
    : [{ def, argv }];
  const core = svc.core;
  const me = core.myself;
  const db0 = svc.server.keyspace.dbs[0];
  let firstKey: string | null = null;
  let slot = 0;
  let owner: ClusterNode | null = null;
  let multipleKeys = false;
  let migrating = false;
  let importing = false;
  let missing = 0;
  let existing = 0;
  let write = false;
  let shardPubsub = false;
  let asksFlag = false;
  let isMigrate = false;
  for (const cmd of cmds) {
    const top = cmd.def.parent ?? cmd.def;
    if (cmd.def.write) write = true;
    if (SHARD_PUBSUB.has(top.name)) shardPubsub = true;
    if (cmd.def.flags.has('asking')) asksFlag = true;
    if (top.name === 'migrate') isMigrate = true;
    for (const key of keysOf(cmd.def, cmd.argv)) {
      const s = keyHashSlot(key);
      if (firstKey === null) {
        firstKey = key;
        slot = s;
        owner = core.slots[s];
        if (!owner) return 'CLUSTERDOWN Hash slot not served';
        if (owner === me && core.migratingTo.get(s)) migrating = true;
        else if (core.importingFrom.get(s)) importing = true;
      } else if (key !== firstKey) {
        if (s !== slot) return "CROSSSLOT Keys in request don't hash to the same slot";
        multipleKeys = true;
      }
      if ((migrating || importing) && !SHARD_PUBSUB.has(top.name)) {
        const when = db0.expires.get(key);
        if (db0.dict.has(key) && (when === undefined || when > Date.now())) existing++;
        else missing++;
      }
    }
  }
  if (!owner) return null;
  const cfg = svc.server.config;
  if (core.state !== 'ok') {
    if (shardPubsub) {
      if (!cfg.get('cluster-allow-pubsubshard-when-down')) return 'CLUSTERDOWN The cluster is down';
    } else if (!cfg.get('cluster-allow-reads-when-down')) {
      return 'CLUSTERDOWN The cluster is down';
    } else if (write) {
      return 'CLUSTERDOWN The cluster is down and only accepts read commands';
    }
  }
  if ((migrating || importing) && isMigrate) return null;
  if (migrating && missing > 0) {
    if (existing > 0) return 'TRYAGAIN Multiple keys request during rehashing of slot';
    const target = core.migratingTo.get(slot)!;
    return `ASK ${slot} ${endpointOf(svc, target)}:${target.port}`;
  }
  if (importing && (asking || asksFlag)) {
    if (multipleKeys && missing > 0)
      return 'TRYAGAIN Multiple keys request during rehashing of slot';
    return null;
  }
  if ((c.readonlyMode || shardPubsub) && !write && me.isReplica && me.slaveof === owner)
    return null;
  if (owner !== me) return `MOVED ${slot} ${endpointOf(svc, owner)}:${owner.port}`;
  return null;
}
