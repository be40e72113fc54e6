/**
 * The append-only file of a running server (Redis 7.0 multi-part AOF): every propagated write is
 * buffered and written to the current INCR file before that turn's replies go out, fsynced per
 * `appendfsync`; the manifest names the BASE and INCR files; BGREWRITEAOF (and the automatic
 * rewrite) writes a point-in-time snapshot as a new BASE while new writes go to a new INCR; the
 * AOF is loaded at startup instead of the RDB when `appendonly yes`.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir } from '../../util/fsync-dir.js';
import { writeSynced } from '../../util/write-synced.js';
import { AutosyncWriter } from '../autosync.js';
import type { Server } from '../../server/server.js';
import { Keyspace } from '../../keyspace/keyspace.js';
import { RdbLoader, RdbSnapshot, loadRdb, type LoadOptions } from '../rdb/file.js';
import { limitsFromConfig } from '../rdb/values.js';
import {
  Manifest,
  baseName,
  incrName,
  manifestName,
  tempIncrName,
  tempManifestName,
} from './manifest.js';
import { AofLoader, AofLoadFailed } from './loader.js';
import { commandBase, commandBaseChunks } from './command-base.js';
import { AofWriter } from './writer.js';

type AofState = 'off' | 'on' | 'wait_rewrite';

interface Rewrite {
  snap: RdbSnapshot;
  startedAt: number;
  /** Set when the rewrite is abandoned (appendonly no, shutdown): it stops at its next slice. */
  killed: boolean;
  tmp: string;
}

const instances = new WeakMap<Server, AofPersistence>();

/** The AOF of a server (attached at startup). */
export function aofOf(s: Server): AofPersistence {
  const a = instances.get(s);
  if (!a) throw new Error('AOF not attached');
  return a;
}

export class AofPersistence {
  state: AofState = 'off';
  manifest = new Manifest();
  /** The INCR file being appended to (or the temp INCR while switching on). */
  private readonly w: AofWriter;
  /** Size at the end of the last rewrite (or of the BASE at startup): auto-rewrite growth base. */
  baseSize = 0;
  rewrite: Rewrite | null = null;
  scheduled = false;
  /** BGSAVE SCHEDULE during a rewrite: the save starts once the rewrite is over. */
  bgsaveScheduled = false;
  lastRewriteSec = -1;
  lastBgrewriteOk = true;
  rewrites = 0;
  consecutiveFailures = 0;
  /** Automatic rewrites after repeated failures: the current delay and the next attempt. */
  private retryDelayMin = 0;
  private retryAt = 0;
  private limitLogged = 0;
  private loader: AofLoader | null = null;
  /** A replica's full sync replaced the data set: the AOF restarts with a rewrite afterwards. */
  private resyncPending = false;

  constructor(private readonly s: Server) {
    this.w = new AofWriter(s);
    instances.set(s, this);
  }

  private get dir(): string {
    return this.s.config.get('dir');
  }

  private get aofDir(): string {
    return join(this.dir, this.s.config.get('appenddirname'));
  }

  private get fname(): string {
    return this.s.config.get('appendfilename');
  }

  // --- wiring ---------------------------------------------------------------------------------

  attach(): void {
    const s = this.s;
    s.propagators.push((db, cmds, replOnly) => {
      if (this.state !== 'off' && !replOnly) this.w.feed(db, cmds);
    });
    s.beforeReply = () => this.w.flushPending();
    s.cronHooks.push((now) => this.cron(now));
    s.shutdownHooks.push(() => this.onShutdown());
    s.gates.push((c, def) => {
      if (this.w.lastWriteOk || this.state === 'off' || c.kind === 'master') return null;
      return def.write || def.name === 'ping'
        ? `MISCONF Errors writing to the AOF file: ${this.w.lastWriteError}`
        : null;
    });
    s.dbClearedHooks.push(() => {
      // A replica's full sync empties every database before loading the master's RDB.
      if (this.state === 'off' || !s.replica?.syncInProgress) return;
      // The master's data set replaces ours: the AOF stops and is rebuilt by a rewrite once
      // the sync is done (the snapshot then includes whatever the stream applied meanwhile).
      this.w.close();
      this.w.discard();
      this.killRewrite();
      this.state = 'wait_rewrite';
      this.resyncPending = true;
    });
    s.config.onChange('appendonly', (on) => {
      if (on && this.state === 'off') this.startAppendOnly();
      else if (!on && this.state !== 'off') this.stopAppendOnly();
    });
    s.rdb.aofInfo = () => this.info();
  }

