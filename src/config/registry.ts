/**
 * Every option redis-server 7.0.15 has (`CONFIG GET *` plus the hidden debugging ones), with
 * its old alias, type, range, default and flags, taken from the real server's behaviour. Options
 * no subsystem uses yet are still accepted, validated, shown and rewritten exactly like Redis.
 * The order here is the order CONFIG REWRITE appends new lines in.
 */
import {
  boolType,
  enumType,
  numericType,
  stringType,
  type NumericKind,
  type OptionType,
} from './types.js';
import {
  bindType,
  bufferLimitsType,
  dirType,
  notifyEventsType,
  oomValuesType,
  percentilesType,
  replicaofType,
  saveType,
  DEFAULT_BIND,
  DEFAULT_BUFFER_LIMITS,
} from './special.js';
import { I32_MAX, I32_MIN, I64_MAX, U32_MAX, U64_MAX } from './text.js';
import type { Config } from './config.js';

export interface OptionFlags {
  /** The old name (slave-*, *-ziplist-*, lua-time-limit), accepted everywhere. */
  alias?: string;
  /** Only settable at startup. */
  immutable?: boolean;
  /** CONFIG SET refuses it unless enable-protected-configs allows (dir, dbfilename). */
  protected?: boolean;
  /** Left out of CONFIG GET patterns; found only by exact name. */
  hidden?: boolean;
  /** CONFIG SET answers -LOADING while a dataset is loading. */
  denyLoading?: boolean;
  /** A secret (passwords): hidden from logs of the command. */
  sensitive?: boolean;
}

export interface OptionDef<T = unknown> extends OptionFlags {
  name: string;
  type: OptionType<T>;
  /** A function for defaults known only at startup (dir). */
  default: T | (() => T);
  /**
   * Redis's apply step, run by CONFIG SET after every value is set (once per function even when
   * several options share it); may adjust values, or return an error that undoes the whole SET.
   */
  apply?: (cfg: Config) => string | null;
  /** Also run `apply` once the configuration is loaded. */
  applyAtStartup?: boolean;
}

const MB = 1024n * 1024n;
const LONG_MAX = I64_MAX;

function bool(name: string, def: boolean, f: OptionFlags = {}, validate?: () => string | null) {
  return { name, type: boolType(validate && ((v) => (v ? validate() : null))), default: def, ...f };
}

function num(
  name: string,
  min: bigint,
  max: bigint,
  def: bigint,
  kind: NumericKind = 'int',
  f: OptionFlags = {},
) {
  return { name, type: numericType({ min, max, kind }), default: def, ...f };
}

function int(name: string, min: bigint, max: bigint, def: bigint, f: OptionFlags = {}) {
  return num(name, min, max, def, 'int', f);
}

function enm(name: string, names: string[], def: string, f: OptionFlags = {}) {
  const entries = names.map((n, i): [string, number] => [n, i]);
  return { name, type: enumType(entries), default: names.indexOf(def), ...f };
}

function str(
  name: string,
  def: string | null,
  f: OptionFlags & { validate?: (s: string) => string | null } = {},
) {
  const { validate, ...flags } = f;
  return {
    name,
    type: stringType({ emptyIsNull: def === null, validate }),
    default: def,
    ...flags,
  };
}

const IMM = { immutable: true };
const PROTECTED_ACTION = ['no', 'yes', 'local'];

function baseName(what: string, kind: string) {
  return (s: string): string | null => {
    if (s.includes('/') || s.includes('\\')) return `${what} can't be a path, just a ${kind}`;
    return null;
  };
}

function nonEmptyBaseName(what: string, kind: string) {
  const base = baseName(what, kind);
  return (s: string): string | null => (s === '' ? `${what} can't be empty` : base(s));
}

function validHostname(s: string): string | null {
  if (s.length >= 256) return 'Hostnames must be less than 256 characters';
  if (!/^[A-Za-z0-9.-]*$/.test(s)) {
    return 'Hostnames may only contain alphanumeric characters, hyphens or dots';
  }
  return null;
}

/** Template variables, and whether each surely expands to something (Redis refuses blank titles). */
const TITLE_VARS = new Map([
  ['title', false],
  ['listen-addr', true],
  ['server-mode', false],
  ['port', true],
  ['tls-port', true],
  ['unixsocket', false],
  ['config-file', false],
]);

