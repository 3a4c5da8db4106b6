// How a window aggregate's count arrays are stored in its jsonb: whole counts as base64 varints, zero runs folded; older forms still read.

/** Counts as varint tokens in base64: a value v is 2v, a run of r ≥ 2 zeros is 2r + 1. */
interface Packed {
  $v: number;
  b: string;
}

/** The older form (before varints): long arrays of mostly zeros as their non-zero entries. */
interface Sparse {
  $sparse: number;
  i: number[];
  v: number[];
}

/** Below this, a token fits 32-bit arithmetic; counts up to 2^52 are packed, larger or fractional ones stay JSON numbers. */
const SMALL = 2 ** 31;
const LARGEST = 2 ** 52;

function packable(xs: readonly unknown[]): boolean {
  if (xs.length < 8) return false;
  for (const x of xs) if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x > LARGEST) return false;
  return true;
}

function encode(xs: readonly number[]): Packed {
  let out = new Uint8Array(xs.length * 2 + 16);
  let at = 0;
  const put = (token: number): void => {
    if (at + 8 > out.length) {
      const grown = new Uint8Array(out.length * 2);
      grown.set(out);
      out = grown;
    }
    if (token < SMALL) {
      while (token >= 0x80) {
        out[at++] = (token & 0x7f) | 0x80;
        token >>>= 7;
      }
    } else {
      while (token >= 0x80) {
        out[at++] = (token % 0x80) | 0x80;
        token = Math.floor(token / 0x80);
      }
    }
    out[at++] = token;
  };
  for (let i = 0; i < xs.length; ) {
    if (xs[i] !== 0) put(xs[i++] * 2);
    else {
      let r = 1;
      while (i + r < xs.length && xs[i + r] === 0) r++;
      put(r === 1 ? 0 : r * 2 + 1);
      i += r;
    }
  }
  return { $v: xs.length, b: Buffer.from(out.buffer, out.byteOffset, at).toString('base64') };
}

function decode(p: Packed): number[] {
  const bytes = Buffer.from(p.b, 'base64');
  const out = new Array<number>(p.$v).fill(0);
  const end = bytes.length;
  let i = 0;
  for (let at = 0; at < end; ) {
    let token = bytes[at++];
    if (token >= 0x80) {
      token &= 0x7f;
      for (let scale = 0x80; ; scale *= 0x80) {
        if (at >= end) throw new Error('a stored window aggregate has a truncated count array');
        const byte = bytes[at++];
        token += (byte & 0x7f) * scale;
        if (byte < 0x80) break;
      }
    }
    // Small tokens in integer arithmetic, so the array keeps small-integer elements (no double boxing).
    if (token < SMALL) {
      if ((token & 1) === 0) out[i++] = token >>> 1;
      else i += token >>> 1;
    } else if (token % 2 === 0) out[i++] = token / 2;
    else i += (token - 1) / 2;
  }
  if (i !== p.$v) throw new Error(`a stored window aggregate's count array holds ${i} entries, not ${p.$v}`);
  return out;
}

/** An aggregate as stored: arrays of whole counts packed, everything else as it is. */
export function packAggregate(value: unknown): unknown {
  if (Array.isArray(value)) return packable(value) ? encode(value as number[]) : value.map(packAggregate);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, x]) => [k, packAggregate(x)]));
  return value;
}

/** A stored aggregate as plain data again (packed, sparse or plain count arrays). */
export function unpackAggregate(value: unknown): unknown {
  if (Array.isArray(value)) return typeof value[0] === 'number' ? value : value.map(unpackAggregate); // plain counts: as they came
  if (value && typeof value === 'object') {
    const p = value as Partial<Packed>;
    if (typeof p.$v === 'number' && typeof p.b === 'string') return decode(p as Packed);
    const s = value as Partial<Sparse>;
    if (typeof s.$sparse === 'number' && Array.isArray(s.i) && Array.isArray(s.v)) {
      const dense = new Array<number>(s.$sparse).fill(0);
      for (let k = 0; k < s.i.length; k++) dense[s.i[k]] = s.v[k];
      return dense;
    }
    return Object.fromEntries(Object.entries(value).map(([k, x]) => [k, unpackAggregate(x)]));
  }
  return value;
}
