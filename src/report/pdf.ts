// Prints an HTML page to PDF with the machine's Chromium (playwright-core drives it; nothing is downloaded).

import { existsSync } from 'node:fs';
import { UsageError } from '../core/errors.js';

/** Where Chromium is looked for: $FLOWWATCH_CHROMIUM, then Debian's and other common paths. */
const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/**
 * Renders `html` to an A4 PDF and returns its bytes. Refuses with what to do when playwright-core or Chromium is
 * not there (the HTML report needs neither).
 *
 * @example writeFileSync('report.pdf', await htmlToPdf(html))
 */
export async function htmlToPdf(html: string): Promise<Buffer> {
  const exe = [process.env['FLOWWATCH_CHROMIUM'], ...CANDIDATES].find(
    (p): p is string => p !== undefined && p !== '' && existsSync(p),
  );
  const hint =
    'write --out report.html instead and print it from a browser, or install chromium (apt-get install chromium) and set FLOWWATCH_CHROMIUM if it lives elsewhere';
  if (exe === undefined)
    throw new UsageError('NO_CHROMIUM', 'a PDF needs Chromium, which was not found', hint);
  let chromium: typeof import('playwright-core').chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    throw new UsageError(
      'NO_PLAYWRIGHT',
      'a PDF needs the playwright-core package (installed by npm ci)',
      hint,
    );
  }
  const browser = await chromium.launch({ executablePath: exe, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage();
    await page.setContent(html, { waitUntil: 'load' });
    return await page.pdf({
      format: 'A4',
      printBackground: true,
      margin: { top: '14mm', bottom: '14mm', left: '12mm', right: '12mm' },
    });
  } finally {
    await browser.close();
  }
}
