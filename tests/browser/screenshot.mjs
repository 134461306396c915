// Takes docs/screenshot.png: the booking calendar of 本庁舎 市民課
// (/venues/1) at 1200px wide, on a fresh demo server.
//
//   cargo build -p madoguchi && (cd tests/browser && npm ci && node screenshot.mjs [OUT.png])

import path from 'node:path';
import { setUp, passEligibility, heading, testsDir } from './lib/harness.mjs';

const out = path.resolve(process.argv[2] ?? path.join(testsDir, '../../docs/screenshot.png'));
const env = await setUp();
try {
  const page = await env.newPage({ viewport: { width: 1200, height: 900 } });
  await page.goto('/venues/1');
  await passEligibility(page);
  await heading(page, '本庁舎 市民課：日にちを選んでください');
  // The first full month of the demo, with sample bookings in its first weeks.
  await page.getByRole('link', { name: '次の月' }).click();
  await heading(page, '本庁舎 市民課：日にちを選んでください');
  await page.evaluate(() => document.fonts.ready);
  await page.screenshot({ path: out, fullPage: true });
  console.log(`wrote ${out}`);
} finally {
  await env.close();
}
