// The admin console on a phone (375 px and 320 px wide), as a staff member
// checks a booking away from the desk: every page fits the screen (wide
// tables scroll inside their own box, never the page), the site's own
// Content-Security-Policy blocks nothing, and axe finds nothing.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setUp, checkA11y, signInAdmin, pageWidth } from './lib/harness.mjs';

let env;
let page;
/** Console errors (a CSP refusal is one) since the last `visit`. */
let consoleErrors = [];
/** The pages a staff member opens, found from the demo data in `before`. */
let pages;

before(async () => {
  env = await setUp({ demoAdmin: true });
  page = await env.newPage({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(msg.text());
  });
  await signInAdmin(page, env.server.admin);

  // A venue with demo bookings: the search lists them, the first one has a
  // detail page and a day whose list has rows.
  const venue = (await env.api.venues())[0];
  await page.goto(`/admin/bookings?venue=${venue.id}`);
  const first = page.locator('table.grid tbody tr').first();
  const bookingPath = new URL(await first.locator('a').first().getAttribute('href'), env.url).pathname;
  // "2026年11月26日（木） 9:00〜9:30": that day's list has this booking.
  const [, y, m, d] = (await first.locator('td').nth(1).innerText()).match(/(\d{4})年(\d{1,2})月(\d{1,2})日/);
  const listPath = `/admin/lists?venue=${venue.id}&date=${y}-${m.padStart(2, '0')}-${d.padStart(2, '0')}`;
  await page.goto('/admin/notifications');
  const templatePath = await page.locator('a[href^="/admin/notifications/templates/"]').first().getAttribute('href');

  pages = [
    ['dashboard', '/admin'],
    ['booking search', '/admin/bookings'],
    ['booking search with results', `/admin/bookings?venue=${venue.id}&cancelled=1`],
    ['booking detail', bookingPath],
    ['booking notifications', `${bookingPath}/notifications`],
    ['new booking by phone', '/admin/bookings/new'],
    ['daily list', listPath],
    ['schedules', `/admin/schedules?venue=${venue.id}`],
    ['schedules overview', '/admin/schedules/overview'],
    ['venues', '/admin/venues'],
    ['venue', `/admin/venues/${venue.id}`],
    ['calls', '/admin/calls'],
    ['call rehearsal', '/admin/calls/rehearse'],
    ['call scenario', '/admin/calls/scenario'],
    ['call words', '/admin/calls/words'],
    ['notifications', '/admin/notifications'],
    ['notification template', templatePath],
    ['notification usage', '/admin/notifications/usage'],
    ['reports', '/admin/reports'],
    ['bookings report', '/admin/reports/bookings'],
    ['bookings report of one venue', `/admin/reports/bookings?venue=${venue.id}`],
    ['phone report', '/admin/reports/phone'],
    ['usage report', '/admin/reports/usage'],
    ['monthly report', '/admin/reports/monthly'],
    ['settings', '/admin/settings'],
    ['users', '/admin/users'],
    ['access log', '/admin/access-log'],
    ['own account', '/admin/account'],
  ];
});

after(async () => {
  await env?.close();
});

async function visit(path) {
  consoleErrors = [];
  const res = await page.goto(path);
  assert.equal(res.status(), 200, `${path} answered ${res.status()}`);
  // Console messages of the load arrive asynchronously.
  await page.waitForLoadState('load');
}

/** What is wrong with the page as it is now: sideways scrolling, console errors (CSP refusals first), axe. */
async function problemsOf(what) {
  const problems = [];
  const w = await pageWidth(page);
  if (w.scrollWidth > w.clientWidth) {
    problems.push(`${what}: page is ${w.scrollWidth}px wide in a ${w.clientWidth}px screen; sticking out: ${JSON.stringify(w.over)}`);
  }
  const csp = consoleErrors.filter((m) => /Content Security Policy/i.test(m));
  if (csp.length) problems.push(`${what}: the site's CSP blocked ${csp.length} thing(s): ${csp[0]}`);
  const other = consoleErrors.filter((m) => !csp.includes(m));
  if (other.length) problems.push(`${what}: console errors: ${other.join(' | ')}`);
  try {
    await checkA11y(page, what);
  } catch (e) {
    problems.push(e.message);
  }
  return problems;
}

