/** Writes a whole file (created or truncated) and fsyncs it before returning. */
import { closeSync, fsyncSync, openSync, writeFileSync } from 'node:fs';

export function writeSynced(path: string, data: Buffer | string): void {
  const fd = openSync(path, 'w');
  try {
    writeFileSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
