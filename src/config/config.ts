/**
 * The configuration as the rest of the server sees it: `loadConfig(argv)` reads redis.conf and the
 * command line exactly as redis-server 7.0.15 does, `Config.get(name)` returns typed values,
 * `Config.onChange(name, fn)` registers an apply hook run after a successful CONFIG SET, and
 * `Config.configFile` is the absolute path of the file (null when started without one).
 *
 * Every option comes from the registry (registry.ts); parsing is in load.ts, CONFIG GET/SET in
 * runtime.ts and CONFIG REWRITE in rewrite.ts.
 */
import { OPTIONS, type OptionDef } from './registry.js';
import type { MasterAddr } from './special.js';

export { loadConfig } from './load.js';
export type { MasterAddr } from './special.js';

export interface BufferLimitValue {
  hard: number;
  soft: number;
  softSeconds: number;
}
export type BufferLimitsValue = Record<'normal' | 'replica' | 'pubsub', BufferLimitValue>;

/**
 * Every option by its primary (kebab-case) name. yes/no options are booleans, integers and
 * memory values numbers (bytes), enums and strings strings (empty when unset).
 */
export interface Options {
  rdbchecksum: boolean;
  daemonize: boolean;
  'io-threads-do-reads': boolean;
  'always-show-logo': boolean;
  'protected-mode': boolean;
  rdbcompression: boolean;
  'rdb-del-sync-files': boolean;
  activerehashing: boolean;
  'stop-writes-on-bgsave-error': boolean;
  'set-proc-title': boolean;
  'dynamic-hz': boolean;
  'lazyfree-lazy-eviction': boolean;
  'lazyfree-lazy-expire': boolean;
  'lazyfree-lazy-server-del': boolean;
  'lazyfree-lazy-user-del': boolean;
  'lazyfree-lazy-user-flush': boolean;
  'repl-disable-tcp-nodelay': boolean;
  'repl-diskless-sync': boolean;
  'aof-rewrite-incremental-fsync': boolean;
  'no-appendfsync-on-rewrite': boolean;
  'cluster-require-full-coverage': boolean;
  'rdb-save-incremental-fsync': boolean;
  'aof-load-truncated': boolean;
  'aof-use-rdb-preamble': boolean;
  'aof-timestamp-enabled': boolean;
  'cluster-replica-no-failover': boolean;
  'replica-lazy-flush': boolean;
  'replica-serve-stale-data': boolean;
  'replica-read-only': boolean;
  'replica-ignore-maxmemory': boolean;
  'jemalloc-bg-thread': boolean;
  activedefrag: boolean;
  'syslog-enabled': boolean;
  'cluster-enabled': boolean;
  appendonly: boolean;
  'cluster-allow-reads-when-down': boolean;
  'cluster-allow-pubsubshard-when-down': boolean;
  'crash-log-enabled': boolean;
  'crash-memcheck-enabled': boolean;
  'use-exit-on-panic': boolean;
  'disable-thp': boolean;
  'cluster-allow-replica-migration': boolean;
  'replica-announced': boolean;
  'latency-tracking': boolean;
  'aof-disable-auto-gc': boolean;
  'replica-ignore-disk-write-errors': boolean;
  aclfile: string;
  unixsocket: string;
  pidfile: string;
  'replica-announce-ip': string;
  masteruser: string;
  'cluster-announce-ip': string;
  'cluster-config-file': string;
  'cluster-announce-hostname': string;
  'syslog-ident': string;
  dbfilename: string;
  appendfilename: string;
  appenddirname: string;
  server_cpulist: string;
  bio_cpulist: string;
  aof_rewrite_cpulist: string;
  bgsave_cpulist: string;
  'ignore-warnings': string;
  'proc-title-template': string;
  'bind-source-addr': string;
  logfile: string;
  masterauth: string;
  requirepass: string;
  supervised: string;
  'syslog-facility': string;
  'repl-diskless-load': string;
  loglevel: string;
  'maxmemory-policy': string;
  appendfsync: string;
  'oom-score-adj': string;
  'acl-pubsub-default': string;
  'sanitize-dump-payload': string;
  'enable-protected-configs': string;
  'enable-debug-command': string;
  'enable-module-command': string;
  'cluster-preferred-endpoint-type': string;
  'propagation-error-behavior': string;
  /** `default` or the flags (`nosave now`); same for shutdown-on-sigterm. */
  'shutdown-on-sigint': string;
  'shutdown-on-sigterm': string;
  databases: number;
  port: number;
  'io-threads': number;
  'auto-aof-rewrite-percentage': number;
  'cluster-replica-validity-factor': number;
  'list-max-listpack-size': number;
  'tcp-keepalive': number;
  'cluster-migration-barrier': number;
  'active-defrag-cycle-min': number;
  'active-defrag-cycle-max': number;
  'active-defrag-threshold-lower': number;
  'active-defrag-threshold-upper': number;
  'lfu-log-factor': number;
  'lfu-decay-time': number;
  'replica-priority': number;
  'repl-diskless-sync-delay': number;
  'maxmemory-samples': number;
  'maxmemory-eviction-tenacity': number;
  timeout: number;
  'replica-announce-port': number;
  'tcp-backlog': number;
  'cluster-port': number;
  'cluster-announce-bus-port': number;
  'cluster-announce-port': number;
  'cluster-announce-tls-port': number;
  'repl-timeout': number;
  'repl-ping-replica-period': number;
  'list-compress-depth': number;
  'rdb-key-save-delay': number;
  'key-load-delay': number;
  'active-expire-effort': number;
  hz: number;
  'min-replicas-to-write': number;
  'min-replicas-max-lag': number;
  'watchdog-period': number;
  'shutdown-timeout': number;
  'repl-diskless-sync-max-replicas': number;
  maxclients: number;
  unixsocketperm: number;
  'socket-mark-id': number;
  'active-defrag-max-scan-fields': number;
  'slowlog-max-len': number;
  'acllog-max-len': number;
  'busy-reply-threshold': number;
  'cluster-node-timeout': number;
  'slowlog-log-slower-than': number;
  'latency-monitor-threshold': number;
  'proto-max-bulk-len': number;
  'stream-node-max-entries': number;
  'repl-backlog-size': number;
  maxmemory: number;
  'cluster-link-sendbuf-limit': number;
  'hash-max-listpack-entries': number;
  'set-max-intset-entries': number;
  'zset-max-listpack-entries': number;
  'active-defrag-ignore-bytes': number;
  'hash-max-listpack-value': number;
  'stream-node-max-bytes': number;
  'zset-max-listpack-value': number;
  'hll-sparse-max-bytes': number;
  'tracking-table-max-keys': number;
  'client-query-buffer-limit': number;
  /** Bytes, or a negative number for a percentage of maxmemory (-10 for `10%`). */
  'maxmemory-clients': number;
  'repl-backlog-ttl': number;
  'auto-aof-rewrite-min-size': number;
  'loading-process-events-interval-bytes': number;
  'tls-port': number;
  'tls-session-cache-size': number;
  'tls-session-cache-timeout': number;
  'tls-cluster': boolean;
  'tls-replication': boolean;
  'tls-auth-clients': string;
  'tls-prefer-server-ciphers': boolean;
  'tls-session-caching': boolean;
  'tls-cert-file': string;
  'tls-key-file': string;
  'tls-key-file-pass': string;
  'tls-client-cert-file': string;
  'tls-client-key-file': string;
  'tls-client-key-file-pass': string;
  'tls-dh-params-file': string;
  'tls-ca-cert-file': string;
  'tls-ca-cert-dir': string;
  'tls-protocols': string;
  'tls-ciphers': string;
  'tls-ciphersuites': string;
  /** The absolute working directory (setting dir changes directory, as in Redis). */
  dir: string;
  /** Save points as [seconds, changes] pairs; empty when `save ""`. */
  save: [number, number][];
  /** Per client class (normal, replica, pubsub): hard and soft limits in bytes, soft seconds. */
  'client-output-buffer-limit': BufferLimitsValue;
  'oom-score-adj-values': number[];
  /** The event classes in canonical form (`AKE`, `Ex`, ...); empty when disabled. */
  'notify-keyspace-events': string;
  bind: string[];
  /** The master to replicate from at startup, null for none (`replicaof no one`). */
  replicaof: MasterAddr | null;
  'latency-tracking-info-percentiles': number[];
}

