/**
 * Server commands: INFO, TIME, LASTSAVE, SHUTDOWN, MONITOR, SLOWLOG, LATENCY (monitor disabled),
 * MEMORY PURGE and ACL's read-only subcommands. DEBUG lives in debug.ts. This module also
 * attaches the per-server observers (slow log, MONITOR feed, latency samples) at server
 * construction.
 */
import { performance } from 'node:perf_hooks';
import type { Client } from '../server/client.js';
import type { Handler } from './table.js';
import { serverInitHooks } from '../server/server.js';
import { infoText, initInfo } from '../server/info.js';
import { installSlowlog, slowlogOf } from '../server/slowlog.js';
import { installMonitorFeed } from '../server/monitor.js';
import { trackLatency, trackedCommands, latencyHistogram } from '../server/latency.js';
import { findByFullName, replyHelp, subcommandSyntaxError } from './introspection.js';
import { debugCommands } from './debug.js';
import { fullCollection } from '../server/collect.js';
import { aclCommands } from './acl.js';

serverInitHooks.push((s) => {
  initInfo(s);
  installSlowlog(s);
  installMonitorFeed(s);
  trackLatency(s);
});

function shutdown(c: Client, argv: string[]): void {
  let nosave = false;
  let save = false;
  let abort = false;
  let now = false;
  let force = false;
  for (const a of argv.slice(1)) {
    const o = a.toLowerCase();
    if (o === 'nosave') nosave = true;
    else if (o === 'save') save = true;
    else if (o === 'now') now = true;
    else if (o === 'force') force = true;
    else if (o === 'abort') abort = true;
    else {
      c.reply.err('syntax error');
      return;
    }
  }
  if ((abort && (nosave || save || now || force)) || (nosave && save)) {
    c.reply.err('syntax error');
    return;
  }
  if (abort) {
    // Shutdown is immediate here (no replicas to wait for), so none is ever in progress.
    c.reply.err('No shutdown in progress.');
    return;
  }
  // NOW only skips waiting for replicas, which shutdown() never does.
  const mode = nosave ? 'nosave' : save ? 'save' : 'default';
  if (c.server.shutdown(mode)) return;
  // FORCE: a failed save does not stop the shutdown.
  if (force && mode !== 'nosave' && c.server.shutdown('nosave')) return;
  c.reply.err('Errors trying to SHUTDOWN. Check logs.');
}

const SLOWLOG_HELP = [
  'SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'GET [<count>]',
  '    Return top <count> entries from the slowlog (default: 10, -1 mean all).',
  '    Entries are made of:',
  '    id, timestamp, time in microseconds, arguments array, client IP and port,',
  '    client name',
  'LEN',
  '    Return the length of the slowlog.',
  'RESET',
  '    Reset the slowlog.',
  'HELP',
  '    Prints this help.',
];

function slowlogGet(c: Client, argv: string[]): void {
  if (argv.length > 3) {
    subcommandSyntaxError(c, argv);
    return;
  }
  let count = 10;
  if (argv.length === 3) {
    const raw = argv[2];
    const n = /^-?\d{1,19}$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(n) || n < -1) {
      c.reply.err('count should be greater than or equal to -1');
      return;
    }
    count = n === -1 ? Infinity : n;
  }
  const entries = slowlogOf(c.server).entries;
  const list = entries.slice(0, Math.min(count, entries.length));
  const r = c.reply;
  r.array(list.length);
  for (const e of list) {
    r.array(6);
    r.integer(e.id);
    r.integer(e.time);
    r.integer(e.usec);
    r.bulkArray(e.argv);
    r.bulk(e.addr);
    r.bulk(e.name);
  }
}

const LATENCY_HELP = [
  'LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'DOCTOR',
  '    Return a human readable latency analysis report.',
  'GRAPH <event>',
  '    Return an ASCII latency graph for the <event> class.',
  'HISTORY <event>',
  '    Return time-latency samples for the <event> class.',
  'LATEST',
  '    Return the latest latency samples for all events.',
  'RESET [<event> ...]',
  '    Reset latency data of one or more <event> classes.',
  '    (default: reset all data for all event classes)',
  'HISTOGRAM [COMMAND ...]',
  '    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.',
  '    If no commands are specified then all histograms are replied.',
  'HELP',
  '    Prints this help.',
];

