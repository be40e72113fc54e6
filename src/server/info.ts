/**
 * The INFO text: Redis 7.0's sections, in Redis's order, with Redis's field names.
 *
 * Each section is produced by a provider returning its `field:value` lines (without CRLF).
 * Subsystems that own a section's real values replace the neutral default with
 *
 *     registerInfoSection(server, 'replication', (s) => [...lines]);
 *
 * (names: server clients memory persistence stats replication cpu module_list commandstats
 * errorstats latencystats cluster keyspace). A provider that only changes a few fields can start
 * from the default: `defaultInfoSection('clients', s)` and map its lines.
 */
import { performance } from 'node:perf_hooks';
import { pubsubOf } from './pubsub.js';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { Server } from './server.js';
import { REDIS_VERSION } from './server.js';
import { latencyLines } from './latency.js';

export type InfoProvider = (s: Server) => string[];

interface Section {
  name: string;
  title: string;
  /** Part of INFO / INFO default. */
  inDefault: boolean;
}

const SECTIONS: Section[] = [
  { name: 'server', title: 'Server', inDefault: true },
  { name: 'clients', title: 'Clients', inDefault: true },
  { name: 'memory', title: 'Memory', inDefault: true },
  { name: 'persistence', title: 'Persistence', inDefault: true },
  { name: 'stats', title: 'Stats', inDefault: true },
  { name: 'replication', title: 'Replication', inDefault: true },
  { name: 'cpu', title: 'CPU', inDefault: true },
  { name: 'module_list', title: 'Modules', inDefault: true },
  { name: 'commandstats', title: 'Commandstats', inDefault: false },
  { name: 'errorstats', title: 'Errorstats', inDefault: true },
  { name: 'latencystats', title: 'Latencystats', inDefault: false },
  { name: 'cluster', title: 'Cluster', inDefault: true },
  { name: 'keyspace', title: 'Keyspace', inDefault: true },
];

/** Per-server INFO state: registered providers and values that live as long as the process. */
interface InfoState {
  providers: Map<string, InfoProvider>;
  /** The replication id a master without a replication layer reports. */
  replid: string;
  startupMemory: number;
  peakMemory: number;
}

const states = new WeakMap<Server, InfoState>();

function state(s: Server): InfoState {
  let st = states.get(s);
  if (!st) {
    const mem = usedMemory();
    st = {
      providers: new Map(),
      replid: randomBytes(20).toString('hex'),
      startupMemory: mem,
      peakMemory: mem,
    };
    states.set(s, st);
  }
  return st;
}

/** Replaces the provider of a section (see the file comment). */
export function registerInfoSection(s: Server, name: string, provider: InfoProvider): void {
  state(s).providers.set(name, provider);
}

/** Called at startup so used_memory_startup is the memory of an empty server. */
export function initInfo(s: Server): void {
  state(s);
}

// --- helpers ---------------------------------------------------------------------------------

function usedMemory(): number {
  const m = process.memoryUsage();
  // `arrayBuffers` is every Buffer and block (big values' pages, util/offheap.ts) that Node's
  // allocator holds. Not `external`: V8 leaves the shared blocks out of it and counts in the
  // wasm memory that tells it of them.
  return m.heapUsed + m.arrayBuffers;
}

/** Redis's bytesToHuman: B, K, M, G, T, P with two decimals. */
function bytesToHuman(n: number): string {
  const units = ['K', 'M', 'G', 'T', 'P'];
  if (n < 1024) return `${n}B`;
  let v = n / 1024;
  for (let i = 0; i < units.length; i++) {
    if (v < 1024 || i === units.length - 1) return `${v.toFixed(2)}${units[i]}`;
    v /= 1024;
  }
  return `${n}B`;
}

function pct(part: number, whole: number): string {
  return `${whole > 0 ? ((part * 100) / whole).toFixed(2) : '0.00'}%`;
}

function secUsec(micros: number): string {
  const sec = Math.floor(micros / 1e6);
  return `${sec}.${String(Math.floor(micros % 1e6)).padStart(6, '0')}`;
}

