/**
 * The value types of the option registry. A type knows how to read a value from the arguments
 * of a config line (or of CONFIG SET), how CONFIG GET shows it, how CONFIG REWRITE writes it and
 * what Config.get hands to the rest of the server. Error texts are Redis's own.
 */
import {
  parseInteger,
  parseMemory,
  parseOctal,
  formatMemory,
  quote,
  I64_MAX,
  U64,
} from './text.js';

/** A rejected value; `reason` is the text after "CONFIG SET failed (...) - ". */
export class Invalid {
  constructor(readonly reason: string) {}
}

export interface ParseContext {
  /** True while reading the config file and command line, false for CONFIG SET. */
  loading: boolean;
  /** Per-load memory (the first `save` line replaces the defaults, later ones append). */
  seen: Set<string>;
}

/** Where CONFIG REWRITE puts the lines an option produces. */
export interface RewriteSink {
  /** `force`: written even when the old file had no line for this option. */
  line(text: string, force: boolean): void;
  /** Values of other options some rewrites depend on (replicaof and cluster-enabled). */
  other(name: string): unknown;
}

export interface OptionType<T = unknown> {
  /** Takes several arguments on a config line; CONFIG SET splits its value on spaces. */
  readonly multiArg: boolean;
  parse(args: string[], prev: T, ctx: ParseContext): T | Invalid;
  show(v: T): string;
  rewrite(name: string, v: T, def: T, sink: RewriteSink): void;
  /** The value as Config.get returns it. */
  expose(v: T): unknown;
  equal(a: T, b: T): boolean;
}

const same = <T>(a: T, b: T): boolean => a === b;

// --- bool -------------------------------------------------------------------------------------

export function boolType(validate?: (v: boolean) => string | null): OptionType<boolean> {
  return {
    multiArg: false,
    parse(args) {
      const s = args[0].toLowerCase();
      if (s !== 'yes' && s !== 'no') return new Invalid("argument must be 'yes' or 'no'");
      const v = s === 'yes';
      const err = validate?.(v);
      return err ? new Invalid(err) : v;
    },
    show: (v) => (v ? 'yes' : 'no'),
    rewrite(name, v, def, sink) {
      sink.line(`${name} ${v ? 'yes' : 'no'}`, v !== def);
    },
    expose: (v) => v,
    equal: same,
  };
}

// --- numbers ----------------------------------------------------------------------------------

export type NumericKind = 'int' | 'memory' | 'percent' | 'octal';

export interface NumericSpec {
  min: bigint;
  max: bigint;
  kind: NumericKind;
  /** Accepted then capped (hz: 1..500). */
  clamp?: [bigint, bigint];
}

/**
 * An integer-valued option. Values are kept exact as bigint; a memory value read as 2^64-1 is
 * reinterpreted as the C type's value (-1 for signed types) before the range check, as Redis does.
 */
export function numericType(spec: NumericSpec): OptionType<bigint> {
  const { min, max, kind } = spec;
  const signed = max <= I64_MAX;
  const parseText = (s: string): bigint | Invalid => {
    if (kind === 'memory' || kind === 'percent') {
      const m = parseMemory(s);
      if (m !== null) return m;
      if (kind === 'percent' && s.length > 1 && s.endsWith('%')) {
        const p = parseInteger(s.slice(0, -1));
        if (p !== null && p >= 0n) return -p;
      }
      return new Invalid(
        kind === 'percent'
          ? 'argument must be a memory or percent value'
          : 'argument must be a memory value',
      );
    }
    if (kind === 'octal') {
      const o = parseOctal(s);
      return o ?? new Invalid("argument couldn't be parsed as an octal number");
    }
    const i = parseInteger(s);
    return i ?? new Invalid("argument couldn't be parsed into an integer");
  };
  return {
    multiArg: false,
    parse(args) {
      let v = parseText(args[0]);
      if (v instanceof Invalid) return v;
      if (signed && v > I64_MAX) v -= U64;
      if (!signed && v < 0n) v += U64;
      if (kind === 'percent' && v < 0n) {
        if (v < min) return new Invalid(`percentage argument must be less or equal to ${-min}`);
      } else if (v < min || v > max) {
        const f = (n: bigint): string => (kind === 'octal' ? n.toString(8) : String(n));
        return new Invalid(`argument must be between ${f(min)} and ${f(max)} inclusive`);
      }
      if (spec.clamp) {
        if (v < spec.clamp[0]) v = spec.clamp[0];
        if (v > spec.clamp[1]) v = spec.clamp[1];
      }
      return v;
    },
    show(v) {
      if (kind === 'percent' && v < 0n) return `${-v}%`;
      return kind === 'octal' ? v.toString(8) : String(v);
    },
    rewrite(name, v, def, sink) {
      if (kind === 'percent' && v < 0n) sink.line(`${name} ${-v}%`, v !== def);
      else if (kind === 'memory' || kind === 'percent') {
        sink.line(`${name} ${formatMemory(v)}`, v !== def);
      } else if (kind === 'octal') sink.line(`${name} ${v.toString(8)}`, v !== def);
      else sink.line(`${name} ${v}`, v !== def);
    },
    expose: (v) => Number(v),
    equal: same,
  };
}

// --- enums ------------------------------------------------------------------------------------

/**
 * Names and their values; a `flags` enum takes several names at once and ORs them
 * (shutdown-on-sigint save now), showing the set names in table order.
 */
export function enumType(
  entries: [string, number][],
  opts: { flags?: boolean; validate?: (v: number) => string | null } = {},
): OptionType<number> {
  const list = entries.map(([n]) => n).join(', ');
  const show = (v: number): string => {
    if (!opts.flags) return entries.find(([, x]) => x === v)?.[0] ?? 'unknown';
    if (v === 0) return entries.find(([, x]) => x === 0)?.[0] ?? '';
    const names: string[] = [];
    for (const [n, x] of entries) if (x !== 0 && (v & x) === x) names.push(n);
    return names.join(' ');
  };
  return {
    multiArg: !!opts.flags,
    parse(args) {
      if (args.length === 0)
        return new Invalid(`argument(s) must be one of the following: ${list}`);
      let v = 0;
      for (const a of args) {
        const hit = entries.find(([n]) => n.toLowerCase() === a.toLowerCase());
        if (!hit) return new Invalid(`argument(s) must be one of the following: ${list}`);
        v |= hit[1];
      }
      const err = opts.validate?.(v);
      return err ? new Invalid(err) : v;
    },
    show,
    rewrite(name, v, def, sink) {
      sink.line(`${name} ${show(v)}`, v !== def);
    },
    expose: show,
    equal: same,
  };
}

// --- strings ----------------------------------------------------------------------------------

/**
 * A string option. With `emptyIsNull` an empty value means "unset": CONFIG REWRITE then drops
 * its line instead of writing `name ""`.
 */
export function stringType(
  opts: { emptyIsNull?: boolean; validate?: (s: string) => string | null } = {},
): OptionType<string | null> {
  return {
    multiArg: false,
    parse(args) {
      const err = opts.validate?.(args[0]);
      if (err) return new Invalid(err);
      return opts.emptyIsNull && args[0] === '' ? null : args[0];
    },
    show: (v) => v ?? '',
    rewrite(name, v, def, sink) {
      if (v === null) return;
      sink.line(`${name} ${quote(v)}`, !(def !== null && v === def));
    },
    expose: (v) => v ?? '',
    equal: same,
  };
}
