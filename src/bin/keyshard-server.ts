#!/usr/bin/env node
/** keyshard-server [config-file] [--option value ...]: a Redis 7.0 compatible server process. */
import { main } from '../server/main.js';

main(process.argv.slice(2));
