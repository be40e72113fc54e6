/**
 * CLUSTER subcommands, ASKING, READONLY and READWRITE. Argument checks and reply formats are
 * Redis 7.0.15's; the state changes live in the cluster core (src/cluster/core/admin.ts).
 */
import { isIP } from 'node:net';
import type { Handler } from './table.js';
import type { Client } from '../server/client.js';
import { clusterOf, type ClusterService } from '../cluster/service.js';
import * as admin from '../cluster/core/admin.js';
import { SLOTS } from '../cluster/core/cluster.js';
import { failReportCount } from '../cluster/core/failure.js';
import { manualFailoverCommand } from '../cluster/core/manual-failover.js';
import { NodeFlag, validNodeId, type ClusterNode } from '../cluster/core/node.js';
import { clusterInfoText, nodeLine, nodesText, slotRanges } from '../cluster/describe.js';
import { endpointOf } from '../cluster/routing.js';
import { CLUSTER_HELP } from '../cluster/help.js';
import { keyHashSlot } from '../util/crc16.js';

const DISABLED = 'This instance has cluster support disabled';
const NOT_INT = 'value is not an integer or out of range';
const BAD_SLOT = 'Invalid or out of range slot';

/** Runs `fn` with the cluster service (or answers that cluster mode is off), then applies effects. */
function withCluster(c: Client, fn: (svc: ClusterService) => void): void {
  const svc = clusterOf(c.server);
  if (!svc) {
    c.reply.err(DISABLED);
    return;
  }
  fn(svc);
  svc.flushSoon();
}

function parseInteger(s: string): number | null {
  if (!/^-?\d{1,19}$/.test(s)) return null;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : null;
}

function parseSlot(s: string): number | null {
  const n = parseInteger(s);
  return n === null || n < 0 || n >= SLOTS ? null : n;
}

function wrongShape(c: Client, argv: string[]): void {
  c.reply.err(
    `unknown subcommand or wrong number of arguments for '${argv[1]}'. Try CLUSTER HELP.`,
  );
}

function lookup(svc: ClusterService, id: string): ClusterNode | undefined {
  return validNodeId(id) ? svc.core.lookup(id) : undefined;
}

/** ADDSLOTS/DELSLOTS (single slots) and their RANGE forms. */
function slotsCommand(add: boolean, ranges: boolean): Handler {
  return (c, argv) =>
    withCluster(c, (svc) => {
      const slots: number[] = [];
      if (ranges) {
        if (argv.length % 2 === 1) {
          c.reply.err(`wrong number of arguments for 'cluster|${argv[1].toLowerCase()}' command`);
          return;
        }
        for (let i = 2; i < argv.length; i += 2) {
          const a = parseSlot(argv[i]);
          const b = parseSlot(argv[i + 1]);
          if (a === null || b === null) {
            c.reply.err(BAD_SLOT);
            return;
          }
          if (a > b) {
            c.reply.err(`start slot number ${a} is greater than end slot number ${b}`);
            return;
          }
          for (let s = a; s <= b; s++) slots.push(s);
        }
      } else {
        for (let i = 2; i < argv.length; i++) {
          const s = parseSlot(argv[i]);
          if (s === null) {
            c.reply.err(BAD_SLOT);
            return;
          }
          slots.push(s);
        }
      }
      const err = admin.changeSlots(svc.core, slots, add);
      if (err) c.reply.err(err);
      else c.reply.ok();
    });
}

/** One node of a CLUSTER SLOTS entry: endpoint, port, id, extra networking metadata. */
function slotsNode(c: Client, svc: ClusterService, n: ClusterNode): void {
  const type = svc.server.config.get('cluster-preferred-endpoint-type');
  c.reply.array(4);
  if (type === 'unknown-endpoint') c.reply.nil();
  else c.reply.bulk(endpointOf(svc, n));
  c.reply.integer(n.port);
  c.reply.bulk(n.id);
  const extra: [string, string][] = [];
  if (type !== 'ip') extra.push(['ip', n.ip]);
  if (type !== 'hostname' && n.hostname) extra.push(['hostname', n.hostname]);
  c.reply.map(extra.length);
  for (const [k, v] of extra) {
    c.reply.bulk(k);
    c.reply.bulk(v);
  }
}

function availableReplicas(n: ClusterNode): ClusterNode[] {
  return n.replicas.filter((r) => !r.has(NodeFlag.FAIL) && r.replOffset !== 0);
}

