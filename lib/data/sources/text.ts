// Byte-level checks for text sources: binary junk and known binary formats, strict UTF-8 with the failing offset.
import { isUtf8 } from 'node:buffer';
import { DataError } from '../errors.js';

const SNIFF_BYTES = 64 * 1024;

/** Throws a DataError when the first bytes of a file show it is not UTF-8 text (NUL bytes, control bytes, magic numbers). */
export function assertTextStart(head: Uint8Array, sourceName: string): void {
  const starts = (...magic: number[]) => magic.every((b, i) => head[i] === b);
  const known: [boolean, string][] = [
    [starts(0x50, 0x41, 0x52, 0x31), 'a Parquet file (read it with format "parquet" or a .parquet name)'],
    [starts(0x41, 0x52, 0x52, 0x4f, 0x57, 0x31), 'an Arrow IPC file (read it with format "arrow" or an .arrow name)'],
    [starts(0x1f, 0x8b), 'gzip-compressed (decompress it first)'],
    [starts(0x50, 0x4b, 0x03, 0x04), 'a zip archive (extract it first)'],
    [starts(0xff, 0xfe) || starts(0xfe, 0xff), 'UTF-16 text (save it as UTF-8)'],
  ];
  for (const [hit, what] of known) {
    if (hit) throw new DataError(`${sourceName}: not a text file: it looks like ${what}`, { source: sourceName, problem: 'binary' });
  }
  const n = Math.min(head.length, SNIFF_BYTES);
  let control = 0;
  for (let i = 0; i < n; i++) {
    const b = head[i];
    if (b === 0) {
      throw new DataError(`${sourceName}: not a text file (NUL byte at byte offset ${i}); binary data cannot be read as text`, {
        source: sourceName,
        problem: 'binary',
        offset: i,
      });
    }
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c) control++;
  }
  if (n > 0 && control / n > 0.05) {
    throw new DataError(`${sourceName}: not a text file (${control} of its first ${n} bytes are control characters)`, {
      source: sourceName,
      problem: 'binary',
    });
  }
}

/** Offset of the first byte that breaks UTF-8 in `bytes` (a whole number of characters expected), or -1. */
export function invalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  const n = bytes.length;
  while (i < n) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) [need, min] = [1, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [need, min] = [2, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [need, min] = [3, 0x10000];
    else return i;
    if (i + need >= n) return i; // truncated sequence
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if ((c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

/** Number of bytes at the end of `bytes` that start a multi-byte character not finished within it (0–3). */
function incompleteTail(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let back = 1; back <= Math.min(3, n); back++) {
    const b = bytes[n - back];
    if ((b & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead byte
    const len = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return len > back ? back : 0;
  }
  return 0;
}

/**
 * Checks a byte stream chunk by chunk for valid UTF-8 (a character may straddle two chunks) and NUL bytes,
 * counting lines, so that a bad byte is reported with its file offset and line.
 */
export class Utf8Checker {
  private offset = 0;
  private lines = 1;
  private carry: Uint8Array = new Uint8Array(0);

  constructor(private readonly sourceName: string) {}

  check(chunk: Uint8Array): void {
    const bytes = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    const tail = incompleteTail(bytes);
    const whole = bytes.subarray(0, bytes.length - tail);
    if (!isUtf8(whole)) this.fail(whole, invalidUtf8Offset(whole));
    const nul = Buffer.from(whole.buffer, whole.byteOffset, whole.length).indexOf(0);
    if (nul >= 0) {
      throw new DataError(`${this.sourceName}: not a text file (NUL byte at byte offset ${this.offset + nul}); binary data cannot be read as text`, {
        source: this.sourceName,
        problem: 'binary',
        offset: this.offset + nul,
      });
    }
    this.countLines(whole);
    this.offset += whole.length;
    this.carry = Uint8Array.from(bytes.subarray(bytes.length - tail));
  }

  /** Call at the end of the input: a character cut off by the end of the file is an error too. */
  finish(): void {
    if (this.carry.length > 0) this.fail(this.carry, 0);
  }

  private countLines(bytes: Uint8Array): void {
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
    for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1)) this.lines++;
  }

  private fail(bytes: Uint8Array, at: number): never {
    const bad = Math.max(0, at);
    this.countLines(bytes.subarray(0, bad));
    const offset = this.offset + bad;
    const shown = Array.from(bytes.subarray(bad, bad + 4), (b) => `0x${b.toString(16).padStart(2, '0')}`).join(' ');
    throw new DataError(
      `${this.sourceName}: not valid UTF-8 at byte offset ${offset} (line ${this.lines}): bytes ${shown}; ` +
        `save the file as UTF-8 (it may be Latin-1 or Windows-1252)`,
      { source: this.sourceName, problem: 'encoding', offset, line: this.lines },
    );
  }
}