/** INFO values are sanitized: `#`, `:`, CR and LF in names become `_`. */
function safe(s: string): string {
  return s.replace(/[#:\r\n]/g, '_');
}

// --- default providers -------------------------------------------------------------------------

function serverSection(s: Server): string[] {
  const now = Date.now();
  const uptime = Math.floor((now - s.startTime) / 1000);
  const nowUsec = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  const hz = s.config.get('hz');
  return [
    `redis_version:${REDIS_VERSION}`,
    'redis_git_sha1:00000000',
    'redis_git_dirty:0',
    'redis_build_id:6b657973686172640',
    `redis_mode:${s.config.get('cluster-enabled') ? 'cluster' : 'standalone'}`,
    `os:${os.type()} ${os.release()} ${os.machine()}`,
    'arch_bits:64',
    'monotonic_clock:POSIX clock_gettime',
    `multiplexing_api:${process.platform === 'linux' ? 'epoll' : 'kqueue'}`,
    'atomicvar_api:c11-builtin',
    'gcc_version:0.0.0',
    `process_id:${process.pid}`,
    'process_supervised:no',
    `run_id:${s.runId}`,
    `tcp_port:${s.port}`,
    `server_time_usec:${nowUsec}`,
    `uptime_in_seconds:${uptime}`,
    `uptime_in_days:${Math.floor(uptime / 86400)}`,
    `hz:${hz}`,
    `configured_hz:${hz}`,
    `lru_clock:${Math.floor(now / 1000) & 0xffffff}`,
    `executable:${process.argv[1] ?? ''}`,
    `config_file:${s.config.configFile ?? ''}`,
    'io_threads_active:0',
  ];
}

/** Connections a CLIENT LIST would show: real sockets, and the master link. */
export function listedClients(s: Server): Iterable<import('./client.js').Client> {
  return [...s.clients.values()].filter((c) => c.socket !== null || c.kind === 'master');
}

function clientsSection(s: Server): string[] {
  let connected = 0;
  let maxIn = 0;
  let maxOut = 0;
  let blocked = 0;
  let timeouts = 0;
  for (const c of listedClients(s)) {
    if (c.kind !== 'replica') connected++;
    maxIn = Math.max(maxIn, c.parser.buffered);
    maxOut = Math.max(maxOut, c.reply.size + (c.socket?.writableLength ?? 0));
    // Clients held by CLIENT PAUSE are not "blocked" in Redis's count.
    if (c.blocked && c.blocked.unblockable) {
      blocked++;
      if (c.blocked.deadline > 0) timeouts++;
    }
  }
  return [
    `connected_clients:${connected}`,
    'cluster_connections:0',
    `maxclients:${s.config.get('maxclients')}`,
    `client_recent_max_input_buffer:${maxIn}`,
    `client_recent_max_output_buffer:${maxOut}`,
    `blocked_clients:${blocked}`,
    'tracking_clients:0',
    `clients_in_timeout_table:${timeouts}`,
  ];
}

function memorySection(s: Server): string[] {
  const st = state(s);
  const mem = process.memoryUsage();
  const used = usedMemory();
  if (used > st.peakMemory) st.peakMemory = used;
  const overhead = Math.min(used, st.startupMemory);
  const dataset = used - overhead;
  const total = os.totalmem();
  const maxmemory = s.config.get('maxmemory');
  const frag = used > 0 ? mem.rss / used : 0;
  return [
    `used_memory:${used}`,
    `used_memory_human:${bytesToHuman(used)}`,
    `used_memory_rss:${mem.rss}`,
    `used_memory_rss_human:${bytesToHuman(mem.rss)}`,
    `used_memory_peak:${st.peakMemory}`,
    `used_memory_peak_human:${bytesToHuman(st.peakMemory)}`,
    `used_memory_peak_perc:${pct(used, st.peakMemory)}`,
    `used_memory_overhead:${overhead}`,
    `used_memory_startup:${st.startupMemory}`,
    `used_memory_dataset:${dataset}`,
    `used_memory_dataset_perc:${pct(dataset, used - st.startupMemory > 0 ? used - st.startupMemory : used)}`,
    `allocator_allocated:${used}`,
    `allocator_active:${mem.heapTotal + mem.external}`,
    `allocator_resident:${mem.rss}`,
    `total_system_memory:${total}`,
    `total_system_memory_human:${bytesToHuman(total)}`,
    // No Lua VM and no functions: Redis's idle values without the VM baselines.
    'used_memory_lua:0',
    'used_memory_vm_eval:0',
    'used_memory_lua_human:0B',
    'used_memory_scripts_eval:0',
    'number_of_cached_scripts:0',
    'number_of_functions:0',
    'number_of_libraries:0',
    'used_memory_vm_functions:0',
    'used_memory_vm_total:0',
    'used_memory_vm_total_human:0B',
    'used_memory_functions:0',
    'used_memory_scripts:0',
    'used_memory_scripts_human:0B',
    `maxmemory:${maxmemory}`,
    `maxmemory_human:${bytesToHuman(maxmemory)}`,
    `maxmemory_policy:${s.config.get('maxmemory-policy')}`,
    'allocator_frag_ratio:1.00',
    'allocator_frag_bytes:0',
    'allocator_rss_ratio:1.00',
    'allocator_rss_bytes:0',
    'rss_overhead_ratio:1.00',
    'rss_overhead_bytes:0',
    `mem_fragmentation_ratio:${frag.toFixed(2)}`,
    `mem_fragmentation_bytes:${mem.rss - used}`,
    'mem_not_counted_for_evict:0',
    'mem_replication_backlog:0',
    'mem_total_replication_buffers:0',
    'mem_clients_slaves:0',
    'mem_clients_normal:0',
    'mem_cluster_links:0',
    'mem_aof_buffer:0',
    'mem_allocator:libc',
    'active_defrag_running:0',
    'lazyfree_pending_objects:0',
    'lazyfreed_objects:0',
  ];
}

function persistenceSection(s: Server): string[] {
  return [
    `loading:${s.loading ? 1 : 0}`,
    'async_loading:0',
    'current_cow_peak:0',
    'current_cow_size:0',
    'current_cow_size_age:0',
    'current_fork_perc:0.00',
    'current_save_keys_processed:0',
    'current_save_keys_total:0',
    `rdb_changes_since_last_save:${s.dirty}`,
    'rdb_bgsave_in_progress:0',
    `rdb_last_save_time:${s.lastSave}`,
    'rdb_last_bgsave_status:ok',
    'rdb_last_bgsave_time_sec:-1',
    'rdb_current_bgsave_time_sec:-1',
    'rdb_saves:0',
    'rdb_last_cow_size:0',
    'rdb_last_load_keys_expired:0',
    'rdb_last_load_keys_loaded:0',
    'aof_enabled:0',
    'aof_rewrite_in_progress:0',
    'aof_rewrite_scheduled:0',
    'aof_last_rewrite_time_sec:-1',
    'aof_current_rewrite_time_sec:-1',
    'aof_last_bgrewrite_status:ok',
    'aof_rewrites:0',
    'aof_rewrites_consecutive_failures:0',
    'aof_last_write_status:ok',
    'aof_last_cow_size:0',
    'module_fork_in_progress:0',
    'module_fork_last_cow_size:0',
  ];
}

function statsSection(s: Server): string[] {
  const st = s.stats;
  const ks = s.keyspace;
  const ps = pubsubOf(s);
  const kbps = (col: 2 | 3): string => (st.rate(col) / 1024).toFixed(2);
  return [
    `total_connections_received:${st.totalConnections}`,
    `total_commands_processed:${st.totalCommands}`,
    `instantaneous_ops_per_sec:${Math.round(st.rate(1))}`,
    `total_net_input_bytes:${st.netInput}`,
    `total_net_output_bytes:${st.netOutput}`,
    'total_net_repl_input_bytes:0',
    'total_net_repl_output_bytes:0',
    `instantaneous_input_kbps:${kbps(2)}`,
    `instantaneous_output_kbps:${kbps(3)}`,
    'instantaneous_input_repl_kbps:0.00',
    'instantaneous_output_repl_kbps:0.00',
    `rejected_connections:${st.rejectedConnections}`,
    'sync_full:0',
    'sync_partial_ok:0',
    'sync_partial_err:0',
    `expired_keys:${ks.expiredKeys}`,
    `expired_stale_perc:${(ks.expiredStalePerc * 100).toFixed(2)}`,
    `expired_time_cap_reached_count:${ks.expireCycleTimeCapReached}`,
    `expire_cycle_cpu_milliseconds:${Math.round(ks.expireCycleCpuMs)}`,
    'evicted_keys:0',
    'evicted_clients:0',
    'total_eviction_exceeded_time:0',
    'current_eviction_exceeded_time:0',
    `keyspace_hits:${ks.hits}`,
    `keyspace_misses:${ks.misses}`,
    `pubsub_channels:${ps.registry.channel.size}`,
    `pubsub_patterns:${ps.registry.pattern.size}`,
    `pubsubshard_channels:${ps.registry.shard.size}`,
    'latest_fork_usec:0',
    'total_forks:0',
    'migrate_cached_sockets:0',
    'slave_expires_tracked_keys:0',
    'active_defrag_hits:0',
    'active_defrag_misses:0',
    'active_defrag_key_hits:0',
    'active_defrag_key_misses:0',
    'total_active_defrag_time:0',
    'current_active_defrag_time:0',
    'tracking_total_keys:0',
    'tracking_total_items:0',
    'tracking_total_prefixes:0',
    'unexpected_error_replies:0',
    `total_error_replies:${st.totalErrorReplies}`,
    'dump_payload_sanitizations:0',
    `total_reads_processed:${st.readsProcessed}`,
    `total_writes_processed:${st.writesProcessed}`,
    'io_threaded_reads_processed:0',
    'io_threaded_writes_processed:0',
    'reply_buffer_shrinks:0',
    'reply_buffer_expands:0',
  ];
}

function replicationSection(s: Server): string[] {
  return [
    'role:master',
    'connected_slaves:0',
    'master_failover_state:no-failover',
    `master_replid:${state(s).replid}`,
    'master_replid2:0000000000000000000000000000000000000000',
    'master_repl_offset:0',
    'second_repl_offset:-1',
    'repl_backlog_active:0',
    `repl_backlog_size:${s.config.get('repl-backlog-size')}`,
    'repl_backlog_first_byte_offset:0',
    'repl_backlog_histlen:0',
  ];
}

function cpuSection(): string[] {
  const u = process.cpuUsage();
  const main = process.resourceUsage();
  return [
    `used_cpu_sys:${secUsec(u.system)}`,
    `used_cpu_user:${secUsec(u.user)}`,
    'used_cpu_sys_children:0.000000',
    'used_cpu_user_children:0.000000',
    `used_cpu_sys_main_thread:${secUsec(main.systemCPUTime)}`,
    `used_cpu_user_main_thread:${secUsec(main.userCPUTime)}`,
  ];
}

function commandstatsSection(s: Server): string[] {
  const out: string[] = [];
  for (const def of s.table.all()) {
    if (def.calls === 0 && def.failedCalls === 0 && def.rejectedCalls === 0) continue;
    const per = def.calls > 0 ? (def.usec / def.calls).toFixed(2) : '0.00';
    out.push(
      `cmdstat_${safe(def.name)}:calls=${def.calls},usec=${def.usec},usec_per_call=${per},` +
        `rejected_calls=${def.rejectedCalls},failed_calls=${def.failedCalls}`,
    );
  }
  return out;
}

function errorstatsSection(s: Server): string[] {
  return [...s.stats.errors.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([code, n]) => `errorstat_${safe(code)}:count=${n}`);
}

function clusterSection(s: Server): string[] {
  return [`cluster_enabled:${s.config.get('cluster-enabled') ? 1 : 0}`];
}

function keyspaceSection(s: Server): string[] {
  const out: string[] = [];
  for (const db of s.keyspace.dbs) {
    if (db.size === 0) continue;
    // avg_ttl is the active expire cycle's running estimate, 0 until it has sampled, as Redis.
    out.push(`db${db.id}:keys=${db.size},expires=${db.expires.size},avg_ttl=${db.avgTtl}`);
  }
  return out;
}

const DEFAULTS: Record<string, InfoProvider> = {
  server: serverSection,
  clients: clientsSection,
  memory: memorySection,
  persistence: persistenceSection,
  stats: statsSection,
  replication: replicationSection,
  cpu: cpuSection,
  module_list: () => [],
  commandstats: commandstatsSection,
  errorstats: errorstatsSection,
  latencystats: latencyLines,
  cluster: clusterSection,
  keyspace: keyspaceSection,
};

/** The built-in lines of a section, for providers that adjust a few fields. */
export function defaultInfoSection(name: string, s: Server): string[] {
  const p = DEFAULTS[name];
  return p ? p(s) : [];
}

/**
 * Which sections `INFO <args>` selects: none means default; `all` is every section (there are
 * no module sections), `everything` too; `modules` selects the module list; unknown names are
 * ignored.
 */
function selectSections(args: string[]): Set<string> {
  const chosen = new Set<string>();
  if (args.length === 0) args = ['default'];
  for (const raw of args) {
    const a = raw.toLowerCase();
    if (a === 'all' || a === 'everything') for (const sec of SECTIONS) chosen.add(sec.name);
    else if (a === 'default') {
      for (const sec of SECTIONS) if (sec.inDefault) chosen.add(sec.name);
    } else if (a === 'modules') chosen.add('module_list');
    else chosen.add(a);
  }
  return chosen;
}

/** The INFO text for the given section arguments. */
export function infoText(s: Server, args: string[]): string {
  const chosen = selectSections(args);
  const st = state(s);
  const parts: string[] = [];
  for (const sec of SECTIONS) {
    if (!chosen.has(sec.name)) continue;
    const provider = st.providers.get(sec.name) ?? DEFAULTS[sec.name];
    const lines = provider(s);
    parts.push(`# ${sec.title}\r\n${lines.map((l) => `${l}\r\n`).join('')}`);
  }
  return parts.join('\r\n');
}