function clusterSlots(c: Client, svc: ClusterService): void {
  const core = svc.core;
  const runs: [number, number, ClusterNode][] = [];
  let start = -1;
  for (let j = 0; j <= SLOTS; j++) {
    const owner = j < SLOTS ? core.slots[j] : null;
    if (start >= 0 && (j === SLOTS || owner !== core.slots[start])) {
      runs.push([start, j - 1, core.slots[start]!]);
      start = -1;
    }
    if (owner && start < 0) start = j;
  }
  c.reply.array(runs.length);
  for (const [a, b, n] of runs) {
    const replicas = availableReplicas(n);
    c.reply.array(3 + replicas.length);
    c.reply.integer(a);
    c.reply.integer(b);
    slotsNode(c, svc, n);
    for (const r of replicas) slotsNode(c, svc, r);
  }
}

function shardNode(c: Client, svc: ClusterService, n: ClusterNode): void {
  const fields: [string, string | number][] = [['id', n.id]];
  if (n.port) fields.push(['port', n.port]);
  fields.push(['ip', n.ip]);
  const type = svc.server.config.get('cluster-preferred-endpoint-type');
  fields.push(['endpoint', type === 'hostname' ? n.hostname || '?' : type === 'ip' ? n.ip : '']);
  if (n.hostname) fields.push(['hostname', n.hostname]);
  fields.push(['role', n.isReplica ? 'replica' : 'master']);
  fields.push(['replication-offset', n.replOffset]);
  const health = n.has(NodeFlag.FAIL)
    ? 'fail'
    : n.isReplica && n.replOffset === 0
      ? 'loading'
      : 'online';
  fields.push(['health', health]);
  c.reply.map(fields.length);
  for (const [k, v] of fields) {
    c.reply.bulk(k);
    if (typeof v === 'number') c.reply.integer(v);
    else c.reply.bulk(v);
  }
}

function clusterShards(c: Client, svc: ClusterService): void {
  const masters = [...svc.core.nodes.values()].filter((n) => n.isMaster);
  c.reply.array(masters.length);
  for (const m of masters) {
    c.reply.map(2);
    c.reply.bulk('slots');
    const ranges = slotRanges(m.slots);
    c.reply.array(ranges.length * 2);
    for (const [a, b] of ranges) {
      c.reply.integer(a);
      c.reply.integer(b);
    }
    c.reply.bulk('nodes');
    c.reply.array(1 + m.replicas.length);
    shardNode(c, svc, m);
    for (const r of m.replicas) shardNode(c, svc, r);
  }
}

function clusterLinks(c: Client, svc: ClusterService): void {
  const entries: [string, ClusterNode, number][] = [];
  for (const n of svc.core.nodes.values()) {
    if (n.link !== null) entries.push(['to', n, n.link]);
    if (n.inboundLink !== null) entries.push(['from', n, n.inboundLink]);
  }
  c.reply.array(entries.length);
  for (const [dir, n, id] of entries) {
    const link = svc.core.links.get(id);
    const pending = svc.bus.pending(id);
    c.reply.map(6);
    c.reply.bulk('direction');
    c.reply.bulk(dir);
    c.reply.bulk('node');
    c.reply.bulk(n.id);
    c.reply.bulk('create-time');
    c.reply.integer(link?.ctime ?? 0);
    c.reply.bulk('events');
    c.reply.bulk((link?.connected ? 'r' : '') + (pending > 0 ? 'w' : ''));
    c.reply.bulk('send-buffer-allocated');
    c.reply.integer(pending);
    c.reply.bulk('send-buffer-used');
    c.reply.integer(pending);
  }
}

function clusterSetSlot(c: Client, svc: ClusterService, argv: string[]): void {
  const core = svc.core;
  if (core.myself.isReplica) {
    c.reply.err('Please use SETSLOT only with masters.');
    return;
  }
  const slot = parseSlot(argv[2]);
  if (slot === null) {
    c.reply.err(BAD_SLOT);
    return;
  }
  const action = argv[3].toLowerCase();
  let a: admin.SetSlotAction | null = null;
  if (
    argv.length === 5 &&
    (action === 'migrating' || action === 'importing' || action === 'node')
  ) {
    a = { action, id: argv[4] };
  } else if (argv.length === 4 && action === 'stable') {
    a = { action: 'stable' };
  }
  if (!a) {
    c.reply.err('Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP');
    return;
  }
  if (a.action !== 'stable' && !validNodeId(a.id)) {
    // Invalid ids are never found, whatever the table holds.
    a = { action: a.action, id: '\0invalid' };
  }
  const err = admin.setSlot(core, slot, a);
  if (err) c.reply.err(err.replace('\0invalid', argv[4]));
  else c.reply.ok();
}

