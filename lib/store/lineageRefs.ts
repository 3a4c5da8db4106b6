// What a lineage query names (`<model>@<version>`, a snapshot id) and its refusals: malformed (bad input) or not found.

/** The reference is not well formed (HTTP 400). */
export class LineageRefError extends Error {
  override name = 'LineageRefError';
}

/** The model, version or snapshot does not exist (HTTP 404). */
export class LineageNotFound extends Error {
  override name = 'LineageNotFound';
}

const MODEL_REF = /^([a-z0-9][a-z0-9-]{0,62})@([1-9][0-9]{0,8})$/;

export function parseModelRef(ref: string): { name: string; version: number } {
  const m = MODEL_REF.exec(ref);
  if (!m) {
    const shown = ref.length > 80 ? `${ref.slice(0, 80)}…` : ref;
    throw new LineageRefError(`"${shown}" is not a model reference: write <model>@<version>, e.g. cars-mpg@2 (a lowercase name, a positive version).`);
  }
  return { name: m[1], version: Number(m[2]) };
}

/** A snapshot id: its 64 hex digits, or a prefix of at least 8 (as the CLI prints them). */
export function parseSnapshotRef(ref: string): string {
  const id = ref.trim().toLowerCase();
  if (!/^[0-9a-f]{8,64}$/.test(id)) {
    const shown = ref.length > 80 ? `${ref.slice(0, 80)}…` : ref;
    throw new LineageRefError(`"${shown}" is not a snapshot id: give its sha256 (64 hex digits) or a prefix of at least 8.`);
  }
  return id;
}
