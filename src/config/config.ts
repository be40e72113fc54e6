/**
 * PLACEHOLDER until the option registry lands: the consumer-facing API of the configuration.
 * The rest of the server only uses Config.get / Config.onChange / Config.configFile and
 * loadConfig(argv).
 */

export interface Options {
  port: number;
  bind: string[];
  'protected-mode': boolean;
  requirepass: string;
  databases: number;
  dir: string;
  logfile: string;
  loglevel: string;
  hz: number;
  'proto-max-bulk-len': number;
  'client-query-buffer-limit': number;
  'cluster-enabled': boolean;
  maxclients: number;
  timeout: number;
  'enable-debug-command': string;
  'hash-max-listpack-entries': number;
  'hash-max-listpack-value': number;
  'set-max-intset-entries': number;
  'zset-max-listpack-entries': number;
  'zset-max-listpack-value': number;
  'hll-sparse-max-bytes': number;
  dbfilename: string;
  /** Save points as [seconds, changes] pairs; empty when `save ""`. */
  save: [number, number][];
  rdbcompression: boolean;
  rdbchecksum: boolean;
  'stop-writes-on-bgsave-error': boolean;
}

const DEFAULTS: Options = {
  port: 6379,
  bind: ['*', '-::*'],
  'protected-mode': true,
  requirepass: '',
  databases: 16,
  dir: '.',
  logfile: '',
  loglevel: 'notice',
  hz: 10,
  'proto-max-bulk-len': 512 * 1024 * 1024,
  'client-query-buffer-limit': 1024 * 1024 * 1024,
  'cluster-enabled': false,
  maxclients: 10000,
  timeout: 0,
  'enable-debug-command': 'no',
  'hash-max-listpack-entries': 512,
  'hash-max-listpack-value': 64,
  'set-max-intset-entries': 512,
  'zset-max-listpack-entries': 128,
  'zset-max-listpack-value': 64,
  'hll-sparse-max-bytes': 3000,
  dbfilename: 'dump.rdb',
  save: [
    [3600, 1],
    [300, 100],
    [60, 10000],
  ],
  rdbcompression: true,
  rdbchecksum: true,
  'stop-writes-on-bgsave-error': true,
};

export class ConfigError extends Error {}

type Listener = (value: unknown) => void;

export class Config {
  readonly values: Options = { ...DEFAULTS };
  configFile: string | null = null;
  private listeners = new Map<string, Listener[]>();

  get<K extends keyof Options>(name: K): Options[K] {
    return this.values[name];
  }

  onChange<K extends keyof Options>(name: K, fn: (value: Options[K]) => void): void {
    const list = this.listeners.get(name) ?? [];
    list.push(fn as Listener);
    this.listeners.set(name, list);
  }
}

export function loadConfig(argv: string[]): Config {
  const cfg = new Config();
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i].replace(/^--/, '');
    if (name === 'port') cfg.values.port = Number(argv[i + 1]);
  }
  return cfg;
}
