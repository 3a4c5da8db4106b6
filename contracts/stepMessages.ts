// A failed step's own words: the message without a leading naming of that step, which the run's failure gives once.

/** `step "tune" (optimize)`; `step "publish"` when the id is the name of the step it uses (said once). */
export function stepName(step: { id: string; uses: string }): string {
  return step.id === step.uses ? `step "${step.id}"` : `step "${step.id}" (${step.uses})`;
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * `step "x" (uses) returned …` → `returned …`; `step x failed: …`, `x: …`, `x failed: …` → `…`. Only a naming of this
 * step at the very start is dropped (with a "failed" after it, which the run's failure says), again when it repeats;
 * a message that is nothing but the step's name is kept as it is. Pure and deterministic: workflows call it.
 */
export function ownWords(message: string, step: { id: string; uses: string }): string {
  const named = [`step "${step.id}" (${step.uses})`, `step "${step.id}"`, `step ${step.id}`].map(escape).join('|');
  const bare = [`"${step.id}"`, step.id].map(escape).join('|');
  const lead = new RegExp(`^(?:(?:${named})(?: failed)?(?::\\s*|\\s+|$)|(?:${bare})(?: failed)?:\\s*)`);
  // A message a wrapper already prefixed (`step x: step x failed: …`) loses each naming, a bounded number of times.
  let rest = message;
  for (let i = 0; i < 3; i++) {
    const match = lead.exec(rest);
    if (!match || match[0].length === rest.length) break;
    rest = rest.slice(match[0].length);
  }
  return rest;
}
