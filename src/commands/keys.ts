/** PLACEHOLDER: the keys command family, not written yet. */
import type { Handler } from './table.js';

export const keyCommands: Record<string, Handler> = {};
