/** PLACEHOLDER: the cluster command family, not written yet. */
import type { Handler } from './table.js';

export const clusterCommands: Record<string, Handler> = {};
