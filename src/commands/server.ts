/** PLACEHOLDER: the server command family, not written yet. */
import type { Handler } from './table.js';

export const serverCommands: Record<string, Handler> = {};
