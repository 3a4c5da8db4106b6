// A compile-time check that a zod schema's type is a contract's TypeScript type: either one changing alone fails `tsc`.
import type { z } from 'zod';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/** `sameType<z.infer<typeof schema>, Contract>(true)` compiles only when both types accept the same values. */
export function sameType<A, B>(same: Same<A, B>): Same<A, B> {
  return same;
}

/** The schema and its contract's name, for the JSON Schema file. */
export interface ContractSchema {
  /** File name under contracts/schema/, without `.json`. */
  file: string;
  title: string;
  description: string;
  schema: z.ZodType;
  /** Inputs are written as a caller may send them, results as mlcycle answers them. */
  io: 'input' | 'output';
}
