/**
 * Headless Chromium for the browser tests: Debian's package (CI installs it, .ci/run), driven by
 * playwright-core. Nothing here downloads a browser. Another path can be given for a local machine.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

const CHROMIUM = process.env.STEPGATE_CHROMIUM ?? '/usr/bin/chromium';
// Without the background-networking flags Chromium keeps reaching for Google and stalls offline.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];
const SCREENS = fileURLToPath(new URL('../../docs/screens/', import.meta.url));

/** A missing browser fails the test, never skips it: a test that cannot run must not look green. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}; the browser test needs it. ` +
        'Install it with `apt-get install chromium` (.ci/run does), or set STEPGATE_CHROMIUM to its path.',
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/**
 * With STEPGATE_SCREENSHOTS=1, saves what the viewport shows to docs/screens/<name> for the
 * documentation: the viewport alone, so the committed PNGs stay small.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (process.env.STEPGATE_SCREENSHOTS !== '1') return;
  mkdirSync(SCREENS, { recursive: true });
  await page.screenshot({ path: `${SCREENS}${name}` });
}
