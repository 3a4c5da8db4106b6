// SQL that finds rows of the `predictions` view by index: each view row carries its request row's keys (migration 016).
// The view answers any predicate, but one on `id` or `request_id` alone unnests every request row; add these beside it.

/** Rows whose instance ids may lie in (from, to]: a request row's ids are first_id .. first_id + n - 1, n ≤ 16,384. */
export const ID_RANGE = (p: string, from: string, to: string): string => `${p}.first_id > ${from}::bigint - 16384 AND ${p}.first_id <= ${to}::bigint`;

/** Rows that may hold one of these request ids (a text[] parameter): by the generated ids' base, or the client's ids. */
export const REQUEST_IDS = (p: string, ids: string): string =>
  `(${p}.request_base = ANY(mlcycle_request_bases(${ids}::text[])) OR ${p}.request_ids && ${ids}::text[])`;

/** Rows that may hold this one request id (a text expression, e.g. a joined column). */
export const REQUEST_ID = (p: string, id: string): string =>
  `(${p}.request_base = mlcycle_request_base(${id}) OR ${p}.request_ids @> ARRAY[${id}]::text[])`;

/** Rows that may name one of these units (a text[] parameter). */
export const UNIT_IDS = (p: string, units: string): string => `${p}.unit_ids && ${units}::text[]`;