  // --- manifest -------------------------------------------------------------------------------

  /** Writes the manifest through a temp file, fsync, rename and a directory fsync. */
  private persistManifest(m: Manifest = this.manifest): void {
    const tmp = join(this.aofDir, tempManifestName(this.fname));
    writeSynced(tmp, m.format());
    renameSync(tmp, join(this.aofDir, manifestName(this.fname)));
    fsyncDir(this.aofDir);
    this.manifest = m;
  }

  private ensureDir(): void {
    if (!existsSync(this.aofDir)) mkdirSync(this.aofDir, { recursive: true });
  }

  private fileSize(name: string): number {
    try {
      return statSync(join(this.aofDir, name)).size;
    } catch {
      return 0;
    }
  }

  private deleteHistory(): void {
    if (this.s.config.get('aof-disable-auto-gc') || this.manifest.history.length === 0) return;
    const m = this.manifest.clone();
    for (const h of m.history) {
      this.s.log.notice(`Removing the history file ${h.name} in the background`);
      void unlink(join(this.aofDir, h.name)).catch(() => undefined);
    }
    m.history = [];
    this.persistManifest(m);
  }

  // --- startup --------------------------------------------------------------------------------

  /**
   * Reads the manifest if there is one, whatever `appendonly` says (so a later CONFIG SET
   * appendonly yes continues its sequence numbers); a malformed manifest is fatal, as in Redis.
   */
  loadManifest(): void {
    try {
      const mpath = join(this.aofDir, manifestName(this.fname));
      if (existsSync(mpath)) this.manifest = Manifest.parse(readFileSync(mpath, 'latin1'));
    } catch (e) {
      this.s.log.warning((e as Error).message);
      process.exit(1);
    }
  }

  /** Loads the AOF (appendonly yes); any failure is fatal, as in Redis. */
  async loadAtStartup(): Promise<void> {
    const s = this.s;
    try {
      this.upgradeLegacy();
    } catch (e) {
      s.log.warning(`Failed to migrate the old-style AOF file: ${(e as Error).message}`);
      process.exit(1);
    }
    const m = this.manifest;
    if (!m.base && m.incrs.length === 0) return;
    const loader = new AofLoader(s, this.aofDir, m);
    this.loader = loader;
    const ks = s.keyspace;
    const expireAllowed = ks.expireAllowed;
    // Nothing expires while loading: the file's own DELs and PEXPIREATs decide.
    ks.expireAllowed = false;
    ks.applyingMasterStream = true;
    s.loading = true;
    try {
      const { baseSize, totalSize } = await loader.load();
      this.baseSize = baseSize;
      this.w.size = totalSize;
    } catch (e) {
      if (!(e instanceof AofLoadFailed)) {
        s.log.warning(`Fatal error loading the AOF: ${(e as Error).message}`);
      }
      process.exit(1);
    } finally {
      s.loading = false;
      ks.expireAllowed = expireAllowed;
      ks.applyingMasterStream = false;
      this.loader = null;
    }
    // The replayed commands stay counted in rdb_changes_since_last_save, as in Redis.
  }

  /** A pre-7.0 single appendonly.aof in `dir` moves into the AOF directory as its BASE. */
  private upgradeLegacy(): void {
    const legacy = join(this.dir, this.fname);
    if (!existsSync(legacy)) return;
    if (existsSync(join(this.aofDir, manifestName(this.fname)))) {
      const m = this.manifest;
      const onlyLegacyBase = m.base?.name === this.fname && m.incrs.length === 0;
      if (!onlyLegacyBase || existsSync(join(this.aofDir, this.fname))) return;
    }
    this.ensureDir();
    const m = new Manifest();
    m.base = { name: this.fname, seq: 1, type: 'b' };
    m.baseSeq = 1;
    this.persistManifest(m);
    renameSync(legacy, join(this.aofDir, this.fname));
    fsyncDir(this.dir);
    this.s.log.notice(
      `Successfully migrated an old-style AOF file (${this.fname}) into the AOF directory (${this.s.config.get('appenddirname')}).`,
    );
  }

