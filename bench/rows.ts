/**
 * What `npm run bench` measures, as data. A throughput row is one redis-benchmark invocation
 * (its CSV output may hold several tests); a memory row loads a dataset and compares memory per
 * key. Add rows here (lists, sets, replication, failover, ...) without touching the runner.
 */

export interface ThroughputRow {
  kind: 'throughput';
  /** Short id used in the results (`P1`, `P16`, ...). */
  id: string;
  /**
   * redis-benchmark tests (`-t` names), each run as its own invocation so that a command keyshard
   * does not implement yet fails only its own line. Omit to run `args` as given (a custom
   * command line such as `lpush mylist __rand_int__`).
   */
  tests?: string[];
  /** Other redis-benchmark arguments besides host, port, -n, -t and --csv. */
  args: string[];
  /** Requests per test, as a multiple of the `--requests` option (pipelined rows need more). */
  requestsFactor: number;
  /** Measure with one replica (of the same kind) attached to each server. */
  withReplica?: boolean;
}

export interface MemoryRow {
  kind: 'memory';
  id: string;
  keys: number;
  keySize: number;
  /** Size of each string value, hash value, and list, set or sorted-set element. */
  valueSize: number;
  /** What each key holds: a string (the default) or a small collection of `elements` items. */
  type?: 'string' | 'hash' | 'list' | 'set' | 'zset';
  elements?: number;
}

export type Row = ThroughputRow | MemoryRow;

/** 1M keys of five 12-byte elements each (a million, as strings-1M, so the V8 heap's fixed
 * young generation does not dominate the RSS per key). */
function smallCollections(id: string, type: 'hash' | 'list' | 'set' | 'zset'): MemoryRow {
  return { kind: 'memory', id, keys: 1_000_000, keySize: 16, valueSize: 12, type, elements: 5 };
}

/** redis-benchmark's tests of the data-type commands (issue 3). */
const TYPE_TESTS = [
  'lpush',
  'rpush',
  'lpop',
  'rpop',
  'sadd',
  'hset',
  'spop',
  'zadd',
  'zpopmin',
  'lrange_100',
];

export const ROWS: Row[] = [
  {
    kind: 'throughput',
    id: 'P1',
    tests: ['set', 'get', 'incr', 'mset'],
    args: ['-c', '50', '-P', '1'],
    requestsFactor: 1,
  },
  {
    kind: 'throughput',
    id: 'P16',
    tests: ['set', 'get', 'incr', 'mset'],
    args: ['-c', '50', '-P', '16'],
    requestsFactor: 5,
  },
  {
    kind: 'throughput',
    id: 'types-P1',
    tests: TYPE_TESTS,
    args: ['-c', '50', '-P', '1'],
    requestsFactor: 1,
  },
  {
    kind: 'throughput',
    id: 'types-P16',
    tests: TYPE_TESTS,
    args: ['-c', '50', '-P', '16'],
    requestsFactor: 5,
  },
  {
    kind: 'throughput',
    id: 'replica-P1',
    tests: ['set'],
    args: ['-c', '50', '-P', '1'],
    requestsFactor: 1,
    withReplica: true,
  },
  { kind: 'memory', id: 'strings-1M', keys: 1_000_000, keySize: 16, valueSize: 32 },
  // Small collections in Redis's compact encodings (listpack; a set of strings is a hashtable
  // in 7.0): what applications keep per user, session or item.
  smallCollections('hashes-1M', 'hash'),
  smallCollections('lists-1M', 'list'),
  smallCollections('sets-1M', 'set'),
  smallCollections('zsets-1M', 'zset'),
];
