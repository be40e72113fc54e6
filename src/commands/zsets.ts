/** PLACEHOLDER: the zsets command family, not written yet. */
import type { Handler } from './table.js';

export const zsetCommands: Record<string, Handler> = {};
