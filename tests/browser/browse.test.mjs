// The checklist before booking, deep links through it, and how a full day
// looks in the calendar.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setUp, checkA11y, passEligibility, heading, textOf, FIRST_DAY } from './lib/harness.mjs';

let env;
before(async () => {
  env = await setUp();
});
after(async () => {
  await env?.close();
});

describe('eligibility checklist', () => {
  test('an unticked item shows its explanation and the venue list stays closed', async () => {
    const page = await env.newPage();
    await page.goto('/');
    await page.getByRole('link', { name: '予約をはじめる' }).click();
    await heading(page, '予約の前にご確認ください');

    const labels = page.locator('.check label');
    assert.equal(await labels.count(), 3);
    const statements = await labels.allInnerTexts();
    // Tick the first two, leave the PIN item (the third) unticked.
    await page.getByLabel(statements[0]).check();
    await page.getByLabel(statements[1]).check();
    await page.getByRole('button', { name: '次へ進む' }).click();

    const notice = page.getByRole('alert');
    await notice.waitFor();
    await heading(page, '予約の前にご確認ください');
    assert.equal(new URL(page.url()).pathname, '/eligibility');
    const text = await textOf(notice);
    assert.match(text, /この予約ではお受けできません/);
    assert.equal(await textOf(notice.locator('h3')), statements[2].trim(), 'only the unticked item is explained');
    assert.match(text, /暗証番号を忘れた場合は、更新の前に暗証番号の再設定が必要です/);
    assert.match(text, /専用ダイヤル/);
    // What was ticked stays ticked; the unticked one stays unticked.
    assert.ok(await page.getByLabel(statements[0]).isChecked());
    assert.ok(await page.getByLabel(statements[1]).isChecked());
    assert.ok(!(await page.getByLabel(statements[2]).isChecked()));
    await checkA11y(page, 'eligibility with errors');

    // The venue list still sends this browser back to the checklist.
    await page.goto('/venues');
    await heading(page, '予約の前にご確認ください');
    assert.equal(new URL(page.url()).pathname, '/eligibility');
    assert.equal(await page.locator('ul.cards').count(), 0);
  });

  test('a deep link to a venue goes through the checklist and back to that venue', async () => {
    const page = await env.newPage();
    await page.goto('/venues/3');
    await heading(page, '予約の前にご確認ください');
    const url = new URL(page.url());
    assert.equal(url.pathname, '/eligibility');
    assert.equal(url.searchParams.get('next'), '/venues/3');
    await passEligibility(page);
    await heading(page, '木曽川事務所：日にちを選んでください');
    assert.equal(new URL(page.url()).pathname, '/venues/3');
    assert.ok((await page.locator('table.calendar td.open a').count()) > 0, 'the calendar has open days');
    await checkA11y(page, 'calendar (venue 3)');
  });
});

describe('calendar', () => {
  test('a full day reads 満席 and is not a link', async () => {
    const page = await env.newPage();
    await page.goto('/venues/2');
    await passEligibility(page);
    await heading(page, '尾西事務所：日にちを選んでください');

    // The first bookable day at 尾西事務所 is fully booked in the demo.
    const cells = page.locator('table.calendar td[data-date]:not(.none)');
    const first = cells.first();
    assert.equal(await first.getAttribute('data-date'), FIRST_DAY);
    assert.equal(await first.getAttribute('class'), 'full');
    assert.match(await textOf(first), /満席/);
    assert.equal(await first.locator('a').count(), 0, 'a full day has no link');
    assert.equal(await page.locator(`a[href*="${FIRST_DAY}"]`).count(), 0, 'nothing links to the full day');
    // The day list says the same in words.
    await page.getByText('日にちを一覧で見る').click();
    const listed = page.locator('.day-list li', { hasText: '満席' }).first();
    assert.match(await textOf(listed), /11月26日.*満席/);
    assert.equal(await listed.locator('a').count(), 0);
    await checkA11y(page, 'calendar with a full day');
    // The next open day is a link showing the seats left.
    const open = page.locator('table.calendar td.open[data-date]').first();
    assert.ok((await open.getAttribute('data-date')) > FIRST_DAY);
    assert.match(await textOf(open.locator('a')), /残り\d+/);

    // The API agrees: no free slot that day.
    assert.deepEqual(await env.api.availability(2, FIRST_DAY, FIRST_DAY), []);
    // The same day at another venue is open, so it is a real bookable day.
    await page.goto('/venues/1');
    assert.equal(await page.locator(`table.calendar td.open[data-date="${FIRST_DAY}"] a`).count(), 1);
  });
});
