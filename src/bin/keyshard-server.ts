#!/usr/bin/env -S node --v8-pool-size=0 --initial-old-space-size=64
/**
 * keyshard-server [config-file] [--option value ...]: a Redis 7.0 compatible server process.
 * The shebang passes the Node flags the server runs with (src/server/node-flags.ts).
 */
import { main } from '../server/main.js';

main(process.argv.slice(2));
