// Takes the README's screenshots on a fresh demo server:
//   docs/screenshot.png        the booking calendar of 本庁舎 市民課 (/venues/1) at 1200px wide
//   docs/screenshot-phone.png  the same venue's days on a 375px phone (first screen)
//
//   cargo build -p madoguchi && (cd tests/browser && npm ci && node screenshot.mjs [OUT_DIR])

import path from 'node:path';
import { setUp, passEligibility, heading, testsDir } from './lib/harness.mjs';

const outDir = path.resolve(process.argv[2] ?? path.join(testsDir, '../../docs'));
const env = await setUp();
try {
  const desktop = await env.newPage({ viewport: { width: 1200, height: 900 } });
  await desktop.goto('/venues/1');
  await passEligibility(desktop);
  await heading(desktop, '本庁舎 市民課：日にちを選んでください');
  // The first full month of the demo, with sample bookings in its first weeks.
  await desktop.getByRole('link', { name: '次の月' }).click();
  await heading(desktop, '本庁舎 市民課：日にちを選んでください');
  await desktop.evaluate(() => document.fonts.ready);
  await desktop.screenshot({ path: path.join(outDir, 'screenshot.png'), fullPage: true });

  const phone = await env.newPage({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  await phone.goto('/venues/1');
  await passEligibility(phone);
  await phone.getByRole('link', { name: '次の月' }).click();
  await heading(phone, '本庁舎 市民課：日にちを選んでください');
  await phone.evaluate(() => document.fonts.ready);
  await phone.screenshot({ path: path.join(outDir, 'screenshot-phone.png') });
  console.log(`wrote ${outDir}/screenshot.png and screenshot-phone.png`);
} finally {
  await env.close();
}