export const clusterCommands: Record<string, Handler> = {
  'cluster|help'(c) {
    c.reply.array(CLUSTER_HELP.length);
    for (const l of CLUSTER_HELP) c.reply.simple(l);
  },

  'cluster|info'(c) {
    withCluster(c, (svc) => c.reply.verbatim(clusterInfoText(svc.core)));
  },

  'cluster|nodes'(c) {
    withCluster(c, (svc) => c.reply.verbatim(nodesText(svc.core)));
  },

  'cluster|myid'(c) {
    withCluster(c, (svc) => c.reply.bulk(svc.core.myself.id));
  },

  'cluster|slots'(c) {
    withCluster(c, (svc) => clusterSlots(c, svc));
  },

  'cluster|shards'(c) {
    withCluster(c, (svc) => clusterShards(c, svc));
  },

  'cluster|links'(c) {
    withCluster(c, (svc) => clusterLinks(c, svc));
  },

  'cluster|keyslot'(c, argv) {
    withCluster(c, () => c.reply.integer(keyHashSlot(argv[2])));
  },

  'cluster|countkeysinslot'(c, argv) {
    withCluster(c, (svc) => {
      const slot = parseInteger(argv[2]);
      if (slot === null) c.reply.err(NOT_INT);
      else if (slot < 0 || slot >= SLOTS) c.reply.err('Invalid slot');
      else c.reply.integer(svc.index.count(slot));
    });
  },

  'cluster|getkeysinslot'(c, argv) {
    withCluster(c, (svc) => {
      const slot = parseInteger(argv[2]);
      const max = parseInteger(argv[3]);
      if (slot === null || max === null) c.reply.err(NOT_INT);
      else if (max < 0 || slot < 0 || slot >= SLOTS) c.reply.err('Invalid slot or number of keys');
      else c.reply.bulkArray(svc.index.keys(slot, max));
    });
  },

  'cluster|meet'(c, argv) {
    withCluster(c, (svc) => {
      if (argv.length !== 4 && argv.length !== 5) {
        wrongShape(c, argv);
        return;
      }
      const port = parseInteger(argv[3]);
      if (port === null) {
        c.reply.err(`Invalid TCP base port specified: ${argv[3]}`);
        return;
      }
      let cport = port + 10000;
      if (argv.length === 5) {
        const p = parseInteger(argv[4]);
        if (p === null) {
          c.reply.err(`Invalid TCP bus port specified: ${argv[4]}`);
          return;
        }
        cport = p;
      }
      const ip = argv[2];
      if (!isIP(ip) || port <= 0 || port > 65535 || cport <= 0 || cport > 65535) {
        c.reply.err(`Invalid node address specified: ${argv[2]}:${argv[3]}`);
        return;
      }
      admin.startHandshake(svc.core, normalizeIp(ip), port, cport);
      c.reply.ok();
    });
  },

  'cluster|forget'(c, argv) {
    withCluster(c, (svc) => {
      const err = validNodeId(argv[2])
        ? admin.forget(svc.core, argv[2])
        : `Unknown node ${argv[2]}`;
      if (err) c.reply.err(err);
      else c.reply.ok();
    });
  },

  'cluster|addslots': slotsCommand(true, false),
  'cluster|delslots': slotsCommand(false, false),
  'cluster|addslotsrange': slotsCommand(true, true),
  'cluster|delslotsrange': slotsCommand(false, true),

  'cluster|flushslots'(c) {
    withCluster(c, (svc) => {
      if (svc.server.keyspace.dbs[0].size !== 0) {
        c.reply.err('DB must be empty to perform CLUSTER FLUSHSLOTS.');
        return;
      }
      admin.flushSlots(svc.core);
      c.reply.ok();
    });
  },

  'cluster|reset'(c, argv) {
    withCluster(c, (svc) => {
      if (argv.length > 3) {
        wrongShape(c, argv);
        return;
      }
      let hard = false;
      if (argv.length === 3) {
        const mode = argv[2].toLowerCase();
        if (mode === 'hard') hard = true;
        else if (mode !== 'soft') {
          c.reply.err('syntax error');
          return;
        }
      }
      if (svc.core.myself.isMaster && c.db.size !== 0) {
        c.reply.err("CLUSTER RESET can't be called with master nodes containing keys");
        return;
      }
      admin.reset(svc.core, hard);
      c.reply.ok();
    });
  },

  'cluster|saveconfig'(c) {
    withCluster(c, (svc) => {
      const err = svc.save(true, true);
      if (err) c.reply.err(`error saving the cluster node config: ${err}`);
      else c.reply.ok();
    });
  },

  'cluster|set-config-epoch'(c, argv) {
    withCluster(c, (svc) => {
      const epoch = parseInteger(argv[2]);
      if (epoch === null) {
        c.reply.err(NOT_INT);
        return;
      }
      if (epoch < 0) {
        c.reply.err(`Invalid config epoch specified: ${epoch}`);
        return;
      }
      const err = admin.setConfigEpoch(svc.core, epoch);
      if (err) c.reply.err(err);
      else c.reply.ok();
    });
  },

  'cluster|bumpepoch'(c) {
    withCluster(c, (svc) => {
      const bumped = svc.core.bumpEpochWithoutConsensus();
      c.reply.simple(`${bumped ? 'BUMPED' : 'STILL'} ${svc.core.myself.configEpoch}`);
    });
  },

  'cluster|count-failure-reports'(c, argv) {
    withCluster(c, (svc) => {
      const n = lookup(svc, argv[2]);
      if (!n) c.reply.err(`Unknown node ${argv[2]}`);
      else c.reply.integer(failReportCount(svc.core, n));
    });
  },

  'cluster|replicate'(c, argv) {
    withCluster(c, (svc) => {
      const core = svc.core;
      const n = lookup(svc, argv[2]);
      const me = core.myself;
      if (!n) c.reply.err(`Unknown node ${argv[2]}`);
      else if (n === me) c.reply.err("Can't replicate myself");
      else if (n.isReplica) c.reply.err('I can only replicate a master, not a replica.');
      else if (me.isMaster && (me.numslots !== 0 || c.server.keyspace.dbs[0].size !== 0)) {
        c.reply.err('To set a master the node must be empty and without assigned slots.');
      } else {
        core.setMyMaster(n);
        core.todo(true, true, true);
        c.reply.ok();
      }
    });
  },

  'cluster|failover'(c, argv) {
    withCluster(c, (svc) => {
      let mode: 'default' | 'force' | 'takeover' = 'default';
      if (argv.length === 3) {
        const opt = argv[2].toLowerCase();
        if (opt === 'force') mode = 'force';
        else if (opt === 'takeover') mode = 'takeover';
        else {
          c.reply.err('syntax error');
          return;
        }
      } else if (argv.length > 3) {
        wrongShape(c, argv);
        return;
      }
      const err = manualFailoverCommand(svc.core, mode);
      if (err) c.reply.err(err);
      else c.reply.ok();
    });
  },

  'cluster|setslot'(c, argv) {
    withCluster(c, (svc) => clusterSetSlot(c, svc, argv));
  },

  'cluster|replicas'(c, argv) {
    withCluster(c, (svc) => replicasReply(c, svc, argv[2]));
  },

  'cluster|slaves'(c, argv) {
    withCluster(c, (svc) => replicasReply(c, svc, argv[2]));
  },

  asking(c) {
    withCluster(c, () => {
      c.asking = true;
      c.reply.ok();
    });
  },

  readonly(c) {
    withCluster(c, () => {
      c.readonlyMode = true;
      c.reply.ok();
    });
  },

  readwrite(c) {
    withCluster(c, () => {
      c.readonlyMode = false;
      c.reply.ok();
    });
  },
};

function replicasReply(c: Client, svc: ClusterService, id: string): void {
  const n = lookup(svc, id);
  if (!n) {
    c.reply.err(`Unknown node ${id}`);
    return;
  }
  if (n.isReplica) {
    c.reply.err('The specified node is not a master');
    return;
  }
  c.reply.bulkArray(n.replicas.map((r) => nodeLine(svc.core, r)));
}

/** inet_pton + inet_ntop: the canonical text of an IPv4/IPv6 literal. */
function normalizeIp(ip: string): string {
  if (isIP(ip) === 4) return ip.split('.').map(Number).join('.');
  try {
    return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  } catch {
    return ip;
  }
}
