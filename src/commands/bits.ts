/** PLACEHOLDER: the bits command family, not written yet. */
import type { Handler } from './table.js';

export const bitCommands: Record<string, Handler> = {};