  /** After loading (appendonly yes): creates a BASE if there is none, opens the last INCR. */
  openOnStartup(): void {
    const s = this.s;
    try {
      this.ensureDir();
      const m = this.manifest.clone();
      let dirty = false;
      if (!m.base && m.incrs.length === 0) {
        const rdb = s.config.get('aof-use-rdb-preamble');
        m.baseSeq++;
        const name = baseName(this.fname, m.baseSeq, rdb);
        writeSynced(join(this.aofDir, name), this.snapshotBytes(rdb));
        m.base = { name, seq: m.baseSeq, type: 'b' };
        s.log.notice(`Creating AOF base file ${name} on server start`);
        this.baseSize = this.fileSize(name);
        this.w.size = this.baseSize;
        dirty = true;
      }
      const lastIncr = m.incrs[m.incrs.length - 1];
      if (lastIncr) {
        this.w.open(join(this.aofDir, lastIncr.name), 'a');
        s.log.notice(`Opening AOF incr file ${lastIncr.name} on server start`);
      } else {
        m.incrSeq++;
        const name = incrName(this.fname, m.incrSeq);
        m.incrs.push({ name, seq: m.incrSeq, type: 'i' });
        this.w.open(join(this.aofDir, name), 'a');
        s.log.notice(`Creating AOF incr file ${name} on server start`);
        dirty = true;
      }
      if (dirty) this.persistManifest(m);
      else this.manifest = m;
      this.state = 'on';
      this.deleteHistory();
    } catch (e) {
      s.log.warning(`Can't open the append-only file: ${(e as Error).message}`);
      process.exit(1);
    }
  }

  /** The data set now as a BASE file's bytes (RDB image or command log). */
  private snapshotBytes(rdb: boolean): Buffer {
    return this.toBase(this.newSnapshot().all(), rdb);
  }

  private newSnapshot(): RdbSnapshot {
    return new RdbSnapshot(this.s.keyspace, {
      compress: this.s.config.get('rdbcompression'),
      checksum: this.s.config.get('rdbchecksum'),
      repl: null,
      aofBase: true,
    });
  }

  /**
   * The snapshot is always taken as RDB (that is what has copy-on-write); a command-log BASE is
   * produced from it by loading it into a scratch keyspace.
   */
  private toBase(image: Buffer, rdb: boolean): Buffer {
    if (rdb) return image;
    const scratch = this.scratch();
    loadRdb(image, scratch, this.scratchLoad());
    return commandBase(scratch, this.timestamp());
  }

  private scratch(): Keyspace {
    return new Keyspace(this.s.keyspace.dbs.length, { expired: () => undefined });
  }

  private scratchLoad(): LoadOptions {
    return { dropExpired: false, now: Date.now(), limits: limitsFromConfig(this.s.config) };
  }

  /** The `#TS:` second heading a command-log BASE (aof-timestamp-enabled), or null. */
  private timestamp(): number | null {
    return this.s.config.get('aof-timestamp-enabled') ? Math.floor(Date.now() / 1000) : null;
  }

  // --- rewrite --------------------------------------------------------------------------------

  /** BGREWRITEAOF's outcome. */
  bgrewrite(inTransaction: boolean): 'started' | 'scheduled' | 'in-progress' | 'failed' {
    if (this.rewrite) return 'in-progress';
    if (inTransaction || this.s.rdb.inProgress) {
      this.scheduled = true;
      this.consecutiveFailures = 0;
      return 'scheduled';
    }
    this.consecutiveFailures = 0;
    return this.startRewrite() ? 'started' : 'failed';
  }