/**
 * A proc-title-template as Redis validates it: `{{` and `}}` are literal braces, `{name}` must be
 * a known variable, and the expansion must not be blank.
 */
function validTitleTemplate(s: string): string | null {
  const bad = 'template format is invalid or contains unknown variables';
  let text = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '{' && s[i + 1] === '{') {
      text += '{';
      i++;
    } else if (s[i] === '}' && s[i + 1] === '}') {
      text += '}';
      i++;
    } else if (s[i] === '{') {
      const end = s.indexOf('}', i);
      if (end < 0) return bad;
      const nonEmpty = TITLE_VARS.get(s.slice(i + 1, end));
      if (nonEmpty === undefined) return bad;
      if (nonEmpty) text += 'x';
      i = end;
    } else text += s[i];
  }
  return text.replace(/^ +| +$/g, '') === '' ? bad : null;
}

const SHUTDOWN_FLAGS: [string, number][] = [
  ['default', 0],
  ['save', 1],
  ['nosave', 2],
  ['now', 4],
  ['force', 8],
];

function shutdownOption(name: string): OptionDef<number> {
  const type = enumType(SHUTDOWN_FLAGS, {
    flags: true,
    validate: (v) =>
      (v & 3) === 3 ? "shutdown options SAVE and NOSAVE can't be used simultaneously" : null,
  });
  return { name, type, default: 0 };
}

const NO_DEFRAG =
  'Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified Jemalloc like the one shipped by default with the Redis source distribution';

/** Sets an option's raw value from inside an apply step. */
function adjust(cfg: Config, name: string, v: unknown): void {
  cfg.store(BY_NAME.get(name)!, v);
}

/** keyshard serves plain TCP only: enabling TLS fails as it does in Redis without certificates. */
const TLS_FAILED = 'Unable to update TLS configuration. Check server logs.';
function applyTlsPort(): string | null {
  return TLS_FAILED;
}
function applyTls(cfg: Config): string | null {
  const on = cfg.get('tls-port') !== 0 || cfg.get('tls-cluster') || cfg.get('tls-replication');
  return on ? TLS_FAILED : null;
}

/** The replication backlog is at least 16kb once resized by CONFIG SET. */
function applyBacklogSize(cfg: Config): string | null {
  if (cfg.get('repl-backlog-size') < 16384) adjust(cfg, 'repl-backlog-size', 16384n);
  return null;
}

/** A watchdog period shorter than two cron ticks is raised to two ticks. */
function applyWatchdog(cfg: Config): string | null {
  const period = cfg.get('watchdog-period');
  const min = Math.floor(1000 / cfg.get('hz')) * 2;
  if (period !== 0 && period < min) adjust(cfg, 'watchdog-period', BigInt(min));
  return null;
}

