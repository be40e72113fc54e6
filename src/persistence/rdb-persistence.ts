/**
 * RDB persistence for a running server: SAVE, BGSAVE (a sliced snapshot written while the server
 * keeps serving), save points, MISCONF after a failed background save, saving on shutdown, and
 * loading at startup.
 */
import { existsSync, readFileSync, renameSync, unlinkSync } from 'node:fs';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir } from '../util/fsync-dir.js';
import { writeSynced } from '../util/write-synced.js';
import { AutosyncWriter } from './autosync.js';
import type { Server } from '../server/server.js';
import { RdbSnapshot, RdbLoader, type LoadResult, type ReplAux } from './rdb/file.js';
import { RdbFormatError } from './rdb/encoding.js';
import { defaultInfoSection, registerInfoSection } from '../server/info.js';
import { limitsFromConfig } from './rdb/values.js';

const MISCONF =
  "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";

/** Replication state to embed in snapshots; set by the replication layer. */
export type ReplAuxProvider = () => ReplAux | null;

interface Bgsave {
  snap: RdbSnapshot;
  startedAt: number;
  dirtyAtStart: number;
  /** Set by killBgsave(): the writer stops at its next slice and removes its temp file. */
  killed: boolean;
}

export class RdbPersistence {
  private bg: Bgsave | null = null;
  lastBgsaveOk = true;
  lastBgsaveSec = -1;
  lastAttempt = 0;
  saves = 0;
  lastLoad: LoadResult | null = null;
  replAux: ReplAuxProvider = () => null;
  /** INFO's aof_* values and the appendonly-only lines, from the AOF when attached. */
  aofInfo: (() => { values: Record<string, string | number>; extra: string[] }) | null = null;

  constructor(private readonly server: Server) {}

  /** The RDB file: `dir`/`dbfilename`. */
  get path(): string {
    return join(this.server.config.get('dir'), this.server.config.get('dbfilename'));
  }

  get inProgress(): boolean {
    return this.bg !== null;
  }

  get bgsaveStartedAt(): number {
    return this.bg ? this.bg.startedAt : 0;
  }

  /** Registers the cron, shutdown, gate and copy-on-write hooks. */
  attach(): void {
    const s = this.server;
    s.cronHooks.push((now) => this.cron(now));
    s.shutdownHooks.push((mode) => this.onShutdown(mode));
    s.gates.push((c, def) => {
      if (!this.writesDenied() || c.kind === 'master') return null;
      return def.write || def.name === 'ping' ? MISCONF : null;
    });
    registerInfoSection(s, 'persistence', (srv) =>
      this.infoLines(defaultInfoSection('persistence', srv)),
    );
    s.keyAddedHooks.push((db, key) => {
      for (const snap of s.snapshots) snap.keyAdded(db, key);
    });
  }

  private writesDenied(): boolean {
    const cfg = this.server.config;
    return (
      !this.lastBgsaveOk && cfg.get('stop-writes-on-bgsave-error') && cfg.get('save').length > 0
    );
  }

  snapshot(): RdbSnapshot {
    const cfg = this.server.config;
    return new RdbSnapshot(this.server.keyspace, {
      compress: cfg.get('rdbcompression'),
      checksum: cfg.get('rdbchecksum'),
      repl: this.replAux(),
      aofBase: false,
    });
  }

  /** SAVE: a foreground snapshot. Returns false (and logs) on failure. */
  saveSync(): boolean {
    const dir = this.server.config.get('dir');
    const tmp = join(dir, `temp-${process.pid}.rdb`);
    const dirtyAtStart = this.server.dirty;
    try {
      writeSynced(tmp, this.snapshot().all());
      renameSync(tmp, this.path);
      fsyncDir(dir);
    } catch (e) {
      this.server.log.warning(
        `Failed opening the temp RDB file ${tmp} (in server root dir ${dir}) for saving: ${(e as Error).message}`,
      );
      try {
        unlinkSync(tmp);
      } catch {
        // nothing to remove
      }
      return false;
    }
    this.server.log.notice('DB saved on disk');
    this.server.dirty -= dirtyAtStart;
    this.server.lastSave = Math.floor(Date.now() / 1000);
    this.lastBgsaveOk = true;
    this.saves++;
    return true;
  }

