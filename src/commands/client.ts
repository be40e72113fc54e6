/** PLACEHOLDER: the client command family, not written yet. */
import type { Handler } from './table.js';

export const clientCommands: Record<string, Handler> = {};
