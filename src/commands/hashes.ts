/** PLACEHOLDER: the hashes command family, not written yet. */
import type { Handler } from './table.js';

export const hashCommands: Record<string, Handler> = {};
