/**
 * CONFIG GET / SET / REWRITE / RESETSTAT / HELP. The semantics live in src/config (runtime.ts,
 * rewrite.ts); this file turns them into replies and applies what the server itself owns
 * (the log level).
 */
import type { Handler } from './table.js';
import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import type { LogLevel } from '../util/logger.js';
import { configGet, configSet } from '../config/runtime.js';
import { rewriteConfigFile } from '../config/rewrite.js';
import { strerror } from '../config/special.js';

const HELP = [
  'CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'GET <pattern>',
  '    Return parameters matching the glob-like <pattern> and their values.',
  'SET <directive> <value>',
  '    Set the configuration <directive> to <value>.',
  'RESETSTAT',
  '    Reset statistics reported by the INFO command.',
  'REWRITE',
  '    Rewrite the configuration file.',
  'HELP',
  '    Prints this help.',
];

function isLocal(c: Client): boolean {
  const a = c.socket?.remoteAddress;
  return !a || a === '::1' || a.startsWith('127.') || a.startsWith('::ffff:127.');
}

/** What enable-protected-configs allows this client (dir, dbfilename). */
function protectedAllowed(c: Client): boolean {
  const opt = c.server.config.get('enable-protected-configs');
  return opt === 'yes' || (opt === 'local' && isLocal(c));
}

/** Effects of a changed option on things the server object owns. */
function applyToServer(s: Server, name: string, value: unknown): void {
  if (name === 'loglevel') s.log.level = value as LogLevel;
}

/** CONFIG RESETSTAT: INFO stats, commandstats and errorstats back to zero. */
function resetStats(s: Server): void {
  s.stats.reset();
  for (const def of s.table.all()) {
    def.calls = 0;
    def.usec = 0;
    def.rejectedCalls = 0;
    def.failedCalls = 0;
  }
  const ks = s.keyspace;
  ks.expiredKeys = 0;
  ks.hits = 0;
  ks.misses = 0;
  ks.expiredStalePerc = 0;
  ks.expireCycleTimeCapReached = 0;
  ks.expireCycleCpuMs = 0;
}

export const configCommands: Record<string, Handler> = {
  'config|get'(c, argv) {
    const pairs = configGet(c.server.config, argv.slice(2));
    c.reply.map(pairs.length);
    for (const [name, value] of pairs) {
      c.reply.bulk(name);
      c.reply.bulk(value);
    }
  },

  'config|set'(c, argv) {
    if (argv.length % 2 !== 0) {
      c.reply.err('syntax error');
      return;
    }
    const pairs: [string, string][] = [];
    for (let i = 2; i < argv.length; i += 2) pairs.push([argv[i], argv[i + 1]]);
    const s = c.server;
    const error = configSet(s.config, pairs, {
      loading: s.loading,
      allowProtected: protectedAllowed(c),
      apply: (name, value) => applyToServer(s, name, value),
    });
    if (error === null) c.reply.ok();
    else c.reply.error(error);
  },

  'config|rewrite'(c) {
    const s = c.server;
    const file = s.config.configFile;
    if (file === null) {
      c.reply.err('The server is running without a config file');
      return;
    }
    try {
      rewriteConfigFile(s.config, file);
    } catch (e) {
      s.log.warning(`CONFIG REWRITE failed: ${strerror(e)}`);
      c.reply.err(`Rewriting config file: ${strerror(e)}`);
      return;
    }
    s.log.warning('CONFIG REWRITE executed with success.');
    c.reply.ok();
  },

  'config|resetstat'(c) {
    resetStats(c.server);
    c.reply.ok();
  },

  'config|help'(c) {
    c.reply.array(HELP.length);
    for (const line of HELP) c.reply.simple(line);
  },
};
