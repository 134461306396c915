// A phone-sized screen (375×812): no sideways scrolling, and the main tap
// targets at least 44px high.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setUp, checkA11y, passEligibility, heading } from './lib/harness.mjs';

const MIN_TAP = 44;

let env;
before(async () => {
  env = await setUp();
});
after(async () => {
  await env?.close();
});

async function assertNoSidewaysScroll(page, what) {
  const { scrollWidth, clientWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
  }));
  assert.ok(scrollWidth <= clientWidth, `${what}: page is ${scrollWidth}px wide in a ${clientWidth}px screen`);
}

/** Every element matching `selector` (at least one) is at least 44px high. */
async function assertTapHeight(page, selector, what) {
  const boxes = await page.locator(selector).evaluateAll((els) =>
    els.map((e) => {
      const r = e.getBoundingClientRect();
      return { text: e.textContent.replace(/\s+/g, ' ').trim().slice(0, 30), width: r.width, height: r.height };
    }),
  );
  assert.ok(boxes.length > 0, `${what}: found no ${selector}`);
  const small = boxes.filter((b) => b.height < MIN_TAP);
  assert.deepEqual(small, [], `${what}: tap targets lower than ${MIN_TAP}px`);
  const narrow = boxes.filter((b) => b.width < MIN_TAP);
  assert.deepEqual(narrow, [], `${what}: tap targets narrower than ${MIN_TAP}px`);
}

describe('mobile 375×812', () => {
  test('venue list, calendar, day and form fit the screen with big tap targets', async () => {
    const page = await env.newPage({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    await page.goto('/venues');
    await passEligibility(page);

    await heading(page, '会場を選んでください');
    await assertNoSidewaysScroll(page, 'venues');
    await assertTapHeight(page, 'ul.cards .card h2 a', 'venues: venue links');
    await checkA11y(page, 'venues (mobile)');
    await page.getByRole('link', { name: '本庁舎 市民課', exact: true }).tap();

    await heading(page, '本庁舎 市民課：日にちを選んでください');
    await assertNoSidewaysScroll(page, 'calendar');
    // Phones get the month's days as a list of full-width rows.
    assert.equal(await page.locator('table.calendar').isVisible(), false, 'no 7-column grid on a phone');
    await assertTapHeight(page, '.day-rows a.day-row', 'calendar: open days');
    await assertTapHeight(page, 'nav.months a', 'calendar: month links');
    await checkA11y(page, 'calendar (mobile)');
    await page.locator('.day-rows a.day-row').first().tap();

    await heading(page, /の時間を選んでください/);
    await assertNoSidewaysScroll(page, 'day');
    await assertTapHeight(page, 'a.slot.open', 'day: open times');
    await checkA11y(page, 'day (mobile)');
    await page.locator('a.slot.open').first().tap();

    await heading(page, 'お名前と連絡先を入力してください');
    await assertNoSidewaysScroll(page, 'form');
    await assertTapHeight(page, 'form button.button', 'form: buttons');
    await assertTapHeight(page, 'form input[type=text], form input[type=tel], form input[type=email], form select', 'form: fields');
    await checkA11y(page, 'form (mobile)');

    // With every error shown the form still fits.
    await page.getByRole('button', { name: '入力内容を確認する' }).tap();
    await page.locator('#error-summary').waitFor();
    await assertNoSidewaysScroll(page, 'form with errors');
    await assertTapHeight(page, 'form button.button', 'form with errors: buttons');
  });
});
