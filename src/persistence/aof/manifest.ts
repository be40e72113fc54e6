/**
 * The multi-part AOF manifest (appendonly.aof.manifest): which BASE, INCR and HISTORY files make
 * up the AOF, how their names are derived, and the text format Redis 7.0 reads and writes.
 */

export type AofFileType = 'b' | 'h' | 'i';

export interface AofInfo {
  name: string;
  seq: number;
  type: AofFileType;
}

export class ManifestError extends Error {}

export class Manifest {
  base: AofInfo | null = null;
  incrs: AofInfo[] = [];
  history: AofInfo[] = [];
  baseSeq = 0;
  incrSeq = 0;

  clone(): Manifest {
    const m = new Manifest();
    m.base = this.base ? { ...this.base } : null;
    m.incrs = this.incrs.map((i) => ({ ...i }));
    m.history = this.history.map((i) => ({ ...i }));
    m.baseSeq = this.baseSeq;
    m.incrSeq = this.incrSeq;
    return m;
  }

  /** The file text: base, then history, then incrs in sequence order. */
  format(): string {
    const line = (i: AofInfo): string => `file ${quoteName(i.name)} seq ${i.seq} type ${i.type}\n`;
    let out = '';
    if (this.base) out += line(this.base);
    for (const h of this.history) out += line(h);
    for (const i of this.incrs) out += line(i);
    return out;
  }

  /** Parses the manifest text; every malformed line is fatal with Redis's reason. */
  static parse(text: string): Manifest {
    const m = new Manifest();
    let maxIncr = 0;
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    if (lines.length === 0) throw new ManifestError('Found an empty AOF manifest');
    for (const raw of lines) {
      if (raw.length + 1 > 1024) {
        throw new ManifestError('The AOF manifest file contains too long line');
      }
      if (raw.startsWith('#')) continue;
      const line = raw.replace(/^[ \t\r]+|[ \t\r]+$/g, '');
      if (line === '') throw new ManifestError('Invalid AOF manifest file format');
      const argv = splitArgs(line);
      if (!argv || argv.length < 6 || argv.length % 2 !== 0) {
        throw new ManifestError('Invalid AOF manifest file format');
      }
      let name: string | undefined;
      let seq: number | undefined;
      let type: string | undefined;
      for (let i = 0; i < argv.length; i += 2) {
        const k = argv[i];
        const v = argv[i + 1];
        if (k === 'file') {
          if (v.includes('/')) {
            throw new ManifestError("File can't be a path, just a filename");
          }
          name = v;
        } else if (k === 'seq') seq = Number.parseInt(v, 10);
        else if (k === 'type') type = v;
        // Unknown keys: ignored, for forward compatibility.
      }
      if (name === undefined || seq === undefined || Number.isNaN(seq) || type === undefined) {
        throw new ManifestError('Invalid AOF manifest file format');
      }
      const info = { name, seq, type } as AofInfo;
      if (type === 'b') {
        if (m.base) throw new ManifestError('Found duplicate base file information');
        m.base = info;
        m.baseSeq = seq;
      } else if (type === 'h') {
        m.history.push(info);
      } else if (type === 'i') {
        if (seq <= maxIncr) throw new ManifestError('Found a non-monotonic sequence number');
        m.incrs.push(info);
        m.incrSeq = seq;
        maxIncr = seq;
      } else {
        throw new ManifestError('Unknown AOF file type');
      }
    }
    return m;
  }
}

export function manifestName(appendfilename: string): string {
  return `${appendfilename}.manifest`;
}

export function tempManifestName(appendfilename: string): string {
  return `temp-${appendfilename}.manifest`;
}

export function baseName(appendfilename: string, seq: number, rdb: boolean): string {
  return `${appendfilename}.${seq}.base.${rdb ? 'rdb' : 'aof'}`;
}

export function incrName(appendfilename: string, seq: number): string {
  return `${appendfilename}.${seq}.incr.aof`;
}

export function tempIncrName(appendfilename: string): string {
  return `temp-${appendfilename}.incr`;
}

/** A name with spaces or unprintable bytes is written as a quoted, escaped string (sdscatrepr). */
function quoteName(name: string): string {
  if (!/[^\x21-\x7e]/.test(name)) return name;
  let out = '"';
  for (const ch of name) {
    const c = ch.charCodeAt(0);
    if (ch === '\\' || ch === '"') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\x07') out += '\\a';
    else if (ch === '\b') out += '\\b';
    else if (c >= 0x20 && c < 0x7f) out += ch;
    else out += `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return `${out}"`;
}

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', a: '\x07' };

/** Splits a line with the inline protocol's quoting rules; null on unbalanced quotes. */
export function splitArgs(line: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  const isHex = (ch: string | undefined): boolean => ch !== undefined && /[0-9a-fA-F]/.test(ch);
  while (true) {
    while (i < n && /\s/.test(line[i])) i++;
    if (i >= n) return out;
    let cur = '';
    let inq = false;
    let insq = false;
    for (;;) {
      const ch = line[i];
      if (inq) {
        if (ch === undefined) return null;
        if (ch === '\\' && line[i + 1] === 'x' && isHex(line[i + 2]) && isHex(line[i + 3])) {
          cur += String.fromCharCode(Number.parseInt(line.slice(i + 2, i + 4), 16));
          i += 3;
        } else if (ch === '\\' && i + 1 < n) {
          i++;
          cur += ESCAPES[line[i]] ?? line[i];
        } else if (ch === '"') {
          // A closing quote must be followed by a space or the end.
          if (i + 1 < n && !/\s/.test(line[i + 1])) return null;
          i++;
          break;
        } else cur += ch;
      } else if (insq) {
        if (ch === undefined) return null;
        if (ch === '\\' && line[i + 1] === "'") {
          i++;
          cur += "'";
        } else if (ch === "'") {
          if (i + 1 < n && !/\s/.test(line[i + 1])) return null;
          i++;
          break;
        } else cur += ch;
      } else {
        if (ch === undefined || /\s/.test(ch)) break;
        if (ch === '"') inq = true;
        else if (ch === "'") insq = true;
        else cur += ch;
      }
      i++;
    }
    out.push(cur);
  }
}
