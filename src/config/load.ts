/**
 * Startup configuration as redis-server 7.0.15 reads it: `[config-file] [--name value ...] [-]`.
 * The command-line options become extra config lines appended after the file (and stdin), so a
 * later line overrides an earlier one and errors point at the line they came from, with Redis's
 * FATAL CONFIG FILE ERROR report.
 */
import { openSync, closeSync, readFileSync, readdirSync } from 'node:fs';
import { resolve, dirname, basename, join } from 'node:path';
import { splitArgs } from '../resp/parser.js';
import { Logger } from '../util/logger.js';
import { Config, ConfigError } from './config.js';
import { OPTIONS, lookupOption } from './registry.js';
import { Invalid, type ParseContext } from './types.js';
import { quote } from './text.js';
import { strerror } from './special.js';
import { globMatch } from '../util/glob.js';

const VERSION = '7.0.15';

/** Old directives Redis still accepts and ignores (with their one argument). */
const DEPRECATED = new Set([
  'list-max-ziplist-entries',
  'list-max-ziplist-value',
  'lua-replicate-commands',
]);

const USAGE = `Usage: ./redis-server [/path/to/redis.conf] [options] [-]
       ./redis-server - (read config from stdin)
       ./redis-server -v or --version
       ./redis-server -h or --help
       ./redis-server --test-memory <megabytes>
       ./redis-server --check-system

Examples:
       ./redis-server (run the server with default conf)
       echo 'maxmemory 128mb' | ./redis-server -
       ./redis-server /etc/redis/6379.conf
       ./redis-server --port 7777
       ./redis-server --port 7777 --replicaof 127.0.0.1 8888
       ./redis-server /etc/myredis.conf --loglevel verbose -
       ./redis-server /etc/myredis.conf --loglevel verbose

Sentinel mode:
       ./redis-server /etc/sentinel.conf --sentinel
`;

function fatal(reason: string, lineno?: number, line?: string): ConfigError {
  let msg = `\n*** FATAL CONFIG FILE ERROR (Redis ${VERSION}) ***\n`;
  if (lineno !== undefined) {
    msg += `Reading the configuration file, at line ${lineno}\n>>> '${line}'\n`;
  }
  return new ConfigError(msg + reason + '\n');
}

interface Invocation {
  configFile: string | null;
  stdin: boolean;
  /** The command-line options as config lines. */
  options: string;
}

/**
 * Turns the arguments into config text the way redis-server's main() does: each `--name`
 * starts a line, its values follow C-quoted; a bare `--save` means `save ""`.
 */
function readInvocation(argv: string[]): Invocation {
  let configFile: string | null = null;
  let j = 0;
  if (argv.length > 0 && !argv[0].startsWith('-')) {
    configFile = resolve(argv[0]);
    j = 1;
  }
  let stdin = false;
  let options = '';
  let valueSeen = true;
  for (; j < argv.length; j++) {
    const a = argv[j];
    const last = j === argv.length - 1;
    if (a === '-' && (j === 0 || last)) {
      stdin = true;
    } else if (valueSeen && a.startsWith('--')) {
      if (options.length) options += '\n';
      options += a.slice(2) + ' ';
      const parts = splitArgs(a);
      if (parts !== null && parts.length === 1) {
        valueSeen = false;
        const save = a.toLowerCase() === '--save';
        const nextIsOption = !last && argv[j + 1].startsWith('--');
        if (save && (nextIsOption || last)) {
          options += '""';
          valueSeen = nextIsOption;
        } else if (a.toLowerCase() === '--sentinel' && nextIsOption) {
          valueSeen = true;
        }
      } else {
        // "--port 6380" in one argument carries its own value.
        valueSeen = true;
      }
    } else {
      options += quote(a) + ' ';
      valueSeen = true;
    }
  }
  return { configFile, stdin, options };
}

function hasWildcard(path: string): boolean {
  return /[*?[]/.test(path);
}

/** The files a wildcard include names (wildcards in the last path component), sorted. */
function expandGlob(pattern: string): string[] {
  const dir = dirname(pattern);
  const base = basename(pattern);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => !n.startsWith('.') && globMatch(base, n))
    .sort()
    .map((n) => (dir === '.' && !pattern.startsWith('./') ? n : join(dir, n)));
}

function readConfigFile(path: string, shown: string): string {
  try {
    return readFileSync(path, 'latin1');
  } catch (e) {
    throw new ConfigError(`Fatal error, can't open config file '${shown}': ${strerror(e)}`, 'log');
  }
}

class Loader {
  private readonly ctx: ParseContext = { loading: true, seen: new Set() };
  private moduleConfigs = 0;

  /**
   * Command names as dispatch sees them (lowercase) while rename-command lines apply, so a line
   * naming a removed command or an existing target fails as in Redis. Null: not validated.
   */
  private readonly commandNames: Set<string> | null;

  constructor(
    private readonly cfg: Config,
    commandNames: Iterable<string> | null,
  ) {
    this.commandNames = commandNames && new Set(commandNames);
  }

