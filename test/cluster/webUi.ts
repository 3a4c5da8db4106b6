// The Temporal Web UI in a real browser (Chromium driven by playwright-core): a run's page, its text and a screenshot.
import { writeFile } from 'node:fs/promises';
import { chromium } from 'playwright-core';
import { CHROMIUM_MISSING, findChromium } from '../chromium.js';

export interface WebUiShot {
  /** Why no browser ran (no Chromium on this machine: `apt-get install chromium` or MLCYCLE_CHROMIUM), else null. */
  skipped: string | null;
  bytes: number;
  /** The page's visible text once the run's input has been decoded. */
  text: string;
}

/** Opens the run's page, waits for `expect` (text the decoded input holds), saves a PNG at `out`. */
export async function screenshotWebUi(uiUrl: string, namespace: string, workflowId: string, expect: string, out: string): Promise<WebUiShot> {
  const executablePath = findChromium();
  if (!executablePath) return { skipped: CHROMIUM_MISSING, bytes: 0, text: '' };
  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(`${uiUrl}/namespaces/${namespace}/workflows/${encodeURIComponent(workflowId)}`, { waitUntil: 'domcontentloaded' });
    // The page holds the decoded input only if the browser reached the codec endpoint (CORS) and it decrypted.
    await page.getByText(expect).first().waitFor({ timeout: 30_000 }).catch(() => undefined); // the test reads the text
    const text = await page.evaluate(() => document.body.innerText);
    const png = await page.screenshot({ fullPage: true });
    await writeFile(out, png);
    return { skipped: null, bytes: png.length, text };
  } finally {
    await browser.close();
  }
}
