// The machine's Chromium for tests and benches that drive a real browser with playwright-core.
import { existsSync } from 'node:fs';

/** How to get one, for skip messages. */
export const CHROMIUM_MISSING = 'no Chromium here: apt-get install chromium, or set MLCYCLE_CHROMIUM';

/** The machine's Chromium: MLCYCLE_CHROMIUM, or the usual install paths (Playwright's own download cannot work here). */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | null {
  const candidates = [env.MLCYCLE_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
  return candidates.find((p): p is string => Boolean(p) && existsSync(p as string)) ?? null;
}
