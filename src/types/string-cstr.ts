/**
 * Redis compares option names with C string functions (strcasecmp, `opt[2] == '\0'`), which
 * stop at the first NUL byte: "NX\0junk" is NX to Redis. Options go through this first.
 */
export function optionName(arg: string): string {
  const nul = arg.indexOf('\0');
  return (nul < 0 ? arg : arg.slice(0, nul)).toUpperCase();
}
