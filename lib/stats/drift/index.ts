// The drift tests by name: the built-in list (the one place a test is added), lookups, and registering more at run time.
import { chiSquare } from './chiSquare.js';
import type { AutoRole, DriftTest } from './driftTest.js';
import { jensenShannon } from './jensenShannon.js';
import { ks } from './ks.js';
import { psi } from './psi.js';
import { wasserstein } from './wasserstein.js';

export { defineDriftTest, type AutoRole, type DriftColumnInput, type DriftTest, type DriftTestKind, type ExactSides } from './driftTest.js';

/** Every built-in test, in the order results, reports and stored values list them. */
export const BUILTIN_DRIFT_TESTS = [ks, psi, chiSquare, jensenShannon, wasserstein] as const;

type Builtin = (typeof BUILTIN_DRIFT_TESTS)[number];
/** A built-in test's name (the policy and config accept any registered name). */
export type DriftMethod = Builtin['name'];
/** A registered test's name: a built-in one, or one registered at run time. */
export type DriftTestName = DriftMethod | (string & {});
/** Each built-in test's value in a column result, under its field. */
export type DriftTestValues = { [T in Builtin as T['field']]: ReturnType<T['fromAggregates']> };

const registry: DriftTest[] = [...(BUILTIN_DRIFT_TESTS as readonly DriftTest[])];

/** The registered tests, built-in ones first. */
export function driftTests(): readonly DriftTest[] {
  return registry;
}

export function findDriftTest(name: string): DriftTest | undefined {
  return registry.find((t) => t.name === name);
}

/** The registered test of that name; an unknown name is an error naming the known ones. */
export function driftTest(name: string): DriftTest {
  const test = findDriftTest(name);
  if (!test) throw new RangeError(`unknown drift test "${name}" (known: ${registry.map((t) => t.name).join(', ')})`);
  return test;
}

/** The test Evidently's automatic choice names for a (reference size, column values) pair. */
export function autoDriftTest(role: AutoRole): DriftTest {
  const test = registry.find((t) => t.auto?.reference === role.reference && t.auto.values === role.values);
  if (!test) throw new RangeError(`no drift test is registered for the automatic choice on a ${role.reference} reference and ${role.values} values`);
  return test;
}

/** A test's value in a column result (its field). */
export function driftTestValue(result: object, test: DriftTest): unknown {
  return (result as Record<string, unknown>)[test.field];
}

/** Every registered test's value of a column result, by field (what the monitor stores per column). */
export function driftTestValues(result: object): Record<string, unknown> {
  return Object.fromEntries(registry.map((t) => [t.field, driftTestValue(result, t)]));
}

/**
 * Adds a test (after the built-in ones): its name and field must be new, a numbers-only test needs a registered
 * fallback, an automatic-choice role must be free. Returns the function that removes it again.
 */
export function registerDriftTest(test: DriftTest): () => void {
  const clash = registry.find((t) => t.name === test.name || t.field === test.field);
  if (clash) throw new RangeError(`drift test "${test.name}" (field ${test.field}) clashes with the registered "${clash.name}"`);
  if (test.columns === 'numeric' && !(test.fallback && findDriftTest(test.fallback))) {
    throw new RangeError(`drift test "${test.name}" needs numbers: name a registered fallback for categorical columns`);
  }
  if (test.kind === 'distance' && !test.threshold) throw new RangeError(`drift test "${test.name}" is a distance: give its default threshold`);
  if (test.auto && registry.some((t) => t.auto?.reference === test.auto!.reference && t.auto.values === test.auto!.values)) {
    throw new RangeError(`drift test "${test.name}": the automatic choice for a ${test.auto.reference} reference and ${test.auto.values} values is taken`);
  }
  registry.push(test);
  return () => {
    const at = registry.indexOf(test);
    if (at >= 0) registry.splice(at, 1);
  };
}