  /** BGSAVE: starts a background snapshot; false when one is already running. */
  startBgsave(): boolean {
    if (this.bg) return false;
    const s = this.server;
    const bg: Bgsave = {
      snap: this.snapshot(),
      startedAt: Date.now(),
      dirtyAtStart: s.dirty,
      killed: false,
    };
    this.bg = bg;
    s.snapshots.add(bg.snap);
    this.lastAttempt = Date.now();
    s.log.notice(`Background saving started by pid ${process.pid}`);
    void this.runBgsave(bg);
    return true;
  }

  private async runBgsave(bg: Bgsave): Promise<void> {
    const s = this.server;
    const dir = s.config.get('dir');
    // Not SAVE's temp file name: a SAVE may run while this one is being written.
    const tmp = join(dir, `temp-bgsave-${process.pid}.rdb`);
    let fh: FileHandle | null = null;
    let ok = false;
    try {
      fh = await open(tmp, 'w');
      const out = new AutosyncWriter(fh, s.config.get('rdb-save-incremental-fsync'));
      for (let chunk = bg.snap.next(); chunk; chunk = bg.snap.next()) {
        await out.write(chunk);
        // Let clients run between slices; the snapshot keeps its point in time by itself.
        await new Promise<void>((r) => setImmediate(r));
        if (bg.killed) throw new Error('killed');
      }
      await fh.sync();
      await fh.close();
      fh = null;
      await rename(tmp, this.path);
      fsyncDir(dir);
      ok = true;
    } catch (e) {
      if (!bg.killed) s.log.warning(`Write error saving DB on disk: ${(e as Error).message}`);
      await fh?.close().catch(() => undefined);
      await unlink(tmp).catch(() => undefined);
    }
    this.bg = null;
    s.snapshots.delete(bg.snap);
    if (bg.killed) {
      // Killed on purpose (FLUSHALL, SHUTDOWN): not a failed save, so no MISCONF.
      s.log.warning('Background saving terminated by signal 10');
      return;
    }
    this.lastBgsaveSec = Math.round((Date.now() - bg.startedAt) / 1000);
    this.lastBgsaveOk = ok;
    if (ok) {
      s.log.notice('DB saved on disk');
      s.log.notice('Background saving terminated with success');
      s.dirty -= bg.dirtyAtStart;
      s.lastSave = Math.floor(Date.now() / 1000);
      this.saves++;
    } else {
      s.log.warning('Background saving error');
    }
  }

  /** Stops a running BGSAVE (FLUSHALL does, as Redis kills its RDB child). */
  killBgsave(): void {
    if (!this.bg) return;
    this.bg.killed = true;
    this.server.snapshots.delete(this.bg.snap);
  }

  private cron(now: number): void {
    if (this.bg) return;
    const s = this.server;
    const sinceSave = now / 1000 - s.lastSave;
    for (const [seconds, changes] of s.config.get('save')) {
      if (
        s.dirty >= changes &&
        sinceSave > seconds &&
        (this.lastBgsaveOk || now - this.lastAttempt > 5000)
      ) {
        s.log.notice(`${changes} changes in ${seconds} seconds. Saving...`);
        this.startBgsave();
        return;
      }
    }
  }

  private onShutdown(mode: 'save' | 'nosave' | 'default'): boolean {
    if (mode === 'nosave') return true;
    if (mode === 'default' && this.server.config.get('save').length === 0) return true;
    this.server.log.notice('Saving the final RDB snapshot before exiting.');
    if (!this.saveSync()) {
      this.server.log.warning("Error trying to save the DB, can't exit.");
      return false;
    }
    return true;
  }

