// What a 70-year-old resident meets on a phone and on a desktop (issue 14):
// the start page's two actions on the first screen, the calendar at 320 px,
// the reservation number on one line, the step navigation, venue
// directions, the booking slip in print, focus on the error summary, and the
// site icon.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setUp, checkA11y, passEligibility, heading, textOf, detailsRow, slotDate } from './lib/harness.mjs';

let env;
before(async () => {
  env = await setUp();
});
after(async () => {
  await env?.close();
});

const PHONE = { viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const SMALL_PHONE = { viewport: { width: 320, height: 568 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const DESKTOP = { viewport: { width: 1280, height: 800 } };

async function assertNoSidewaysScroll(page, what) {
  const { scrollWidth, clientWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
  }));
  assert.ok(scrollWidth <= clientWidth, `${what}: page is ${scrollWidth}px wide in a ${clientWidth}px screen`);
}

/** The lines an element's text takes on screen. */
async function lineCount(locator) {
  return locator.evaluate((el) => {
    const range = document.createRange();
    range.selectNodeContents(el);
    const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
    return tops.size;
  });
}

/** Books through the pages (the first free slot of venue 1 on its day page) and lands on the done page. */
async function bookThroughPages(page, { phone = '090-1111-2222' } = {}) {
  const slot = await env.api.findSlot(1, (s) => s.remaining >= 1);
  await page.goto(`/venues/1/${slotDate(slot)}`);
  await passEligibility(page);
  await page.locator(`a.slot.open[data-slot-id="${slot.id}"]`).click();
  await heading(page, 'お名前と連絡先を入力してください');
  await page.getByLabel('代表者のお名前').fill('一宮 花子');
  await page.getByLabel('フリガナ').fill('イチノミヤ ハナコ');
  await page.getByLabel('代表者の生年月日').fill('昭和20年5月5日');
  await page.getByLabel('電話番号').fill(phone);
  await page.getByRole('button', { name: '入力内容を確認する' }).click();
  await heading(page, '予約内容の確認');
  await page.getByRole('button', { name: 'この内容で予約する' }).click();
  await heading(page, '予約が完了しました');
  return slot;
}

/** The step navigation's current step (its label). */
async function currentStep(page) {
  const nav = page.getByRole('navigation', { name: '予約の手順' });
  assert.equal(await nav.locator('li').count(), 7, 'seven steps from checklist to done');
  const current = nav.locator('li[aria-current="step"]');
  assert.equal(await current.count(), 1);
  return textOf(current.locator('.label'));
}

describe('start page', () => {
  for (const [name, options] of [
    ['1280×800', DESKTOP],
    ['375×812', PHONE],
    ['320×568', SMALL_PHONE],
  ]) {
    test(`both main actions are on the first screen at ${name}`, async () => {
      const page = await env.newPage(options);
      await page.goto('/');
      const height = options.viewport.height;
      for (const label of ['予約をはじめる', '予約の確認・変更・取消']) {
        const link = page.locator('main').getByRole('link', { name: label, exact: true });
        const box = await link.boundingBox();
        assert.ok(box, `${label} is shown`);
        assert.ok(box.y + box.height <= height, `${label} ends at ${Math.round(box.y + box.height)}px, below the ${height}px screen`);
        assert.ok(box.height >= 44, `${label} is a big target (${box.height}px)`);
      }
      await assertNoSidewaysScroll(page, `start ${name}`);
      await checkA11y(page, `start ${name}`);
    });
  }
});

describe('calendar', () => {
  test('at 320 px the days are a list of full-width rows, readable and tappable', async () => {
    const page = await env.newPage(SMALL_PHONE);
    await page.goto('/venues/1');
    await passEligibility(page);
    await heading(page, '本庁舎 市民課：日にちを選んでください');
    await assertNoSidewaysScroll(page, 'calendar 320');
    assert.equal(await page.locator('table.calendar').isVisible(), false, 'the 7-column grid is not used');
    const rows = page.locator('.day-rows a.day-row');
    assert.ok((await rows.count()) > 0, 'open days are listed');
    for (const row of (await rows.all()).slice(0, 6)) {
      const box = await row.boundingBox();
      assert.ok(box.height >= 44 && box.width >= 250, `a day row is a big target (${box.width}×${box.height})`);
      const size = await row.evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
      assert.ok(size >= 16, `day rows use at least 16px text (${size}px)`);
      assert.equal(await lineCount(row.locator('.state')), 1, `"${await textOf(row)}": the seats left stay on one line`);
      assert.match(await textOf(row), /^\d+月\d+日（.）\s*○\s*残り\d+$/);
    }
    await checkA11y(page, 'calendar 320');
    // A row leads to that day's times.
    const first = rows.first();
    const date = await first.getAttribute('data-date');
    await first.tap();
    await heading(page, /の時間を選んでください/);
    assert.equal(new URL(page.url()).pathname, `/venues/1/${date}`);
  });

  test('at 1280 px each day link is named by its visible text first', async () => {
    const page = await env.newPage(DESKTOP);
    await page.goto('/venues/1');
    await passEligibility(page);
    await heading(page, '本庁舎 市民課：日にちを選んでください');
    const links = page.locator('table.calendar td.open a');
    assert.ok((await links.count()) > 0);
    for (const link of await links.all()) {
      assert.equal(await link.getAttribute('aria-label'), null, 'no aria-label that hides the visible text');
      const day = String(Number((await link.locator('xpath=..').getAttribute('data-date')).slice(8)));
      const snapshot = await link.ariaSnapshot();
      // e.g. - link "26 日（木） 残り12"
      assert.match(snapshot, new RegExp(`^- link "${day} ?日（.） 残り\\d+"`), snapshot);
      assert.ok((await textOf(link)).startsWith(day), 'the visible text starts with the day');
    }
    await checkA11y(page, 'calendar 1280');
  });
});

describe('step navigation', () => {
  test('one step indicator from the checklist to the done page', async () => {
    const page = await env.newPage(DESKTOP);
    await page.goto('/eligibility');
    assert.equal(await currentStep(page), '確認事項');
    await passEligibility(page);
    await heading(page, '会場を選んでください');
    assert.equal(await currentStep(page), '会場');
    const done = page.getByRole('navigation', { name: '予約の手順' }).locator('li.done');
    assert.equal(await done.count(), 1, 'the checklist is marked done');
    await page.getByRole('link', { name: '本庁舎 市民課', exact: true }).click();
    await heading(page, '本庁舎 市民課：日にちを選んでください');
    assert.equal(await currentStep(page), '日にち');
    await page.locator('table.calendar td.open a').first().click();
    await heading(page, /の時間を選んでください/);
    assert.equal(await currentStep(page), '時間');
    await page.locator('a.slot.open').first().click();
    await heading(page, 'お名前と連絡先を入力してください');
    assert.equal(await currentStep(page), 'お名前・連絡先');
    assert.match(await textOf(page.locator('.step-count')), /^手順 5／7：お名前・連絡先$/);
    await page.getByLabel('代表者のお名前').fill('一宮 次郎');
    await page.getByLabel('フリガナ').fill('イチノミヤ ジロウ');
    await page.getByLabel('代表者の生年月日').fill('1950-01-02');
    await page.getByLabel('電話番号').fill('090-3333-1234');
    await page.getByRole('button', { name: '入力内容を確認する' }).click();
    await heading(page, '予約内容の確認');
    assert.equal(await currentStep(page), '内容の確認');
    await page.getByRole('button', { name: 'この内容で予約する' }).click();
    await heading(page, '予約が完了しました');
    assert.equal(await currentStep(page), '完了');
    await checkA11y(page, 'done with steps');
    // Looking a booking up is not part of the flow.
    await page.goto('/lookup');
    assert.equal(await page.getByRole('navigation', { name: '予約の手順' }).count(), 0);
  });
});

describe('done page', () => {
  for (const [name, options] of [
    ['320×568', SMALL_PHONE],
    ['375×812', PHONE],
    ['1280×800', DESKTOP],
  ]) {
    test(`the reservation number stays on one line, large, at ${name}`, async () => {
      const page = await env.newPage(options);
      await bookThroughPages(page, { phone: `090-5${options.viewport.width}-0000`.slice(0, 13) });
      const number = page.locator('.big-number');
      assert.match(await textOf(number), /^\d{4}-\d{4}$/);
      assert.equal(await lineCount(number), 1, 'one line');
      assert.equal(await number.getAttribute('aria-label'), null, 'no aria-label on a paragraph');
      const size = await number.evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
      assert.ok(size >= 28, `large (${size}px)`);
      const fits = await number.evaluate((el) => el.scrollWidth <= el.clientWidth);
      assert.ok(fits, 'the number fits its box');
      await assertNoSidewaysScroll(page, `done ${name}`);
      await checkA11y(page, `done ${name}`);
    });
  }

  test('予約票を印刷 prints a slip with the number, venue and address, date and time, and what to bring', async () => {
    const page = await env.newPage(DESKTOP);
    await page.addInitScript(() => {
      window.__printed = 0;
      window.print = () => {
        window.__printed += 1;
      };
    });
    await bookThroughPages(page, { phone: '090-6666-1212' });
    await page.getByRole('button', { name: '予約票を印刷' }).click();
    assert.equal(await page.evaluate(() => window.__printed), 1, 'the button opens the print dialog');

    await page.emulateMedia({ media: 'print' });
    for (const hidden of ['header.site', 'footer.site', 'nav.steps', '#print-slip']) {
      assert.equal(await page.locator(hidden).isVisible(), false, `${hidden} is not printed`);
    }
    const slip = await textOf(page.locator('main'));
    assert.match(slip, /予約票/);
    assert.match(slip, /\d{4}-\d{4}/);
    assert.match(slip, /本庁舎 市民課/);
    assert.match(slip, /愛知県一宮市本町2丁目5番6号/);
    assert.match(slip, /\d+年\d+月\d+日（.） \d+:\d\d〜\d+:\d\d/);
    assert.match(slip, /当日お持ちいただくもの/);
    assert.match(slip, /マイナンバーカード/);
    assert.equal(await lineCount(page.locator('.big-number')), 1);
    await checkA11y(page, 'done (print)');
    await page.emulateMedia({ media: 'screen' });
  });
});

describe('venue directions', () => {
  test('address with a map link, access and parking on the cards, the confirmation and the done page', async () => {
    const page = await env.newPage(DESKTOP);
    await page.goto('/venues');
    await passEligibility(page);
    const card = page.locator('.card', { has: page.getByRole('link', { name: '木曽川事務所', exact: true }) });
    const text = await textOf(card);
    assert.match(text, /住所 愛知県一宮市木曽川町内割田一の通り27/);
    assert.match(text, /交通 JR木曽川駅/);
    assert.match(text, /駐車場 庁舎の駐車場/);
    const map = card.getByRole('link', { name: /^地図を開く/ });
    assert.match(await map.ariaSnapshot(), /地図を開く ?（木曽川事務所、外部サイト）/, 'the map link names its venue');
    const href = await map.getAttribute('href');
    assert.ok(href.startsWith('https://'), href);
    assert.ok(decodeURIComponent(href).includes('愛知県一宮市木曽川町内割田一の通り27'), href);

    const slot = await env.api.findSlot(3, (s) => s.remaining >= 1);
    await page.goto(`/venues/3/${slotDate(slot)}`);
    await page.locator(`a.slot.open[data-slot-id="${slot.id}"]`).click();
    await page.getByLabel('代表者のお名前').fill('一宮 三郎');
    await page.getByLabel('フリガナ').fill('イチノミヤ サブロウ');
    await page.getByLabel('代表者の生年月日').fill('1948-03-03');
    await page.getByLabel('電話番号').fill('090-7777-3434');
    await page.getByRole('button', { name: '入力内容を確認する' }).click();
    await heading(page, '予約内容の確認');
    for (const where of ['confirmation', 'done']) {
      const venue = await textOf(detailsRow(page, '会場'));
      assert.match(venue, /木曽川事務所/, where);
      assert.match(venue, /愛知県一宮市木曽川町内割田一の通り27/, where);
      assert.match(venue, /JR木曽川駅/, where);
      assert.match(venue, /駐車場/, where);
      assert.equal(await detailsRow(page, '会場').getByRole('link', { name: /^地図を開く/ }).count(), 1, where);
      if (where === 'confirmation') await page.getByRole('button', { name: 'この内容で予約する' }).click();
      await heading(page, where === 'confirmation' ? '予約が完了しました' : '予約が完了しました');
    }
  });
});

describe('errors', () => {
  test('after a failed submit focus is on the error summary (form, look-up, checklist)', async () => {
    const page = await env.newPage(DESKTOP);
    await page.goto('/eligibility');
    await page.getByRole('button', { name: '次へ進む' }).click();
    await page.getByRole('alert').waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'error-summary', 'checklist');
    await checkA11y(page, 'checklist with errors');

    await page.goto('/lookup');
    await page.getByRole('button', { name: '予約を確認する' }).click();
    await page.locator('#error-summary').waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'error-summary', 'look-up');
    assert.match(await textOf(page.locator('#error-summary')), /予約番号/);
    await checkA11y(page, 'lookup with errors');
  });

  test('a landline with SMS chosen is refused with a clear message, everything kept', async () => {
    const slot = await env.api.findSlot(4, (s) => s.remaining >= 1);
    const page = await env.newPage(DESKTOP);
    await page.goto(`/venues/4/${slotDate(slot)}`);
    await passEligibility(page);
    await page.locator(`a.slot.open[data-slot-id="${slot.id}"]`).click();
    await page.getByLabel('代表者のお名前').fill('一宮 四郎');
    await page.getByLabel('フリガナ').fill('イチノミヤ シロウ');
    await page.getByLabel('代表者の生年月日').fill('1940-04-04');
    await page.getByRole('radio', { name: 'SMS（携帯電話のショートメッセージ）' }).check();
    await page.getByLabel('電話番号').fill('0586-28-9131');
    await page.getByRole('button', { name: '入力内容を確認する' }).click();
    await page.locator('#error-summary').waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'error-summary');
    const message = await textOf(page.locator('#phone-error'));
    assert.match(message, /SMS/);
    assert.match(message, /携帯電話/);
    assert.equal(await page.getByLabel('電話番号').inputValue(), '0586-28-9131');
    assert.equal(await page.getByLabel('代表者のお名前').inputValue(), '一宮 四郎');
    await checkA11y(page, 'form: landline with SMS');
  });
});

describe('site', () => {
  test('/favicon.ico is served', async () => {
    const r = await fetch(`${env.url}/favicon.ico`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^image\//);
    assert.match(await r.text(), /<svg/);
  });
});
