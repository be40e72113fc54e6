/**
 * Writes of a file being saved in the background, fsynced (fdatasync) every AUTOSYNC_BYTES when
 * `rdb-save-incremental-fsync` / `aof-rewrite-incremental-fsync` ask for it, as Redis's rio
 * autosync does: the dirty pages go to disk a little at a time instead of all at the final fsync.
 */
import type { FileHandle } from 'node:fs/promises';

/** REDIS_AUTOSYNC_BYTES. */
const AUTOSYNC_BYTES = 4 * 1024 * 1024;

export class AutosyncWriter {
  private unsynced = 0;

  constructor(
    private readonly fh: FileHandle,
    private readonly incremental: boolean,
  ) {}

  async write(data: Buffer): Promise<void> {
    await this.fh.write(data);
    if (!this.incremental) return;
    this.unsynced += data.length;
    if (this.unsynced < AUTOSYNC_BYTES) return;
    await this.fh.datasync();
    this.unsynced = 0;
  }
}
