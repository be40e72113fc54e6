#!/usr/bin/env -S node --v8-pool-size=0
/**
 * keyshard-server [config-file] [--option value ...]: a Redis 7.0 compatible server process.
 * The shebang sizes V8's thread pool to the machine (src/server/thread-pool.ts).
 */
import { main } from '../server/main.js';

main(process.argv.slice(2));
