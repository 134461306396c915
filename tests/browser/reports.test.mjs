// The report pages (issue 15) in a desktop browser on the demo data: the
// venue filter narrows the figures, every chart bar says its number and
// matches its table, axe finds nothing, and the monthly report prints on
// A4 with the report's name and a page number on every page (read back
// from the PDF). The figures themselves are checked against known data in
// crates/web/tests/web/reports.rs.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setUp, checkA11y, signInAdmin } from './lib/harness.mjs';

let env;
let page;

before(async () => {
  env = await setUp({ demoAdmin: true });
  page = await env.newPage({ viewport: { width: 1280, height: 900 } });
  await signInAdmin(page, env.server.admin);
});

after(async () => {
  await env?.close();
});

/** The cells' text of each body row of table `#id`. */
async function rows(id) {
  return page.locator(`#${id} tbody tr`).evaluateAll((trs) =>
    trs.map((tr) => [...tr.querySelectorAll('th, td')].map((c) => c.textContent.trim())));
}

describe('reports', () => {
  test('the index links every report, and each report passes axe', async () => {
    await page.goto('/admin/reports');
    for (const name of ['予約の集計', '電話の集計', '利用量（請求用）', '月次報告（A4印刷）']) {
      assert.equal(await page.getByRole('link', { name }).count(), 1, name);
    }
    await checkA11y(page, 'reports index');
    for (const path of ['/admin/reports/bookings', '/admin/reports/phone', '/admin/reports/usage', '/admin/reports/monthly?month=2026-12']) {
      await page.goto(path);
      await checkA11y(page, path);
    }
  });

  test('the venue filter narrows the bookings report, and the chart says what the table says', async () => {
    await page.goto('/admin/reports/bookings?from=2026-12-01&to=2026-12-31');
    const all = await rows('by-venue');
    assert.ok(all.length > 1, 'the demo has several venues');
    // Each venue's bar is labelled with the venue and its utilisation.
    const bars = await page.locator('svg[aria-labelledby^="utilisation"] g').evaluateAll((gs) =>
      gs.map((g) => [...g.querySelectorAll('text')].map((t) => t.textContent.trim())));
    assert.deepEqual(bars, all.map((r) => [r[0], r[9]]));
    const desc = await page.locator('#utilisation-desc').textContent();
    assert.ok(desc.includes(`${all[0][0]}：${all[0][9]}`), desc);

    await page.locator('#r-venue').selectOption({ label: all[1][0] });
    await page.getByRole('button', { name: '表示' }).click();
    await page.waitForURL(/venue=\d+/);
    assert.deepEqual(await rows('by-venue'), [all[1]]);
  });

  test('the monthly report prints on A4 with its name and page numbers on every page', async () => {
    await page.goto('/admin/reports/monthly?month=2026-12');
    const total = (await rows('by-venue')).at(-1);
    assert.equal(total[0], '合計');
    const pdf = await page.pdf({ preferCSSPageSize: true });
    const dir = await mkdtemp(path.join(tmpdir(), 'madoguchi-report-pdf-'));
    try {
      const file = path.join(dir, 'monthly.pdf');
      await writeFile(file, pdf);
      assert.ok(existsSync('/usr/bin/pdftotext'), 'pdftotext (poppler-utils) is needed to read the PDF');
      const info = execFileSync('/usr/bin/pdfinfo', [file], { encoding: 'utf8' });
      assert.match(info, /Page size:\s+59[45]\.\d+ x 841\.\d+ pts \(A4\)/);
      const text = execFileSync('/usr/bin/pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
      const pages = text.split('\f').filter((p) => p.trim());
      assert.ok(pages.length >= 2, `${pages.length} page(s)`);
      pages.forEach((p, i) => {
        assert.match(p, /窓口予約サービス 月次報告/, `page ${i + 1} has the report's name`);
        assert.match(p, new RegExp(`^\\s*${i + 1}\\s*/\\s*${pages.length}\\s*$`, 'm'), `page ${i + 1} has its number`);
      });
      assert.match(pages[0], /対象期間：2026-12-01〜2026-12-31/);
      // The total row as on screen.
      assert.match(text, new RegExp(`合計\\s+${total.slice(1).join('\\s+')}`));
      assert.match(text, /2\. 電話（AI応答）/);
      assert.match(text, /3\. 利用量/);
      assert.doesNotMatch(text, /サインアウト|管理メニュー|表示\s*$/m, 'no navigation or form on paper');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
