/** PLACEHOLDER: the sets command family, not written yet. */
import type { Handler } from './table.js';

export const setCommands: Record<string, Handler> = {};