  /** A file (or, with wildcards, every file matching it) as `include` and the main file read. */
  loadFile(path: string, shown = path): void {
    if (!hasWildcard(path)) {
      this.loadText(readConfigFile(path, shown));
      return;
    }
    for (const f of expandGlob(path)) this.loadText(readConfigFile(f, f));
  }

  loadText(text: string): void {
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i].replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
      if (line === '' || line[0] === '#') continue;
      const argv = splitArgs(line);
      if (argv === null) throw fatal('Unbalanced quotes in configuration line', i + 1, line);
      if (argv.length === 0) continue;
      const err = this.directive(argv);
      if (err !== null) throw fatal(err, i + 1, line);
    }
    this.sanityChecks();
  }

  /** Applies one config line; returns an error text or null. */
  private directive(argv: string[]): string | null {
    const name = argv[0].toLowerCase();
    const def = lookupOption(name);
    if (def) {
      if (!def.type.multiArg && argv.length !== 2) return 'wrong number of arguments';
      let args = argv.slice(1);
      // One non-empty value of a multi-argument option is split again: --save "60 5".
      if (def.type.multiArg && args.length === 1 && args[0] !== '') args = splitArgs(args[0]) ?? [];
      const v = def.type.parse(args, this.cfg.rawValue(def), this.ctx);
      if (v instanceof Invalid) return v.reason;
      this.cfg.store(def, v);
      return null;
    }
    if (DEPRECATED.has(name) && argv.length === 2) return null;
    if (name === 'include' && argv.length === 2) {
      this.loadFile(argv[1]);
      return null;
    }
    if (name === 'rename-command' && argv.length === 3) {
      const names = this.commandNames;
      const from = argv[1].toLowerCase();
      const to = argv[2].toLowerCase();
      if (names) {
        if (!names.has(from)) return 'No such command in rename-command';
        names.delete(from);
        if (to !== '') {
          if (names.has(to)) return 'Target command name already exists';
          names.add(to);
        }
      }
      this.cfg.renamedCommands.push([from, to]);
      return null;
    }
    if (name === 'user' && argv.length >= 2) {
      this.cfg.users.push(argv.slice(1));
      return null;
    }
    if (name === 'loadmodule' && argv.length >= 2) {
      throw new ConfigError(`Can't load module from ${argv[1]}: server aborting`, 'log');
    }
    if (name.includes('.')) {
      if (argv.length !== 2) return 'Module config specified without value';
      this.moduleConfigs++;
      return null;
    }
    if (name === 'sentinel') {
      return argv.length === 1 ? null : 'sentinel directive while not in sentinel mode';
    }
    return 'Bad directive or wrong number of arguments';
  }

  /** The checks Redis runs at the end of every config text it loads. */
  private sanityChecks(): void {
    const logfile = this.cfg.get('logfile');
    if (logfile !== '') {
      try {
        closeSync(openSync(logfile, 'a'));
      } catch (e) {
        throw fatal(`Can't open the log file: ${strerror(e)}`);
      }
    }
    if (this.cfg.get('cluster-enabled') && this.cfg.get('replicaof') !== null) {
      throw fatal('replicaof directive not allowed in cluster mode');
    }
  }

  /** After everything is loaded: module options without a module are fatal, as in Redis. */
  finish(): void {
    // Redis loads ACL users after the config, so a default-user password overrides requirepass.
    for (const [user, ...rules] of this.cfg.users) {
      if (user !== 'default') continue;
      for (const r of rules) {
        if (r.startsWith('>')) this.directive(['requirepass', r.slice(1)]);
        else if (r.toLowerCase() === 'nopass') this.directive(['requirepass', '']);
      }
    }
    for (const def of OPTIONS) if (def.applyAtStartup) def.apply?.(this.cfg);
    if (this.moduleConfigs > 0) {
      throw new ConfigError(
        'Module Configuration detected without loadmodule directive or no ApplyConfig call: aborting',
        'log',
      );
    }
  }
}

/**
 * Reads the configuration from `argv` (the process arguments after the script). Throws
 * ConfigError for anything redis-server would refuse to start with (or for --version / --help).
 */
/**
 * Reads the configuration. `commandNames` (every command's name) lets rename-command lines be
 * checked as Redis checks them.
 */
export function loadConfig(argv: string[], commandNames: Iterable<string> | null = null): Config {
  if (argv[0] === '-v' || argv[0] === '--version') {
    throw new ConfigError(
      `Redis server v=${VERSION} sha=00000000:0 malloc=libc bits=64 build=0\n`,
      'stdout',
      0,
    );
  }
  if (argv[0] === '-h' || argv[0] === '--help') throw new ConfigError(USAGE, 'stderr', 1);
  const inv = readInvocation(argv);
  const cfg = new Config();
  cfg.configFile = inv.configFile;
  let text = inv.configFile ? readConfigFile(inv.configFile, inv.configFile) : '';
  if (inv.stdin) {
    const log = new Logger();
    log.role = 'C';
    log.warning('Reading config from stdin');
    text += readFileSync(0, 'latin1');
  }
  text += '\n' + inv.options;
  const loader = new Loader(cfg, commandNames);
  loader.loadText(text);
  loader.finish();
  return cfg;
}
