/**
 * Loading the AOF at startup: the BASE (an RDB image or a command log), then every INCR file in
 * manifest order, in slices so clients meanwhile get -LOADING. Commands run through their
 * handlers on an internal client without replies, propagation or expiry (as Redis's fake AOF
 * client); MULTI blocks are applied whole at EXEC. Truncation follows `aof-load-truncated`;
 * everything else malformed is fatal, with Redis's log lines.
 */
import { existsSync, readFileSync, statSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import type { Server } from '../../server/server.js';
import { Client } from '../../server/client.js';
import { arityOk, lookupCommand } from '../../server/dispatcher.js';
import { RdbLoader } from '../rdb/file.js';
import { RdbFormatError } from '../rdb/encoding.js';
import { limitsFromConfig } from '../rdb/values.js';
import type { AofInfo, Manifest } from './manifest.js';
import { AofCommandReader, BAD_FORMAT, TRUNCATED } from './command-reader.js';

/** Why loading stopped: the caller logs nothing more and exits non-zero. */
export class AofLoadFailed extends Error {}

export type FileOutcome = 'ok' | 'empty' | 'truncated';

/** Commands applied per slice before letting clients in (they get -LOADING). */
const SLICE = 5000;

const noErrors = { countError: (): void => undefined };

export interface LoadProgress {
  startedAt: number;
  total: number;
  loaded: number;
}

export class AofLoader {
  readonly progress: LoadProgress;
  private readonly client: Client;
  /** Bytes of the files already loaded (progress is over all of them). */
  private before = 0;

  constructor(
    private readonly s: Server,
    private readonly dir: string,
    private readonly manifest: Manifest,
  ) {
    this.client = new Client(s, 0, null, s.keyspace.dbs[0], true, noErrors);
    this.progress = { startedAt: Date.now(), total: this.totalSize(), loaded: 0 };
  }

  private files(): { info: AofInfo; kind: 'base' | 'incr' }[] {
    const m = this.manifest;
    const out: { info: AofInfo; kind: 'base' | 'incr' }[] = [];
    if (m.base) out.push({ info: m.base, kind: 'base' });
    for (const i of m.incrs) out.push({ info: i, kind: 'incr' });
    return out;
  }

  private totalSize(): number {
    let n = 0;
    for (const f of this.files()) {
      try {
        n += statSync(join(this.dir, f.info.name)).size;
      } catch {
        // Reported as missing by load().
      }
    }
    return n;
  }

  /** Loads every file; returns the base size and the total size (INFO aof_*_size). */
  async load(): Promise<{ baseSize: number; totalSize: number }> {
    const s = this.s;
    const files = this.files();
    for (const f of files) {
      if (!existsSync(join(this.dir, f.info.name))) {
        s.log.warning(
          `Unable to obtain the AOF file ${f.info.name} length. stat: No such file or directory`,
        );
        throw new AofLoadFailed();
      }
    }
    const t0 = Date.now();
    let baseSize = 0;
    let totalSize = 0;
    for (let i = 0; i < files.length; i++) {
      const { info, kind } = files[i];
      const last = i === files.length - 1;
      const start = Date.now();
      const outcome = await this.loadFile(info.name);
      const size = statSync(join(this.dir, info.name)).size;
      if (kind === 'base') baseSize = size;
      totalSize += size;
      this.before = totalSize;
      this.progress.loaded = totalSize;
      if (outcome === 'truncated' && !last) {
        s.log.warning('Fatal error: the truncated file is not the last file');
        throw new AofLoadFailed();
      }
      if (outcome !== 'empty') {
        s.log.notice(
          `DB loaded from ${kind} file ${info.name}: ${((Date.now() - start) / 1000).toFixed(3)} seconds`,
        );
      }
    }
    s.log.notice(
      `DB loaded from append only file: ${((Date.now() - t0) / 1000).toFixed(3)} seconds`,
    );
    return { baseSize, totalSize };
  }

  private async loadFile(name: string): Promise<FileOutcome> {
    const s = this.s;
    const path = join(this.dir, name);
    // By its size, as Redis does: a zero-length file is not even read.
    if (statSync(path).size === 0) return 'empty';
    const buf = readFileSync(path);
    const legacy = name === s.config.get('appendfilename');
    let pos = 0;
    if (buf.length >= 5 && buf.toString('latin1', 0, 5) === 'REDIS') {
      s.log.notice(
        legacy
          ? 'Reading RDB preamble from AOF file...'
          : 'Reading RDB base file on AOF loading...',
      );
      pos = await this.loadRdb(buf, name, legacy);
      if (legacy) s.log.notice('Reading the remaining AOF tail...');
    }
    const reader = new AofCommandReader(buf, pos);
    const c = this.client;
    c.db = s.keyspace.dbs[0];
    let multi: string[][] | null = null;
    let validBeforeMulti = pos;
    let n = 0;
    for (;;) {
      const r = reader.next();
      if (r === null) break;
      if (r === BAD_FORMAT) {
        s.log.warning(
          `Bad file format reading the append only file ${name}: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>`,
        );
        throw new AofLoadFailed();
      }
      if (r === TRUNCATED) return this.truncated(path, name, reader.validUpTo);
      const argv = r;
      const name0 = argv[0].toLowerCase();
      if (name0 === 'multi') {
        validBeforeMulti = reader.validUpTo;
        multi = [];
      } else if (name0 === 'exec' && multi) {
        for (const q of multi) this.apply(q, name);
        multi = null;
      } else if (multi) {
        this.check(argv, name);
        multi.push(argv);
      } else {
        this.apply(argv, name);
      }
      reader.commit();
      if (++n % SLICE === 0) {
        this.progress.loaded = this.before + reader.pos;
        await new Promise<void>((r2) => setImmediate(r2));
      }
    }
    if (multi) {
      s.log.warning(`Revert incomplete MULTI/EXEC transaction in AOF file ${name}`);
      return this.truncated(path, name, validBeforeMulti);
    }
    return 'ok';
  }

  /** The file ends inside a command (or an unfinished MULTI). */
  private truncated(path: string, name: string, validUpTo: number): FileOutcome {
    const s = this.s;
    if (s.config.get('aof-load-truncated')) {
      s.log.warning(`!!! Warning: short read while loading the AOF file ${name}!!!`);
      s.log.warning(`!!! Truncating the AOF ${name} at offset ${validUpTo} !!!`);
      try {
        truncateSync(path, validUpTo);
        s.log.warning(`AOF ${name} loaded anyway because aof-load-truncated is enabled`);
        return 'truncated';
      } catch (e) {
        s.log.warning(`Error truncating the AOF file ${name}: ${(e as Error).message}`);
      }
    }
    s.log.warning(
      `Unexpected end of file reading the append only file ${name}. You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.`,
    );
    throw new AofLoadFailed();
  }

  /** An unknown command or a wrong argument count is fatal, as in Redis. */
  private check(argv: string[], file: string): (c: Client, argv: string[]) => void {
    const def = lookupCommand(this.s, argv);
    if (typeof def === 'string' || !def.handler) {
      this.s.log.warning(`Unknown command '${argv[0]}' reading the append only file ${file}`);
      throw new AofLoadFailed();
    }
    if (!arityOk(def, argv.length)) {
      this.s.log.warning(`Bad arguments for command '${argv[0]}' in the append only file ${file}`);
      throw new AofLoadFailed();
    }
    return def.handler;
  }

  private apply(argv: string[], file: string): void {
    const handler = this.check(argv, file);
    const c = this.client;
    try {
      handler(c, argv);
    } catch (e) {
      this.s.log.warning(`Error applying '${argv[0]}' from ${file}: ${(e as Error).message}`);
    }
    c.reply.clear();
    c.propagateAs = null;
  }

  /** The RDB part of a base (or legacy preamble) file; returns where its commands start. */
  private async loadRdb(buf: Buffer, name: string, legacy: boolean): Promise<number> {
    const s = this.s;
    let loader: RdbLoader;
    try {
      loader = new RdbLoader(buf, s.keyspace, {
        dropExpired: false,
        now: Date.now(),
        limits: limitsFromConfig(s.config),
      });
      while (!loader.step(10000)) {
        this.progress.loaded = this.before + loader.position;
        await new Promise<void>((r) => setImmediate(r));
      }
    } catch (e) {
      if (!(e instanceof RdbFormatError)) {
        s.log.warning(
          legacy
            ? `Error reading the RDB preamble of the AOF file ${name}, AOF loading aborted`
            : `Error reading the RDB base file ${name}, AOF loading aborted`,
        );
        throw new AofLoadFailed();
      }
      // A corrupt image ends the process the way Redis's RDB error report does.
      if (e.message === 'Unexpected EOF reading RDB file') {
        s.log.warning('Short read or OOM loading DB. Unrecoverable error, aborting now.');
      }
      s.log.warning(`Internal error in RDB reading offset 0 -> ${e.message}`);
      throw new AofLoadFailed();
    }
    const res = loader.result;
    const ver = res.aux.get('redis-ver');
    if (ver) s.log.notice(`Loading RDB produced by version ${ver}`);
    const ctime = res.aux.get('ctime');
    if (ctime) s.log.notice(`RDB age ${Math.floor(Date.now() / 1000) - Number(ctime)} seconds`);
    const mem = res.aux.get('used-mem');
    if (mem) s.log.notice(`RDB memory usage when created ${(Number(mem) / 1048576).toFixed(2)} Mb`);
    if (res.aux.get('aof-base') === '1') s.log.notice('RDB is base AOF');
    s.log.notice(
      `Done loading RDB, keys loaded: ${res.keysLoaded}, keys expired: ${res.keysExpired}.`,
    );
    return loader.position;
  }
}