export const OPTIONS: OptionDef[] = [
  // yes/no
  bool('rdbchecksum', true, IMM),
  bool('daemonize', false, IMM),
  bool('io-threads-do-reads', false, IMM),
  bool('always-show-logo', false, IMM),
  bool('protected-mode', true),
  bool('rdbcompression', true),
  bool('rdb-del-sync-files', false),
  bool('activerehashing', true),
  bool('stop-writes-on-bgsave-error', true),
  bool('set-proc-title', true, IMM),
  bool('dynamic-hz', true),
  bool('lazyfree-lazy-eviction', false),
  bool('lazyfree-lazy-expire', false),
  bool('lazyfree-lazy-server-del', false),
  bool('lazyfree-lazy-user-del', false),
  bool('lazyfree-lazy-user-flush', false),
  bool('repl-disable-tcp-nodelay', false),
  bool('repl-diskless-sync', true),
  bool('aof-rewrite-incremental-fsync', true),
  bool('no-appendfsync-on-rewrite', false),
  bool('cluster-require-full-coverage', true),
  bool('rdb-save-incremental-fsync', true),
  bool('aof-load-truncated', true),
  bool('aof-use-rdb-preamble', true),
  bool('aof-timestamp-enabled', false),
  bool('cluster-replica-no-failover', false, { alias: 'cluster-slave-no-failover' }),
  bool('replica-lazy-flush', false, { alias: 'slave-lazy-flush' }),
  bool('replica-serve-stale-data', true, { alias: 'slave-serve-stale-data' }),
  bool('replica-read-only', true, { alias: 'slave-read-only' }),
  bool('replica-ignore-maxmemory', true, { alias: 'slave-ignore-maxmemory' }),
  bool('jemalloc-bg-thread', true),
  // Like a Redis built without jemalloc's defrag support: there is nothing to defragment.
  bool('activedefrag', false, {}, () => NO_DEFRAG),
  bool('syslog-enabled', false, IMM),
  bool('cluster-enabled', false, IMM),
  bool('appendonly', false, { denyLoading: true }),
  bool('cluster-allow-reads-when-down', false),
  bool('cluster-allow-pubsubshard-when-down', true),
  bool('crash-log-enabled', true),
  bool('crash-memcheck-enabled', true),
  bool('use-exit-on-panic', false, { hidden: true }),
  bool('disable-thp', true, IMM),
  bool('cluster-allow-replica-migration', true),
  bool('replica-announced', true),
  bool('latency-tracking', true),
  bool('aof-disable-auto-gc', false),
  bool('replica-ignore-disk-write-errors', false),

  // strings
  str('aclfile', '', IMM),
  str('unixsocket', null, IMM),
  str('pidfile', null, IMM),
  str('replica-announce-ip', null, { alias: 'slave-announce-ip' }),
  str('masteruser', null, { sensitive: true }),
  str('cluster-announce-ip', null),
  str('cluster-config-file', 'nodes.conf', IMM),
  str('cluster-announce-hostname', null, { validate: validHostname }),
  str('syslog-ident', 'redis', IMM),
  str('dbfilename', 'dump.rdb', {
    protected: true,
    validate: baseName('dbfilename', 'filename'),
  }),
  str('appendfilename', 'appendonly.aof', {
    immutable: true,
    validate: nonEmptyBaseName('appendfilename', 'filename'),
  }),
  str('appenddirname', 'appendonlydir', {
    immutable: true,
    validate: nonEmptyBaseName('appenddirname', 'dirname'),
  }),
  str('server_cpulist', null, IMM),
  str('bio_cpulist', null, IMM),
  str('aof_rewrite_cpulist', null, IMM),
  str('bgsave_cpulist', null, IMM),
  str('ignore-warnings', ''),
  str('proc-title-template', '{title} {listen-addr} {server-mode}', {
    validate: validTitleTemplate,
  }),
  str('bind-source-addr', null),
  str('logfile', '', IMM),
  str('masterauth', null, { sensitive: true }),
  str('requirepass', null, { sensitive: true }),

  // enums
  enm('supervised', ['upstart', 'systemd', 'auto', 'no'], 'no', IMM),
  enm(
    'syslog-facility',
    ['user', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7'],
    'local0',
    IMM,
  ),
  enm('repl-diskless-load', ['disabled', 'on-empty-db', 'swapdb'], 'disabled', {
    denyLoading: true,
  }),
  enm('loglevel', ['debug', 'verbose', 'notice', 'warning'], 'notice'),
  enm(
    'maxmemory-policy',
    [
      'volatile-lru',
      'volatile-lfu',
      'volatile-random',
      'volatile-ttl',
      'allkeys-lru',
      'allkeys-lfu',
      'allkeys-random',
      'noeviction',
    ],
    'noeviction',
  ),
  enm('appendfsync', ['everysec', 'always', 'no'], 'everysec'),
  {
    // "yes" is the old spelling of "relative": both read back as "yes" once set that way.
    name: 'oom-score-adj',
    type: enumType([
      ['no', 0],
      ['yes', 1],
      ['relative', 1],
      ['absolute', 2],
    ]),
    default: 0,
  },
  enm('acl-pubsub-default', ['allchannels', 'resetchannels'], 'resetchannels'),
  enm('sanitize-dump-payload', ['no', 'yes', 'clients'], 'no'),
  enm('enable-protected-configs', PROTECTED_ACTION, 'no', IMM),
  enm('enable-debug-command', PROTECTED_ACTION, 'no', IMM),
  enm('enable-module-command', PROTECTED_ACTION, 'no', IMM),
  enm('cluster-preferred-endpoint-type', ['ip', 'hostname', 'unknown-endpoint'], 'ip'),
  enm('propagation-error-behavior', ['ignore', 'panic', 'panic-on-replicas'], 'ignore'),
  shutdownOption('shutdown-on-sigint'),
  shutdownOption('shutdown-on-sigterm'),

  // integers
  int('databases', 1n, I32_MAX, 16n, IMM),
  int('port', 0n, 65535n, 6379n),
  int('io-threads', 1n, 128n, 1n, IMM),
  int('auto-aof-rewrite-percentage', 0n, I32_MAX, 100n),
  int('cluster-replica-validity-factor', 0n, I32_MAX, 10n, {
    alias: 'cluster-slave-validity-factor',
  }),
  int('list-max-listpack-size', I32_MIN, I32_MAX, -2n, { alias: 'list-max-ziplist-size' }),
  int('tcp-keepalive', 0n, I32_MAX, 300n),
  int('cluster-migration-barrier', 0n, I32_MAX, 1n),
  int('active-defrag-cycle-min', 1n, 99n, 1n),
  int('active-defrag-cycle-max', 1n, 99n, 25n),
  int('active-defrag-threshold-lower', 0n, 1000n, 10n),
  int('active-defrag-threshold-upper', 0n, 1000n, 100n),
  int('lfu-log-factor', 0n, I32_MAX, 10n),
  int('lfu-decay-time', 0n, I32_MAX, 1n),
  int('replica-priority', 0n, I32_MAX, 100n, { alias: 'slave-priority' }),
  int('repl-diskless-sync-delay', 0n, I32_MAX, 5n),
  int('maxmemory-samples', 1n, I32_MAX, 5n),
  int('maxmemory-eviction-tenacity', 0n, 100n, 10n),
  int('timeout', 0n, I32_MAX, 0n),
  int('replica-announce-port', 0n, 65535n, 0n, { alias: 'slave-announce-port' }),
  int('tcp-backlog', 0n, I32_MAX, 511n, IMM),
  int('cluster-port', 0n, 65535n, 0n, IMM),
  int('cluster-announce-bus-port', 0n, 65535n, 0n),
  int('cluster-announce-port', 0n, 65535n, 0n),
  int('cluster-announce-tls-port', 0n, 65535n, 0n),
  int('repl-timeout', 1n, I32_MAX, 60n),
  int('repl-ping-replica-period', 1n, I32_MAX, 10n, { alias: 'repl-ping-slave-period' }),
  int('list-compress-depth', 0n, I32_MAX, 0n),
  int('rdb-key-save-delay', I32_MIN, I32_MAX, 0n, { hidden: true }),
  int('key-load-delay', I32_MIN, I32_MAX, 0n, { hidden: true }),
  int('active-expire-effort', 1n, 10n, 1n),
  // hz is a hint: out-of-range values are accepted and capped to 1..500.
  {
    name: 'hz',
    type: numericType({ min: 0n, max: I32_MAX, kind: 'int', clamp: [1n, 500n] }),
    default: 10n,
  },
  int('min-replicas-to-write', 0n, I32_MAX, 0n, { alias: 'min-slaves-to-write' }),
  int('min-replicas-max-lag', 0n, I32_MAX, 10n, { alias: 'min-slaves-max-lag' }),
  {
    ...int('watchdog-period', 0n, I32_MAX, 0n, { hidden: true }),
    apply: applyWatchdog,
    applyAtStartup: true,
  },
  int('shutdown-timeout', 0n, I32_MAX, 10n),
  int('repl-diskless-sync-max-replicas', 0n, I32_MAX, 0n),
  int('maxclients', 1n, U32_MAX, 10000n),
  num('unixsocketperm', 0n, 0o777n, 0n, 'octal', IMM),
  int('socket-mark-id', 0n, U32_MAX, 0n, IMM),
  int('active-defrag-max-scan-fields', 1n, LONG_MAX, 1000n),
  int('slowlog-max-len', 0n, LONG_MAX, 128n),
  int('acllog-max-len', 0n, LONG_MAX, 128n),
  int('busy-reply-threshold', 0n, LONG_MAX, 5000n, { alias: 'lua-time-limit' }),
  int('cluster-node-timeout', 0n, I64_MAX, 15000n),
  int('slowlog-log-slower-than', -1n, I64_MAX, 10000n),
  int('latency-monitor-threshold', 0n, I64_MAX, 0n),
  num('proto-max-bulk-len', MB, LONG_MAX, 512n * MB, 'memory'),
  int('stream-node-max-entries', 0n, I64_MAX, 100n),
  { ...num('repl-backlog-size', 1n, I64_MAX, MB, 'memory'), apply: applyBacklogSize },
  num('maxmemory', 0n, U64_MAX, 0n, 'memory'),
  num('cluster-link-sendbuf-limit', 0n, U64_MAX, 0n, 'memory'),
  int('hash-max-listpack-entries', 0n, LONG_MAX, 512n, { alias: 'hash-max-ziplist-entries' }),
  int('set-max-intset-entries', 0n, LONG_MAX, 512n),
  int('zset-max-listpack-entries', 0n, LONG_MAX, 128n, { alias: 'zset-max-ziplist-entries' }),
  num('active-defrag-ignore-bytes', 1n, I64_MAX, 100n * MB, 'memory'),
  num('hash-max-listpack-value', 0n, LONG_MAX, 64n, 'memory', {
    alias: 'hash-max-ziplist-value',
  }),
  num('stream-node-max-bytes', 0n, LONG_MAX, 4096n, 'memory'),
  num('zset-max-listpack-value', 0n, LONG_MAX, 64n, 'memory', {
    alias: 'zset-max-ziplist-value',
  }),
  num('hll-sparse-max-bytes', 0n, LONG_MAX, 3000n, 'memory'),
  int('tracking-table-max-keys', 0n, LONG_MAX, 1000000n),
  num('client-query-buffer-limit', MB, LONG_MAX, 1024n * MB, 'memory'),
  num('maxmemory-clients', -100n, LONG_MAX, 0n, 'percent'),
  int('repl-backlog-ttl', 0n, LONG_MAX, 3600n),
  num('auto-aof-rewrite-min-size', 0n, I64_MAX, 64n * MB, 'memory'),
  int('loading-process-events-interval-bytes', 1024n, I32_MAX, 2n * MB, { hidden: true }),

  // TLS (accepted and kept; keyshard serves plain TCP only)
  { ...int('tls-port', 0n, 65535n, 0n), apply: applyTlsPort },
  int('tls-session-cache-size', 0n, I32_MAX, 20480n),
  int('tls-session-cache-timeout', 0n, I32_MAX, 300n),
  { ...bool('tls-cluster', false), apply: applyTls },
  { ...bool('tls-replication', false), apply: applyTls },
  enm('tls-auth-clients', ['no', 'yes', 'optional'], 'yes'),
  bool('tls-prefer-server-ciphers', false),
  bool('tls-session-caching', true),
  str('tls-cert-file', null),
  str('tls-key-file', null),
  str('tls-key-file-pass', null, { sensitive: true }),
  str('tls-client-cert-file', null),
  str('tls-client-key-file', null),
  str('tls-client-key-file-pass', null, { sensitive: true }),
  str('tls-dh-params-file', null),
  str('tls-ca-cert-file', null),
  str('tls-ca-cert-dir', null),
  str('tls-protocols', null),
  str('tls-ciphers', null),
  str('tls-ciphersuites', null),

  // special syntax
  { name: 'dir', type: dirType, default: () => process.cwd(), protected: true, denyLoading: true },
  {
    name: 'save',
    type: saveType,
    default: [
      [3600, 1],
      [300, 100],
      [60, 10000],
    ],
  },
  { name: 'client-output-buffer-limit', type: bufferLimitsType, default: DEFAULT_BUFFER_LIMITS },
  { name: 'oom-score-adj-values', type: oomValuesType, default: [0, 200, 800] },
  { name: 'notify-keyspace-events', type: notifyEventsType, default: 0 },
  { name: 'bind', type: bindType, default: DEFAULT_BIND },
  { name: 'replicaof', alias: 'slaveof', type: replicaofType, default: null, immutable: true },
  { name: 'latency-tracking-info-percentiles', type: percentilesType, default: [50, 99, 99.9] },
] as OptionDef[];

/** Lower-case name or alias -> definition. */
export const BY_NAME = new Map<string, OptionDef>();
for (const def of OPTIONS) {
  BY_NAME.set(def.name, def);
  if (def.alias) BY_NAME.set(def.alias, def);
}

/** Looks an option up by name or alias, case-insensitively (as Redis's config dict does). */
export function lookupOption(name: string): OptionDef | undefined {
  return BY_NAME.get(name.toLowerCase());
}
