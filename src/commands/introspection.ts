/** PLACEHOLDER: the introspection command family, not written yet. */
import type { Handler } from './table.js';

export const introspectionCommands: Record<string, Handler> = {};