/**
 * A startup failure, reported the way redis-server reports it: `stderr` (the FATAL CONFIG FILE
 * ERROR block or usage text, printed as is), `stdout` (--version) or `log` (one warning log line,
 * like "Fatal error, can't open config file ..."); then the process exits with `exitCode`.
 */
export class ConfigError extends Error {
  constructor(
    message: string,
    readonly report: 'stderr' | 'stdout' | 'log' = 'stderr',
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

type Listener = (value: unknown) => void;

export class Config {
  /** The exposed value of every option (what get() returns). */
  readonly values = {} as Options;
  configFile: string | null = null;
  /** rename-command directives in file order, lowercased: [command, new name ('' removes it)]. */
  readonly renamedCommands: [string, string][] = [];
  /**
   * `user` directives as read. keyshard has only the default user, whose password is
   * requirepass: a `user default` line's `>password` / `nopass` is applied to it at load.
   */
  readonly users: string[][] = [];
  private readonly raw = new Map<string, unknown>();
  private readonly listeners = new Map<string, Listener[]>();
  private readonly trackers = new Map<string, () => unknown>();

  constructor() {
    for (const def of OPTIONS) {
      this.store(def, typeof def.default === 'function' ? def.default() : def.default);
    }
  }

  get<K extends keyof Options>(name: K): Options[K] {
    return this.values[name];
  }

  /**
   * Runs `fn` with the new value after a CONFIG SET changed the option. A hook that cannot apply
   * the value throws: CONFIG SET then restores every option it set and answers the error.
   */
  onChange<K extends keyof Options>(name: K, fn: (value: Options[K]) => void): void {
    const list = this.listeners.get(name) ?? [];
    list.push(fn as Listener);
    this.listeners.set(name, list);
  }

  /**
   * Declares that an option's current value lives in a subsystem (REPLICAOF changes the master
   * `replicaof` names): CONFIG GET and CONFIG REWRITE then read it from `getter`.
   */
  track<K extends keyof Options>(name: K, getter: () => Options[K]): void {
    this.trackers.set(name, getter);
  }

  /** The registry's internal value of an option (exact bigints for numbers). */
  rawValue(def: OptionDef): unknown {
    const getter = this.trackers.get(def.name);
    if (getter) {
      const v = getter();
      this.store(def, typeof this.raw.get(def.name) === 'bigint' ? BigInt(v as number) : v);
    }
    return this.raw.get(def.name);
  }

  store(def: OptionDef, v: unknown): void {
    this.raw.set(def.name, v);
    (this.values as unknown as Record<string, unknown>)[def.name] = def.type.expose(v);
  }

  hooks(name: string): readonly Listener[] {
    return this.listeners.get(name) ?? [];
  }
}
