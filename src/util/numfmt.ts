/** Number formatting exactly as Redis prints numbers on the wire. */

/** C's `%.17g`, which Redis 7.0 uses for doubles in replies (addReplyDouble). */
export function formatG17(d: number): string {
  // Integers below 2^53 print as their digits under %.17g: the common score, ten times
  // cheaper than the general path (ZRANGE WITHSCORES of a big set spends its time here).
  if (Number.isSafeInteger(d) && d !== 0) return String(d);
  if (Number.isNaN(d)) return 'nan';
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  const exp = Math.floor(Math.log10(Math.abs(d)));
  // toExponential gives the exact decimal digits; %g then picks fixed or exponent form.
  const [mant, e] = d.toExponential(16).split('e');
  let x = parseInt(e, 10);
  if (Number.isNaN(x)) x = exp;
  if (x < -4 || x >= 17) {
    const m = stripZeros(mant);
    const sign = x < 0 ? '-' : '+';
    const ax = Math.abs(x);
    return `${m}e${sign}${ax < 10 ? '0' : ''}${ax}`;
  }
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  let s: string;
  if (x >= 0) {
    const intPart = digits.slice(0, x + 1);
    const frac = digits.slice(x + 1);
    s = frac.length ? `${intPart}.${frac}` : intPart;
  } else {
    s = `0.${'0'.repeat(-x - 1)}${digits}`;
  }
  return (neg ? '-' : '') + stripZeros(s);
}

function stripZeros(s: string): string {
  if (!s.includes('.')) return s;
  s = s.replace(/0+$/, '');
  return s.endsWith('.') ? s.slice(0, -1) : s;
}
