#!/usr/bin/env node
/**
 * keyshard-cli: redis-cli's command mode (one command, piped commands or the interactive prompt)
 * and its `--cluster` manager. Options follow redis-cli; redis-trib.rb's spellings (--replicas,
 * --slave, --from, ...) are accepted as aliases of the --cluster-* options.
 */
import { Command, Option } from 'commander';
import { Session, runInteractive, runOnce, runPiped } from '../admin/cli-session.js';
import { runClusterManager } from '../admin/cluster/manager.js';

const TRIB_ALIASES = new Set([
  'replicas',
  'slave',
  'master-id',
  'from',
  'to',
  'slots',
  'yes',
  'timeout',
  'pipeline',
  'weight',
  'threshold',
  'use-empty-masters',
  'simulate',
  'replace',
]);

function normalize(argv: string[]): string[] {
  return argv.map((a) =>
    a.startsWith('--') && TRIB_ALIASES.has(a.slice(2)) ? `--cluster-${a.slice(2)}` : a,
  );
}

// Node decodes argv as UTF-8; commands go out as the bytes the shell passed (latin1 strings).
const args = process.argv.slice(2).map((a) => Buffer.from(a, 'utf8').toString('latin1'));
const clusterMode = args.includes('--cluster');
const program = new Command('keyshard-cli')
  .helpOption('--help', 'Output this help and exit.')
  .option('-h <hostname>', 'Server hostname.', '127.0.0.1')
  .option('-p <port>', 'Server port.', '6379')
  .option('-a <password>', 'Password to use when connecting to the server.')
  .option('--user <username>', 'Used to send ACL style AUTH username pass. Needs -a.')
  .option('--pass <password>', 'Alias of -a for consistency with the new --user option.')
  .option('-n <db>', 'Database number.', '0')
  .option('-c', 'Enable cluster mode (follow -ASK and -MOVED redirections).')
  .option('-3', 'Start session in RESP3 protocol mode.')
  .option('--raw', 'Use raw formatting for replies (default when STDOUT is not a tty).')
  .option('--no-raw', 'Force formatted output even when STDOUT is not a tty.')
  .option('--verbose', 'Verbose mode.')
  .option('--cluster <command>', 'Cluster Manager command.')
  .option('--cluster-replicas <n>', '', '0')
  .option('--cluster-yes')
  .option('--cluster-from <ids>')
  .option('--cluster-to <id>')
  .option('--cluster-slots <n>', '', '0')
  .option('--cluster-timeout <ms>', '', '60000')
  .option('--cluster-pipeline <n>', '', '10')
  .option('--cluster-replace')
  .option('--cluster-slave')
  .addOption(new Option('--cluster-master-id <id>'))
  .option('--cluster-weight <weights...>')
  .option('--cluster-use-empty-masters')
  .option('--cluster-simulate')
  .option('--cluster-threshold <pct>', '', '2')
  .option('--cluster-only-masters')
  .option('--cluster-only-replicas')
  .option('--cluster-search-multiple-owners')
  .argument('[args...]');
// redis-cli stops reading options at the first command word (`SET k -1` keeps its -1).
if (!clusterMode) program.passThroughOptions();
program.parse(['node', 'keyshard-cli', ...normalize(args)]);

const o = program.opts<Record<string, string | boolean | string[] | undefined>>();
const rest = program.args;
const pass = (o.pass ?? o.a ?? null) as string | null;
if (typeof o.a === 'string')
  process.stderr.write(
    "Warning: Using a password with '-a' or '-u' option on the command line interface may not be safe.\n",
  );
const user = (o.user ?? null) as string | null;

async function main(): Promise<number> {
  if (typeof o.cluster === 'string') {
    return runClusterManager(o.cluster, rest, {
      auth: { user, pass },
      replicas: Number(o.clusterReplicas),
      yes: o.clusterYes === true,
      from: (o.clusterFrom as string | undefined) ?? null,
      to: (o.clusterTo as string | undefined) ?? null,
      slots: Number(o.clusterSlots),
      timeout: Number(o.clusterTimeout),
      pipeline: Number(o.clusterPipeline),
      replace: o.clusterReplace === true,
      slave: o.clusterSlave === true,
      masterId: (o.clusterMasterId as string | undefined) ?? null,
      weights: (o.clusterWeight as string[] | undefined) ?? [],
      useEmptyMasters: o.clusterUseEmptyMasters === true,
      simulate: o.clusterSimulate === true,
      threshold: Number(o.clusterThreshold),
      onlyMasters: o.clusterOnlyMasters === true,
      onlyReplicas: o.clusterOnlyReplicas === true,
      verbose: o.verbose === true,
    });
  }
  const session = new Session({
    host: o.h as string,
    port: Number(o.p),
    user,
    pass,
    db: Number(o.n),
    cluster: o.c === true,
    resp3: o['3'] === true,
    raw: o.raw === undefined ? null : (o.raw as boolean),
  });
  if (rest.length > 0) return runOnce(session, rest);
  if (!process.stdin.isTTY) return runPiped(session);
  return runInteractive(session);
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    process.stderr.write(`${e.message}\n`);
    process.exit(1);
  },
);
