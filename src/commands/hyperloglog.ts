/** PLACEHOLDER: the hyperloglog command family, not written yet. */
import type { Handler } from './table.js';

export const hyperloglogCommands: Record<string, Handler> = {};
