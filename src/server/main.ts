/**
 * Process startup: configuration, logging, the banner lines tools wait for, listeners, signals,
 * and the last line of defence against unexpected exceptions.
 */
import { loadConfig, ConfigError } from '../config/config.js';
import { Logger } from '../util/logger.js';
import { families } from '../commands/index.js';
import { redisCommandNames } from '../commands/table.js';
import { Server, REDIS_VERSION } from './server.js';
import { attachReplication } from '../replication/replication.js';
import { AofPersistence } from '../persistence/aof/aof-persistence.js';
import { nodeFlagWarnings } from './node-flags.js';

function banner(port: number, mode: string): string {
  return [
    '',
    `keyshard ${REDIS_VERSION} (Redis ${REDIS_VERSION} compatible) 64 bit`,
    `Running in ${mode} mode`,
    `Port: ${port}`,
    `PID: ${process.pid}`,
    '',
    '',
  ]
    .map((l) => (l ? `                ${l}` : l))
    .join('\n');
}

export async function main(args: string[]): Promise<void> {
  const log = new Logger();
  log.role = 'C';
  let cfg;
  try {
    cfg = loadConfig(args, redisCommandNames());
  } catch (e) {
    if (e instanceof ConfigError) {
      // Reported where redis-server reports it; the text is bytes (latin1), like config lines.
      if (e.report === 'log') log.warning(e.message);
      else {
        const out = e.report === 'stdout' ? process.stdout : process.stderr;
        out.write(Buffer.from(e.message, 'latin1'));
      }
      process.exit(e.exitCode);
    }
    throw e;
  }
  log.level = cfg.get('loglevel') as Logger['level'];
  log.file = cfg.get('logfile');
  log.warning('oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo');
  log.warning(
    `Redis version=${REDIS_VERSION}, bits=64, commit=00000000, modified=0, pid=${process.pid}, just started`,
  );
  // Like redis-server: any argument at all (a file or options) counts as a configuration.
  if (args.length === 0) {
    log.warning(
      'Warning: no config file specified, using the default config. In order to specify a config file use keyshard-server /path/to/redis.conf',
    );
  } else {
    log.warning('Configuration loaded');
  }
  log.role = 'M';
  const server = new Server(cfg, log, families);
  const mode = cfg.get('cluster-enabled') ? 'cluster' : 'standalone';
  log.raw(banner(cfg.get('port'), mode));
  log.notice(`Running mode=${mode}, port=${cfg.get('port')}.`);

  process.on('uncaughtException', (err) => {
    log.warning(`Unexpected error (the server keeps running): ${err.stack ?? String(err)}`);
  });
  process.on('unhandledRejection', (err) => {
    log.warning(`Unexpected rejection (the server keeps running): ${String(err)}`);
  });
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.on(sig, () => {
      log.warning(`Received ${sig} scheduling shutdown...`);
      // A signal-triggered shutdown that cannot save still exits, as in Redis.
      if (!server.shutdown('default')) process.exit(1);
    });
  }

  log.warning('Server initialized');
  for (const w of nodeFlagWarnings()) log.warning(w);
  server.rdb.attach();
  const aof = new AofPersistence(server);
  aof.attach();
  try {
    await server.listen();
  } catch (e) {
    log.warning((e as Error).message);
    process.exit(1);
  }
  // Clients that connect while the data loads get -LOADING. A node that starts as a replica
  // keeps keys past their TTL: its master will delete them.
  // With appendonly yes only the AOF is loaded (the RDB file is ignored), as in Redis.
  aof.loadManifest();
  if (cfg.get('appendonly')) {
    await aof.loadAtStartup();
    aof.openOnStartup();
  } else {
    await server.rdb.loadAtStartup(cfg.get('replicaof') === null);
  }
  server.ready = true;
  attachReplication(server);
  server.startCron();
  log.notice('Ready to accept connections tcp');
}
