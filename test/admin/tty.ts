import { spawnSync } from 'node:child_process';
import { KEYSHARD_CLI } from '../helpers/procs.js';

/**
 * Runs keyshard-cli on a pseudo-terminal (util-linux `script`) so it starts its interactive
 * prompt; returns everything printed, or null when `script` is not available.
 */
export function runOnTty(args: string[], input: string): string | null {
  if (spawnSync('script', ['--version']).status !== 0) return null;
  const cmd = [process.execPath, KEYSHARD_CLI, ...args].map((a) => `'${a}'`).join(' ');
  const r = spawnSync('script', ['-qc', cmd, '/dev/null'], {
    input,
    encoding: 'latin1',
    timeout: 10000,
  });
  return r.stdout;
}
