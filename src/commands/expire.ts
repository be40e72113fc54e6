/** PLACEHOLDER: the expire command family, not written yet. */
import type { Handler } from './table.js';

export const expireCommands: Record<string, Handler> = {};