  /** Starts a rewrite: new writes go to a new INCR (or the temp INCR while switching on). */
  startRewrite(): boolean {
    const s = this.s;
    if (this.rewrite) return false;
    this.scheduled = false;
    try {
      this.ensureDir();
      if (this.state === 'on') {
        this.w.close();
        const m = this.manifest.clone();
        m.incrSeq++;
        const name = incrName(this.fname, m.incrSeq);
        m.incrs.push({ name, seq: m.incrSeq, type: 'i' });
        this.w.open(join(this.aofDir, name), 'a');
        this.persistManifest(m);
        s.log.notice(`Creating AOF incr file ${name} on background rewrite`);
      } else if (this.state === 'wait_rewrite') {
        const name = tempIncrName(this.fname);
        this.w.open(join(this.aofDir, name), 'w');
        s.log.notice(`Creating AOF incr file ${name} on background rewrite`);
      }
    } catch (e) {
      s.log.warning(`Can't open new incr AOF file for background rewrite: ${(e as Error).message}`);
      this.lastBgrewriteOk = false;
      return false;
    }
    const rw: Rewrite = {
      snap: this.newSnapshot(),
      startedAt: Date.now(),
      killed: false,
      tmp: join(this.dir, `temp-rewriteaof-bg-${process.pid}.aof`),
    };
    this.rewrite = rw;
    s.snapshots.add(rw.snap);
    s.log.notice(`Background append only file rewriting started by pid ${process.pid}`);
    void this.runRewrite(rw);
    return true;
  }

  private async runRewrite(rw: Rewrite): Promise<void> {
    const s = this.s;
    const rdb = s.config.get('aof-use-rdb-preamble');
    let fh: FileHandle | null = null;
    let ok = false;
    try {
      fh = await open(rw.tmp, 'w');
      const out = new AutosyncWriter(fh, s.config.get('aof-rewrite-incremental-fsync'));
      const parts: Buffer[] = [];
      for (let chunk = rw.snap.next(); chunk; chunk = rw.snap.next()) {
        if (rdb) await out.write(chunk);
        else parts.push(chunk);
        // Clients run between slices; the snapshot keeps its point in time by itself.
        await new Promise<void>((r) => setImmediate(r));
        if (rw.killed) throw new Error('killed');
      }
      s.snapshots.delete(rw.snap);
      if (!rdb) {
        // The command-log BASE: the image replayed into a scratch keyspace, both in slices.
        const scratch = this.scratch();
        const loader = new RdbLoader(Buffer.concat(parts), scratch, this.scratchLoad());
        while (!loader.step(10000)) await new Promise<void>((r) => setImmediate(r));
        for (const chunk of commandBaseChunks(scratch, this.timestamp())) {
          await out.write(Buffer.from(chunk, 'latin1'));
          await new Promise<void>((r) => setImmediate(r));
          if (rw.killed) throw new Error('killed');
        }
      }
      await fh.sync();
      await fh.close();
      fh = null;
      if (rw.killed) throw new Error('killed');
      ok = true;
    } catch (e) {
      if (!rw.killed) s.log.warning(`Error writing the AOF rewrite: ${(e as Error).message}`);
      await fh?.close().catch(() => undefined);
      await unlink(rw.tmp).catch(() => undefined);
    }
    s.snapshots.delete(rw.snap);
    if (rw.killed) return;
    this.rewrite = null;
    if (ok) ok = await this.rewriteDone(rw);
    this.lastRewriteSec = Math.round((Date.now() - rw.startedAt) / 1000);
    this.lastBgrewriteOk = ok;
    if (ok) {
      this.rewrites++;
      this.consecutiveFailures = 0;
      s.log.notice('Background AOF rewrite finished successfully');
    } else {
      this.consecutiveFailures++;
      s.log.warning('Background AOF rewrite terminated with error');
    }
  }