  /**
   * Loads dbfilename at startup if it exists, in slices: clients that connect meanwhile get
   * -LOADING and INFO shows the progress. A corrupt or truncated file is fatal: the process logs
   * why and exits non-zero rather than serve a partial data set.
   */
  async loadAtStartup(dropExpired: boolean): Promise<void> {
    const s = this.server;
    const path = this.path;
    if (!existsSync(path)) return;
    const t0 = Date.now();
    const fail = (e: unknown): never => {
      for (const db of s.keyspace.dbs) db.clear();
      if (e instanceof RdbFormatError) {
        s.log.warning(
          `Internal error in RDB reading offset ${this.loading?.loader.position ?? 0} -> ${e.message}`,
        );
        s.log.warning('Short read or OOM loading DB. Unrecoverable error, aborting now.');
      } else {
        s.log.warning(`Fatal error loading the DB: ${(e as Error).message}. Exiting.`);
      }
      process.exit(1);
    };
    let buf: Buffer;
    try {
      buf = readFileSync(path);
    } catch (e) {
      return fail(e);
    }
    s.loading = true;
    try {
      const loader = new RdbLoader(buf, s.keyspace, {
        dropExpired,
        now: Date.now(),
        limits: limitsFromConfig(s.config),
      });
      this.loading = { loader, total: buf.length, startedAt: t0 };
      while (!loader.step(10000)) await new Promise<void>((r) => setImmediate(r));
      const res = loader.result;
      this.lastLoad = res;
      const ver = res.aux.get('redis-ver');
      if (ver) s.log.notice(`Loading RDB produced by version ${ver}`);
      const ctime = res.aux.get('ctime');
      if (ctime) s.log.notice(`RDB age ${Math.floor(Date.now() / 1000) - Number(ctime)} seconds`);
      s.log.notice(
        `Done loading RDB, keys loaded: ${res.keysLoaded}, keys expired: ${res.keysExpired}.`,
      );
      s.log.notice(`DB loaded from disk: ${((Date.now() - t0) / 1000).toFixed(3)} seconds`);
    } catch (e) {
      fail(e);
    } finally {
      s.loading = false;
      this.loading = null;
    }
  }

  /** The load in progress, for INFO's loading_* fields. */
  private loading: { loader: RdbLoader; total: number; startedAt: number } | null = null;

  /** INFO persistence with the RDB figures (the AOF fields stay at Redis's disabled values). */
  infoLines(base: string[]): string[] {
    const now = Date.now();
    const bg = this.bg;
    const values: Record<string, string | number> = {
      current_save_keys_processed: bg ? bg.snap.keysDone : 0,
      current_save_keys_total: bg ? bg.snap.keysTotal : 0,
      rdb_bgsave_in_progress: bg ? 1 : 0,
      rdb_last_bgsave_status: this.lastBgsaveOk ? 'ok' : 'err',
      rdb_last_bgsave_time_sec: this.lastBgsaveSec,
      rdb_current_bgsave_time_sec: bg ? Math.floor((now - bg.startedAt) / 1000) : -1,
      rdb_saves: this.saves,
      rdb_last_load_keys_expired: this.lastLoad?.keysExpired ?? 0,
      rdb_last_load_keys_loaded: this.lastLoad?.keysLoaded ?? 0,
    };
    const aof = this.aofInfo?.();
    if (aof) Object.assign(values, aof.values);
    const out = base.map((line) => {
      const k = line.slice(0, line.indexOf(':'));
      return k in values ? `${k}:${values[k]}` : line;
    });
    if (aof) out.push(...aof.extra);
    const l = this.loading;
    if (l) {
      const done = l.loader.position;
      const secs = (now - l.startedAt) / 1000;
      const eta = done > 0 ? Math.round(((l.total - done) * secs) / done) : 1;
      out.push(
        `loading_start_time:${Math.floor(l.startedAt / 1000)}`,
        `loading_total_bytes:${l.total}`,
        'loading_rdb_used_mem:0',
        `loading_loaded_bytes:${done}`,
        `loading_loaded_perc:${((done * 100) / l.total).toFixed(2)}`,
        `loading_eta_seconds:${eta}`,
      );
    }
    return out;
  }
}
