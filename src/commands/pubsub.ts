/**
 * Pub/Sub commands: (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PUBLISH, SPUBLISH and PUBSUB introspection.
 *
 * Where a message goes beyond this node's subscribers, as Redis 7.0: in cluster mode PUBLISH is
 * broadcast over the cluster bus to every node and SPUBLISH to the other nodes of this node's
 * shard; otherwise both are propagated to replicas (not to the AOF: they change no data), so a
 * replica's subscribers receive them too.
 */
import type { Client } from '../server/client.js';
import type { Handler } from './table.js';
import { pubsubOf, type SubKind } from '../server/pubsub.js';
import { serverInitHooks } from '../server/server.js';
import { clusterOf } from '../cluster/service.js';
import { keyHashSlot } from '../util/crc16.js';
import { replyHelp, subcommandSyntaxError } from './introspection.js';

const HELP = [
  'PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CHANNELS [<pattern>]',
  "    Return the currently active channels matching a <pattern> (default: '*').",
  'NUMPAT',
  '    Return number of subscriptions to patterns.',
  'NUMSUB [<channel> ...]',
  '    Return the number of subscribers for the specified channels, excluding',
  '    pattern subscriptions(default: no channels).',
  'SHARDCHANNELS [<pattern>]',
  "    Return the currently active shard level channels matching a <pattern> (default: '*').",
  'SHARDNUMSUB [<shardchannel> ...]',
  '    Return the number of subscribers for the specified shard level channel(s)',
  'HELP',
  '    Prints this help.',
];

function subscribe(kind: SubKind): Handler {
  return (c, argv) => pubsubOf(c.server).subscribe(c, kind, argv.slice(1));
}

function unsubscribe(kind: SubKind): Handler {
  return (c, argv) => pubsubOf(c.server).unsubscribe(c, kind, argv.slice(1));
}

/** Sends a published message beyond this node (see the file comment). */
function propagatePublish(c: Client, argv: string[], shard: boolean): void {
  const s = c.server;
  const svc = clusterOf(s);
  if (svc) {
    svc.core.publish(argv[1], argv[2], shard);
    svc.flushSoon();
  } else {
    s.propagate(c.db.id, [argv], true);
  }
}

function publish(shard: boolean): Handler {
  return (c, argv) => {
    const n = pubsubOf(c.server).publish(argv[1], argv[2], shard);
    // A message a master relays to us is already on its way to our own replicas.
    if (c.kind !== 'master') propagatePublish(c, argv, shard);
    c.reply.integer(n);
  };
}

function channelList(c: Client, argv: string[], kind: 'channel' | 'shard'): void {
  if (argv.length > 3) {
    subcommandSyntaxError(c, argv);
    return;
  }
  c.reply.bulkArray(pubsubOf(c.server).names(kind, argv.length === 3 ? argv[2] : null));
}

function numsub(c: Client, argv: string[], kind: 'channel' | 'shard'): void {
  const ps = pubsubOf(c.server);
  c.reply.array((argv.length - 2) * 2);
  for (let i = 2; i < argv.length; i++) {
    c.reply.bulk(argv[i]);
    c.reply.integer(ps.subscribers(kind, argv[i]));
  }
}

export const pubsubCommands: Record<string, Handler> = {
  subscribe: subscribe('channel'),
  psubscribe: subscribe('pattern'),
  ssubscribe(c, argv) {
    // EXEC denies blocking to its commands; Redis lets only the older SUBSCRIBE through.
    if (c.server.inExec) {
      c.reply.err("SSUBSCRIBE isn't allowed for a DENY BLOCKING client");
      return;
    }
    pubsubOf(c.server).subscribe(c, 'shard', argv.slice(1));
  },
  unsubscribe: unsubscribe('channel'),
  punsubscribe: unsubscribe('pattern'),
  sunsubscribe: unsubscribe('shard'),
  publish: publish(false),
  spublish: publish(true),
  'pubsub|channels': (c, argv) => channelList(c, argv, 'channel'),
  'pubsub|shardchannels': (c, argv) => channelList(c, argv, 'shard'),
  'pubsub|numsub': (c, argv) => numsub(c, argv, 'channel'),
  'pubsub|shardnumsub': (c, argv) => numsub(c, argv, 'shard'),
  'pubsub|numpat'(c) {
    c.reply.integer(pubsubOf(c.server).registry.pattern.size);
  },
  'pubsub|help'(c) {
    replyHelp(c, HELP);
  },
};

// Messages other nodes publish arrive over the cluster bus. service.ts registers its own init
// hook when this module imports it, so the cluster service exists by the time this one runs.
serverInitHooks.push((s) => {
  const svc = clusterOf(s);
  if (!svc) return;
  svc.publishHooks.push((shard, channel, message) => {
    pubsubOf(s).publish(channel, message, shard);
  });
  // When a slot leaves this node's shard (DELSLOTS, a migration, a failover elsewhere, a
  // replica moved to another master), Redis unsubscribes the clients of its shard channels.
  // Checked from the cron rather than hooked into every slot change of the core.
  s.cronHooks.push(() => {
    const ps = pubsubOf(s);
    if (ps.registry.shard.size === 0) return;
    const core = svc.core;
    const mine = core.curMaster;
    for (const name of [...ps.registry.shard.keys()]) {
      const owner = core.slots[keyHashSlot(name)];
      if (mine === null || owner !== mine) ps.dropShardChannel(name);
    }
  });
});