describe('admin console on a phone', () => {
  test('the daily list found from the demo data has bookings', async () => {
    const [, listPath] = pages.find(([name]) => name === 'daily list');
    await visit(listPath);
    assert.ok((await page.locator('table.daily-list tbody a[href^="/admin/bookings/"]').count()) > 0, `${listPath}: no bookings listed`);
  });

  for (const width of [375, 320]) {
    test(`every page fits a ${width}px screen, with no CSP errors and no axe violations`, async () => {
      await page.setViewportSize({ width, height: 812 });
      const problems = [];
      for (const [what, path] of pages) {
        await visit(path);
        problems.push(...(await problemsOf(`${what} at ${width}px`)));
      }
      assert.deepEqual(problems, []);
    });
  }

  test('signed out, the sign-in page fits too', async () => {
    const guest = await env.newPage({ viewport: { width: 320, height: 640 }, isMobile: true, hasTouch: true });
    const errors = [];
    guest.on('console', (msg) => msg.type() === 'error' && errors.push(msg.text()));
    await guest.goto('/admin/login');
    const w = await pageWidth(guest);
    assert.ok(w.scrollWidth <= w.clientWidth, `sign-in: ${w.scrollWidth}px in ${w.clientWidth}px`);
    assert.deepEqual(errors, []);
    await checkA11y(guest, 'sign-in at 320px');
  });

  test('the search form: the cancelled-too checkbox sits beside its label', async () => {
    await page.setViewportSize({ width: 375, height: 812 });
    await visit('/admin/bookings');
    const box = await page.getByRole('checkbox', { name: '取消済みも表示' }).boundingBox();
    const label = await page.locator('label[for=q-cancelled]').boundingBox();
    // Same line: their vertical middles within a few pixels, label to the right.
    assert.ok(Math.abs(box.y + box.height / 2 - (label.y + label.height / 2)) <= 4, `checkbox ${JSON.stringify(box)} vs label ${JSON.stringify(label)}`);
    assert.ok(label.x >= box.x + box.width, 'the label follows the checkbox');
  });

  test('a wide table (the daily list) scrolls inside its own box, which says so and takes the keyboard', async () => {
    await page.setViewportSize({ width: 375, height: 812 });
    const [, path] = pages.find(([name]) => name === 'daily list');
    await visit(path);
    const region = page.getByRole('region', { name: /横にスクロールできます/ });
    const r = await region.evaluate((el) => ({
      overflowX: getComputedStyle(el).overflowX,
      scrollWidth: el.scrollWidth,
      clientWidth: el.clientWidth,
      tabIndex: el.tabIndex,
    }));
    assert.ok(r.scrollWidth > r.clientWidth, `the list is ${r.scrollWidth}px in a ${r.clientWidth}px box: nothing to scroll`);
    assert.ok(['auto', 'scroll'].includes(r.overflowX), `the list's box does not scroll (overflow-x: ${r.overflowX})`);
    assert.equal(r.tabIndex, 0, 'keyboard users can scroll it');
  });

  test('on a phone each search result is a card with the column names; on a desk it stays a table', async () => {
    const [, path] = pages.find(([name]) => name === 'booking search with results');
    await page.setViewportSize({ width: 375, height: 812 });
    await visit(path);
    const row = page.getByRole('row').nth(1);
    const cells = row.getByRole('cell');
    assert.equal(await cells.count(), 8, 'still a table row of 8 cells for screen readers');
    const number = cells.first().getByRole('link');
    assert.match(await number.innerText(), /^\d{8}$/);
    const card = await row.evaluate((tr) => {
      const td = tr.querySelectorAll('td');
      const label = (el) => getComputedStyle(el, '::before').content;
      const box = (el) => el.getBoundingClientRect();
      return {
        width: box(tr).width,
        labels: [...td].map(label),
        // Stacked: the date sits below the number.
        stacked: box(td[1]).top >= box(td[0]).bottom - 1,
        linkHeight: box(td[0].querySelector('a')).height,
      };
    });
    assert.ok(card.width <= 375, `a card is ${card.width}px wide`);
    assert.ok(card.stacked, 'the fields are stacked');
    assert.deepEqual(card.labels.map((c) => c.replace(/ \/ ""$/, '')), ['"予約番号"', '"日時"', '"会場"', '"氏名"', '"フリガナ"', '"人数"', '"受付"', '"状態"']);
    assert.ok(card.linkHeight >= 44, `the reservation number is ${card.linkHeight}px high to tap`);

    await page.setViewportSize({ width: 1280, height: 800 });
    assert.equal(await row.evaluate((tr) => getComputedStyle(tr).display), 'table-row', 'a table on a desk');
    await page.setViewportSize({ width: 375, height: 812 });
  });

  test('/favicon.ico is an icon, and the console pages point to it', async () => {
    const r = await fetch(`${env.url}/favicon.ico`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^image\//);
    await visit('/admin');
    assert.equal(await page.locator('link[rel=icon]').getAttribute('href'), '/favicon.ico');
  });
});
