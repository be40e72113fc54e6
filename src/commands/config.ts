/** PLACEHOLDER: the config command family, not written yet. */
import type { Handler } from './table.js';

export const configCommands: Record<string, Handler> = {};