  /** Installs the new BASE: renames, switches the manifest, drops the history. */
  private async rewriteDone(rw: Rewrite): Promise<boolean> {
    const s = this.s;
    const rdb = s.config.get('aof-use-rdb-preamble');
    s.log.notice('Background AOF rewrite terminated with success');
    try {
      const m = this.manifest.clone();
      m.baseSeq++;
      const newBase = baseName(this.fname, m.baseSeq, rdb);
      const tmpName = rw.tmp.slice(this.dir.length).replace(/^\/+/, '');
      await rename(rw.tmp, join(this.aofDir, newBase));
      s.log.notice(`Successfully renamed the temporary AOF base file ${tmpName} into ${newBase}`);
      if (this.state === 'wait_rewrite' && this.w.isOpen) {
        this.w.flushPending();
        m.incrSeq++;
        const name = incrName(this.fname, m.incrSeq);
        // The temp INCR keeps its descriptor: renaming does not disturb appends.
        renameSync(join(this.aofDir, tempIncrName(this.fname)), join(this.aofDir, name));
        m.incrs.push({ name, seq: m.incrSeq, type: 'i' });
        s.log.notice(
          `Successfully renamed the temporary AOF incr file ${tempIncrName(this.fname)} into ${name}`,
        );
        this.state = 'on';
      }
      // History entries go to the front, in Redis's order (the manifest lists them so).
      if (m.base) m.history.unshift({ ...m.base, type: 'h' });
      m.base = { name: newBase, seq: m.baseSeq, type: 'b' };
      // Every INCR but the one being written now is covered by the new BASE.
      const keep = this.state === 'on' ? m.incrs.slice(-1) : [];
      for (const i of m.incrs) if (!keep.includes(i)) m.history.unshift({ ...i, type: 'h' });
      m.incrs = keep;
      this.persistManifest(m);
      this.w.size =
        this.fileSize(newBase) + (keep[0] ? this.fileSize(keep[0].name) + this.w.pending : 0);
      this.baseSize = this.w.size;
      this.deleteHistory();
      return true;
    } catch (e) {
      s.log.warning(`Error trying to install the rewritten AOF: ${(e as Error).message}`);
      await unlink(rw.tmp).catch(() => undefined);
      return false;
    }
  }

  private killRewrite(): void {
    const rw = this.rewrite;
    if (!rw) return;
    this.s.log.notice(`Killing running AOF rewrite child: ${process.pid}`);
    rw.killed = true;
    this.rewrite = null;
    this.s.snapshots.delete(rw.snap);
    try {
      unlinkSync(rw.tmp);
    } catch {
      // The writer removes it itself if it had not been created yet.
    }
  }

  // --- switching on and off -------------------------------------------------------------------

  /** CONFIG SET appendonly yes: a rewrite creates the AOF; writes wait in the temp INCR. */
  private startAppendOnly(): void {
    this.state = 'wait_rewrite';
    if (this.rewrite) this.killRewrite();
    if (this.s.rdb.inProgress) {
      this.scheduled = true;
      this.s.log.warning(
        'AOF was enabled but there is already another background operation. An AOF background was scheduled to start when possible.',
      );
      return;
    }
    if (!this.startRewrite()) {
      this.state = 'off';
      this.s.log.warning(
        "Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. Check the above logs for more info about the error.",
      );
      throw new Error('Failed to enable AOF');
    }
  }

  /** CONFIG SET appendonly no: flush, fsync, close; a running rewrite is abandoned. */
  private stopAppendOnly(): void {
    const wasWaiting = this.state === 'wait_rewrite';
    this.w.close();
    this.w.discard();
    this.killRewrite();
    if (wasWaiting) {
      try {
        unlinkSync(join(this.aofDir, tempIncrName(this.fname)));
      } catch {
        // Not created yet.
      }
    }
    this.scheduled = false;
    this.state = 'off';
  }

