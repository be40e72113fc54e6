/**
 * CONFIG GET and CONFIG SET over the registry, with redis-server 7.0.15's semantics: GET takes
 * several patterns (glob, case-insensitive, aliases included, hidden options only by exact
 * name); SET takes several pairs and is all-or-nothing, restoring every value when one fails.
 */
import type { Config } from './config.js';
import { BY_NAME, lookupOption, type OptionDef } from './registry.js';
import { Invalid, type ParseContext } from './types.js';
import { globMatch } from '../util/glob.js';

/** Name -> shown value for every option matching one of the patterns, names as Redis echoes them. */
export function configGet(cfg: Config, patterns: string[]): [string, string][] {
  // Keyed case-insensitively: `CONFIG GET PORT port` answers once, under the first spelling.
  const matches = new Map<string, [string, OptionDef]>();
  for (const pattern of patterns) {
    if (!/[[*?]/.test(pattern)) {
      const key = pattern.toLowerCase();
      const def = lookupOption(pattern);
      if (def && !matches.has(key)) matches.set(key, [pattern, def]);
      continue;
    }
    for (const [name, def] of BY_NAME) {
      if (def.hidden || matches.has(name)) continue;
      if (globMatch(pattern, name, true)) matches.set(name, [name, def]);
    }
  }
  return [...matches.values()].map(([name, def]) => [name, def.type.show(cfg.rawValue(def))]);
}

export interface SetOptions {
  /** The server is loading a dataset: options marked deny-loading are refused. */
  loading: boolean;
  /** enable-protected-configs allows this client to set dir and dbfilename. */
  allowProtected: boolean;
  /** Server-side effects of a change, run before the options' onChange hooks. */
  apply?: (name: string, value: unknown) => void;
}

function failed(name: string, reason: string): string {
  return `ERR CONFIG SET failed (possibly related to argument '${name}') - ${reason}`;
}

/** The arguments CONFIG SET hands a type: multi-argument options split on single spaces. */
function splitValue(def: OptionDef, value: string): string[] {
  if (!def.type.multiArg) return [value];
  return value === '' ? [] : value.split(' ');
}

/**
 * Sets every pair or none. Returns null on success, else the full error reply text
 * (`ERR ...` or `LOADING ...`).
 */
export function configSet(cfg: Config, pairs: [string, string][], opts: SetOptions): string | null {
  const defs: OptionDef[] = [];
  const keys: string[] = [];
  let error: string | null = null;
  for (const [name] of pairs) {
    const def = lookupOption(name);
    if (!def) {
      error ??= `ERR Unknown option or number of arguments for CONFIG SET - '${name}'`;
      continue;
    }
    if (error !== null) continue;
    const key = name.toLowerCase();
    if (def.immutable || (def.protected && !opts.allowProtected)) {
      error = failed(
        name,
        def.immutable ? "can't set immutable config" : "can't set protected config",
      );
    } else if (opts.loading && def.denyLoading) {
      error = 'LOADING Redis is loading the dataset in memory';
    } else if (keys.includes(key)) {
      // An alias and its primary name are different entries, as in Redis: not a duplicate.
      error = failed(name, 'duplicate parameter');
    }
    defs.push(def);
    keys.push(key);
  }
  if (error !== null) return error;

  const old = defs.map((def) => cfg.rawValue(def));
  const ctx: ParseContext = { loading: false, seen: new Set() };
  const changed: OptionDef[] = [];
  const restore = (): void => {
    // Back to the old values through the types' own parsers (dir changes directory back).
    for (let i = defs.length - 1; i >= 0; i--) {
      const def = defs[i];
      const v = def.type.parse(splitValue(def, def.type.show(old[i])), old[i], ctx);
      cfg.store(def, v instanceof Invalid ? old[i] : v);
    }
  };

  for (let i = 0; i < pairs.length; i++) {
    const def = defs[i];
    const prev = cfg.rawValue(def);
    const v = def.type.parse(splitValue(def, pairs[i][1]), prev, ctx);
    if (v instanceof Invalid) {
      restore();
      return failed(keys[i], v.reason);
    }
    cfg.store(def, v);
    if (!def.type.equal(prev, v) && !changed.includes(def)) changed.push(def);
  }

  const undo = (name: string, reason: string): string => {
    restore();
    for (const d of changed) {
      try {
        d.apply?.(cfg);
        runHooks(cfg, d, opts);
      } catch {
        // Restoring: the old value was applied before, nothing better to do.
      }
    }
    return failed(name, reason);
  };
  // Redis's apply step, each apply function once, in the order of the arguments.
  const applied = new Set<OptionDef['apply']>();
  for (const def of changed) {
    if (!def.apply || applied.has(def.apply)) continue;
    applied.add(def.apply);
    const reason = def.apply(cfg);
    if (reason !== null) return undo(def.name, reason);
  }
  for (const def of changed) {
    try {
      runHooks(cfg, def, opts);
    } catch (e) {
      return undo(def.name, (e as Error).message);
    }
  }
  return null;
}

function runHooks(cfg: Config, def: OptionDef, opts: SetOptions): void {
  const value = cfg.get(def.name as keyof Config['values']);
  opts.apply?.(def.name, value);
  for (const fn of cfg.hooks(def.name)) fn(value);
}