/**
 * Redis's MEMORY HELP lines for the subcommands there are: USAGE, STATS, DOCTOR and
 * MALLOC-STATS are not implemented, so they get the unknown-subcommand error and are not listed.
 */
const MEMORY_HELP = [
  'MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'PURGE',
  '    Attempt to purge dirty pages for reclamation by the allocator.',
  'HELP',
  '    Prints this help.',
];

/** LATENCY HISTOGRAM [command ...]: per command, calls and Redis's cumulative HDR buckets. */
function latencyHistogramReply(c: Client, names: string[]): void {
  const s = c.server;
  let defs = trackedCommands(s);
  if (names.length > 0) {
    // In argument order; a container name stands for its subcommands.
    const tracked = new Set(defs);
    defs = [];
    for (const name of names) {
      const def = findByFullName(c, name);
      if (!def) continue;
      for (const d of [def, ...def.subcommands.values()]) if (tracked.has(d)) defs.push(d);
    }
  }
  const hists = defs.flatMap((d) => {
    const h = latencyHistogram(s, d);
    return h ? [{ name: d.name, h }] : [];
  });
  const r = c.reply;
  r.map(hists.length);
  for (const { name, h } of hists) {
    r.bulk(name);
    r.map(2);
    r.bulk('calls');
    r.integer(h.calls);
    r.bulk('histogram_usec');
    r.map(h.cumulative.length);
    for (const [bound, n] of h.cumulative) {
      r.integer(bound);
      r.integer(n);
    }
  }
}

export const serverCommands: Record<string, Handler> = {
  info(c, argv) {
    c.reply.verbatim(infoText(c.server, argv.slice(1)));
  },

  time(c) {
    const us = Math.floor((performance.timeOrigin + performance.now()) * 1000);
    c.reply.bulkArray([String(Math.floor(us / 1e6)), String(us % 1e6)]);
  },

  lastsave(c) {
    c.reply.integer(c.server.lastSave);
  },

  shutdown(c, argv) {
    shutdown(c, argv);
  },

  monitor(c) {
    // A replica link cannot become a monitor; a monitor asking again is already one.
    if (c.kind === 'replica' || c.kind === 'master') return;
    if (!c.monitor) {
      c.monitor = true;
      c.server.monitors.add(c);
    }
    c.reply.ok();
  },

  'slowlog|get'(c, argv) {
    slowlogGet(c, argv);
  },

  'slowlog|len'(c) {
    c.reply.integer(slowlogOf(c.server).entries.length);
  },

  'slowlog|reset'(c) {
    slowlogOf(c.server).reset();
    c.reply.ok();
  },

  'slowlog|help'(c) {
    replyHelp(c, SLOWLOG_HELP);
  },

  // The latency monitor is disabled (latency-monitor-threshold 0, Redis's default), so no event
  // is ever recorded: these are the answers Redis gives in that state.
  'latency|latest'(c) {
    c.reply.array(0);
  },

  'latency|history'(c) {
    c.reply.array(0);
  },

  'latency|reset'(c) {
    c.reply.integer(0);
  },

  'latency|doctor'(c) {
    c.reply.verbatim(
      `I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use "CONFIG SET latency-monitor-threshold <milliseconds>." in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n`,
    );
  },

  'latency|graph'(c, argv) {
    c.reply.err(`No samples available for event '${argv[2]}'`);
  },

  'latency|histogram'(c, argv) {
    latencyHistogramReply(c, argv.slice(2));
  },

  'latency|help'(c) {
    replyHelp(c, LATENCY_HELP);
  },

  'memory|purge'(c) {
    fullCollection();
    c.reply.ok();
  },

  'memory|help'(c) {
    replyHelp(c, MEMORY_HELP);
  },

  ...aclCommands,
  ...debugCommands,
};