  private cron(now: number): void {
    const s = this.s;
    this.w.flushPending();
    const busy = this.rewrite !== null || s.rdb.inProgress;
    this.w.maybeFsync(now, busy && s.config.get('no-appendfsync-on-rewrite'));
    if (this.resyncPending && !s.loading && !s.replica?.syncInProgress) {
      this.resyncPending = false;
      this.scheduled = true;
    }
    if (this.rewrite || s.rdb.inProgress) return;
    if (this.bgsaveScheduled) {
      this.bgsaveScheduled = false;
      s.rdb.startBgsave();
      return;
    }
    if (this.scheduled) {
      if (!this.rewriteLimited(now)) this.startRewrite();
      return;
    }
    const pct = s.config.get('auto-aof-rewrite-percentage');
    if (this.state !== 'on' || pct <= 0) return;
    if (this.w.size <= s.config.get('auto-aof-rewrite-min-size')) return;
    const base = this.baseSize > 0 ? this.baseSize : 1;
    const growth = Math.floor((this.w.size * 100) / base) - 100;
    if (growth >= pct && !this.rewriteLimited(now)) {
      s.log.notice(`Starting automatic rewriting of AOF on ${growth}% growth`);
      this.startRewrite();
    }
  }

  /**
   * After 3 failed rewrites in a row, automatic ones wait 1, 2, 4 ... up to 60 minutes between
   * attempts (a manual BGREWRITEAOF resets the count and runs at once).
   */
  private rewriteLimited(now: number): boolean {
    if (this.consecutiveFailures < 3) {
      this.retryDelayMin = 0;
      return false;
    }
    if (this.retryDelayMin === 0 || now > this.retryAt) {
      this.retryDelayMin = this.retryDelayMin === 0 ? 1 : Math.min(this.retryDelayMin * 2, 60);
      this.retryAt = now + this.retryDelayMin * 60000;
      return false;
    }
    if (now - this.limitLogged > 60000) {
      this.limitLogged = now;
      this.s.log.warning(
        `Background AOF rewrite has repeatedly failed and triggered the limit, will retry in ${this.retryDelayMin} minutes`,
      );
    }
    return true;
  }

  private onShutdown(): boolean {
    if (this.rewrite) this.killRewrite();
    if (this.state !== 'off' && this.w.isOpen) {
      this.s.log.notice('Calling fsync() on the AOF file.');
      this.w.sync();
    }
    return true;
  }

  // --- INFO -----------------------------------------------------------------------------------

  private info(): { values: Record<string, string | number>; extra: string[] } {
    const now = Date.now();
    const rw = this.rewrite;
    const values: Record<string, string | number> = {
      aof_enabled: this.state !== 'off' ? 1 : 0,
      aof_rewrite_in_progress: rw ? 1 : 0,
      aof_rewrite_scheduled: this.scheduled ? 1 : 0,
      aof_last_rewrite_time_sec: this.lastRewriteSec,
      aof_current_rewrite_time_sec: rw ? Math.floor((now - rw.startedAt) / 1000) : -1,
      aof_last_bgrewrite_status: this.lastBgrewriteOk ? 'ok' : 'err',
      aof_rewrites: this.rewrites,
      aof_rewrites_consecutive_failures: this.consecutiveFailures,
      aof_last_write_status: this.w.lastWriteOk ? 'ok' : 'err',
    };
    const extra: string[] = [];
    if (this.state !== 'off') {
      extra.push(
        `aof_current_size:${this.w.size}`,
        `aof_base_size:${this.baseSize}`,
        `aof_pending_rewrite:${this.scheduled ? 1 : 0}`,
        `aof_buffer_length:${this.w.pending}`,
        `aof_pending_bio_fsync:${this.w.fsyncInFlight ? 1 : 0}`,
        'aof_delayed_fsync:0',
      );
    }
    const l = this.loader;
    if (l) {
      const p = l.progress;
      const secs = (now - p.startedAt) / 1000;
      const eta = p.loaded > 0 ? Math.round(((p.total - p.loaded) * secs) / p.loaded) : 1;
      extra.push(
        `loading_start_time:${Math.floor(p.startedAt / 1000)}`,
        `loading_total_bytes:${p.total}`,
        'loading_rdb_used_mem:0',
        `loading_loaded_bytes:${p.loaded}`,
        `loading_loaded_perc:${p.total > 0 ? ((p.loaded * 100) / p.total).toFixed(2) : '0.00'}`,
        `loading_eta_seconds:${eta}`,
      );
    }
    return { values, extra };
  }
}
