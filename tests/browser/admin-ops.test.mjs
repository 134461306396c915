// The admin console's operations pages, driven as city staff use them:
// a month of slots for a new venue (preview → apply), a bulk capacity
// change, a booking taken on the phone, a name correction and a party-size
// change, and the daily list printed to an A4 PDF.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { serverBinary, launchBrowser, checkA11y, NOW } from './lib/harness.mjs';

/** `serve --demo` also creates a demo administrator and prints its password. */
async function startDemo() {
  const dir = await mkdtemp(path.join(tmpdir(), 'madoguchi-admin-ops-'));
  const child = spawn(
    serverBinary(),
    ['--db', path.join(dir, 'test.db'), '--now', NOW, 'serve', '--demo', '--listen', '127.0.0.1:0'],
    {
      env: { ...process.env, MADOGUCHI_WEB_RATE_LIMIT_EXEMPT_LOOPBACK: 'true', MADOGUCHI_VOICE_ENABLED: 'false', RUST_LOG: 'warn', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  process.once('exit', () => child.kill('SIGKILL'));
  let stderr = '';
  child.stderr.on('data', (c) => { stderr += c; });
  const found = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start\n${stderr}`)), 60_000);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const url = out.match(/madoguchi listening on (http:\/\/\S+)/);
      const admin = out.match(/demo admin: user=(\S+) password=(\S+)/);
      if (url && admin) {
        clearTimeout(timer);
        resolve({ url: url[1].replace(/\/$/, ''), user: admin[1], password: admin[2] });
      }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited (${code})\n${stderr}`)); });
  });
  return {
    ...found,
    async stop() {
      child.kill('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

let server;
let browser;
let page;
let venueId;
let reservationNo;

before(async () => {
  server = await startDemo();
  browser = await launchBrowser();
  const context = await browser.newContext({ baseURL: server.url, locale: 'ja-JP' });
  page = await context.newPage();
  page.setDefaultTimeout(15_000);
  await page.goto('/admin/login');
  await page.locator('#login').fill(server.user);
  await page.locator('#password').fill(server.password);
  await page.getByRole('button', { name: 'サインイン' }).click();
  await page.waitForURL(/\/admin\/?$/);
});

after(async () => {
  await browser?.close().catch(() => {});
  await server?.stop();
});

const flash = () => page.locator('.flash').first().textContent();

describe('admin operations', () => {
  test('a new venue gets a month of slots: preview, then apply', async () => {
    await page.goto('/admin/venues');
    await checkA11y(page, 'venues');
    await page.locator('#v-code').fill('ops-test');
    await page.locator('#v-name').fill('テスト会場');
    await page.locator('#v-kana').fill('てすとかいじょう');
    await page.getByRole('button', { name: '会場を追加する' }).click();
    await page.waitForURL(/\/admin\/venues\/\d+/);
    venueId = page.url().match(/venues\/(\d+)/)[1];
    assert.match(await flash(), /会場「テスト会場」を追加しました/);
    await checkA11y(page, 'venue');

    await page.goto(`/admin/schedules?venue=${venueId}`);
    for (let weekday = 0; weekday < 5; weekday++) {
      await page.locator(`[name=open_${weekday}_0]`).fill('9:00');
      await page.locator(`[name=close_${weekday}_0]`).fill('12:00');
      await page.locator(`[name=cap_${weekday}_0]`).fill('2');
      await page.locator(`[name=res_${weekday}_0]`).fill('0');
    }
    await page.getByRole('button', { name: '週の受付時間を保存する' }).click();
    assert.match(await flash(), /週の受付時間を保存しました/);
    await checkA11y(page, 'schedules');

    await page.locator('#g-first').fill('2026-12-01');
    await page.locator('#g-last').fill('2026-12-31');
    await page.getByRole('button', { name: '変更内容を確認する' }).click();
    // 20 working days before the year-end closure, six 30-minute slots each.
    const summary = await page.locator('[role=status]').first().textContent();
    assert.match(summary, /追加 120枠、削除 0枠/);
    assert.match(await page.locator('.plan-add').textContent(), /12月1日（火） 9:00〜12:00 6枠/);
    await checkA11y(page, 'schedule preview');
    await page.getByRole('button', { name: 'この内容で適用する' }).click();
    assert.match(await flash(), /枠を更新しました（追加120枠、削除0枠、定員変更0枠）/);
  });

  test('a bulk capacity change adds a seat to every slot of a day', async () => {
    await page.goto(`/admin/schedules?venue=${venueId}`);
    await page.locator('#c-first').fill('2026-12-03');
    await page.locator('#c-last').fill('2026-12-03');
    await page.locator('#c-op').selectOption('add');
    await page.locator('#c-seats').fill('1');
    await page.getByRole('button', { name: '変更する' }).click();
    assert.match(await flash(), /定員を1増やしました（6枠）/);
    await page.goto('/admin/schedules/overview?from=2026-12-01');
    const row = page.locator('tr', { has: page.getByRole('link', { name: 'テスト会場' }) });
    const cells = await row.locator('td').allTextContents();
    // 12/3 (third column): 6 slots × 3 seats, told in text, not only colour.
    assert.match(cells[2], /○\s*残り18/);
    await checkA11y(page, 'overview');
  });

  test('a booking taken on the phone: venue → day → slot → details → confirm', async () => {
    await page.goto('/admin/bookings/new');
    await page.getByRole('link', { name: 'テスト会場' }).click();
    await page.locator('a[href*="date=2026-12-03"]').click();
    await page.getByRole('link', { name: /10:00〜10:30/ }).click();
    await checkA11y(page, 'new booking form');
    await page.locator('#name').fill('一宮 花子');
    await page.locator('#name_kana').fill('いちのみや はなこ');
    await page.locator('#birth_date').fill('昭和50年1月2日');
    await page.locator('#phone').fill('090-2222-3333');
    await page.locator('#party_size').selectOption('1');
    await page.getByRole('button', { name: '確認へ進む' }).click();
    await page.getByRole('button', { name: 'この内容で予約する' }).click();
    await page.waitForURL(/\/admin\/bookings\/\d+/);
    const message = await flash();
    const m = message.match(/予約番号 (\d{4}-\d{4})/);
    assert.ok(m, message);
    reservationNo = m[1].replace('-', '');
    assert.match(await page.locator('dl.props').textContent(), /電話など|職員/);
    await checkA11y(page, 'booking');
  });

  test('staff correct the name and change the party size; the history shows both', async () => {
    await page.goto(`/admin/bookings?no=${reservationNo}`);
    await page.getByRole('link', { name: reservationNo }).click();
    await page.locator('#name').fill('一宮 華子');
    await page.locator('#name_kana').fill('イチノミヤ ハナコ');
    await page.getByRole('button', { name: '訂正する' }).click();
    assert.match(await flash(), /氏名とフリガナを訂正しました/);
    await page.locator('#party_size').selectOption('2');
    await page.getByRole('button', { name: '人数を変更する' }).click();
    assert.match(await flash(), /人数を2人に変更しました/);
    const history = await page.locator('table.grid').last().textContent();
    assert.match(history, /氏名の訂正/);
    assert.match(history, /一宮　花子 → 一宮　華子/);
    assert.match(history, /人数：1 → 2/);
  });

  test('the daily list prints on A4 with a header and page numbers', async () => {
    await page.goto(`/admin/lists?venue=${venueId}&date=2026-12-03`);
    await checkA11y(page, 'daily list');
    assert.match(await page.locator('.summary').textContent(), /予約 1件・2人/);
    const pdf = await page.pdf({ format: 'A4' });
    const dir = await mkdtemp(path.join(tmpdir(), 'madoguchi-pdf-'));
    try {
      const file = path.join(dir, 'list.pdf');
      await writeFile(file, pdf);
      assert.ok(existsSync('/usr/bin/pdftotext'), 'pdftotext (poppler-utils) is needed to read the PDF');
      const text = execFileSync('/usr/bin/pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
      assert.match(text, /テスト会場\s+2026年12月3日（木）\s+予約者一覧（1件・2人）/);
      assert.match(text, new RegExp(`10:00〜10:30[\\s\\S]*${reservationNo}\\s+イチノミヤ\\s+ハナコ\\s+一宮\\s+華子\\s+2人\\s+職員`));
      assert.match(text, /9:00〜9:30\s+予約なし/);
      assert.match(text, /^\s*1\s*\/\s*1\s*$/m, 'page number at the foot');
      assert.doesNotMatch(text, /サインアウト|管理メニュー/, 'no navigation on paper');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
