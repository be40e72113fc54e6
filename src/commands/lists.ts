/** PLACEHOLDER: the lists command family, not written yet. */
import type { Handler } from './table.js';

export const listCommands: Record<string, Handler> = {};
