// Looking up a booking with its number and phone, then changing or
// cancelling it.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setUp, checkA11y, heading, detailsRow, textOf, slotDate, slotTime, grouped, clickCalendarDay } from './lib/harness.mjs';

let env;
before(async () => {
  env = await setUp();
});
after(async () => {
  await env?.close();
});

/** Looks a booking up as a resident types it (number and phone with hyphens). */
async function lookUp(page, number, phone) {
  await page.goto('/lookup');
  await heading(page, '予約の確認・変更・取消');
  await page.getByLabel('予約番号').fill(number);
  await page.getByLabel('電話番号').fill(phone);
  await page.getByRole('button', { name: '予約を確認する' }).click();
}

/** Reloads the page and checks that the browser sent no form again (only GETs). */
async function assertReloadSendsNoForm(page) {
  const methods = [];
  const record = (req) => {
    if (req.isNavigationRequest()) methods.push(req.method());
  };
  page.on('request', record);
  await page.reload();
  page.off('request', record);
  assert.deepEqual(methods, ['GET'], 'a reload of the result page only reads it');
}

describe('manage a booking', () => {
  test('change: look up, pick another slot, the booking moves and the old seats come back', async () => {
    const party = 2;
    const old = await env.api.findSlot(1, (s) => s.remaining >= party + 1);
    const oldDate = slotDate(old);
    const booking = await env.api.book(old.id, { party_size: party, phone: '090-2222-3333', name: '変更 一郎', name_kana: 'ヘンコウ イチロウ' });
    const oldRemainingBefore = await env.api.remaining(1, old.id, oldDate);
    assert.equal(oldRemainingBefore, old.remaining - party);

    const page = await env.newPage();
    await lookUp(page, grouped(booking.reservation_no), '090-2222-3333');
    await heading(page, 'ご予約の内容');
    assert.equal(new URL(page.url()).pathname, '/manage');
    assert.equal(await textOf(detailsRow(page, '予約番号')), grouped(booking.reservation_no));
    assert.ok((await textOf(detailsRow(page, '日時'))).includes(slotTime(old)));
    assert.equal(await textOf(detailsRow(page, '人数')), `${party}人`);
    await checkA11y(page, 'manage');

    await page.getByRole('link', { name: '日時・会場を変更する' }).click();
    await heading(page, '会場を選んでください');
    assert.match(await textOf(page.locator('.step')), /予約の変更/);
    await checkA11y(page, 'venues (change)');
    await page.getByRole('link', { name: '木曽川事務所', exact: true }).click();

    await heading(page, '木曽川事務所：日にちを選んでください');
    await checkA11y(page, 'calendar (change)');
    // A time with room for both, next month (the calendar opens on this one).
    const target = await env.api.findSlot(3, (s) => s.remaining >= party, { from: '2026-12-01', to: '2026-12-31' });
    const newDate = slotDate(target);
    await clickCalendarDay(page, newDate);

    await heading(page, /木曽川事務所：.*の時間を選んでください/);
    assert.equal(new URL(page.url()).pathname, `/venues/3/${newDate}`);
    await checkA11y(page, 'day (change)');
    const slot = page.locator(`a.slot.open[data-slot-id="${target.id}"]`);
    assert.match(await textOf(slot), new RegExp(`残り${target.remaining}`));
    const newSlotId = target.id;
    const newTime = await textOf(slot.locator('.time'));
    assert.equal(newTime, slotTime(target));
    await slot.click();

    await heading(page, '予約の変更');
    assert.equal(new URL(page.url()).pathname, `/manage/change/${newSlotId}`);
    const now = await textOf(detailsRow(page, 'いまの予約'));
    const next = await textOf(detailsRow(page, '変更後'));
    assert.match(now, /本庁舎 市民課/);
    assert.ok(now.includes(slotTime(old)));
    assert.match(next, /木曽川事務所/);
    assert.ok(next.includes(newTime));
    await checkA11y(page, 'change confirm');
    await page.getByRole('button', { name: 'この日時に変更する' }).click();

    await heading(page, 'ご予約の内容');
    // Post/Redirect/Get: the result is a page of its own.
    assert.equal(new URL(page.url()).pathname + new URL(page.url()).search, '/manage?done=changed');
    assert.match(await textOf(page.getByRole('status')), /予約を変更しました/);
    assert.equal(await textOf(detailsRow(page, '会場').locator('.venue-name')), '木曽川事務所');
    assert.match(await textOf(detailsRow(page, '会場')), /愛知県一宮市木曽川町/);
    await assertReloadSendsNoForm(page);
    assert.match(await textOf(page.getByRole('status')), /予約を変更しました/);
    assert.ok((await textOf(detailsRow(page, '日時'))).includes(newTime));
    await checkA11y(page, 'manage (changed)');

    const r = await env.api.booking(booking.reservation_no, '09022223333');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.status, 'booked');
    assert.equal(r.json.slot_id, newSlotId);
    assert.equal(r.json.venue_id, 3);
    assert.equal(r.json.start.slice(0, 10), newDate);
    assert.equal(r.json.party_size, party);
    assert.equal(await env.api.remaining(1, old.id, oldDate), oldRemainingBefore + party, 'the old slot got its seats back');
  });

  test('cancel: look up, cancel, the booking is cancelled', async () => {
    const slot = await env.api.findSlot(5, (s) => s.remaining >= 1);
    const booking = await env.api.book(slot.id, { phone: '080-3333-4444', name: '取消 花子', name_kana: 'トリケシ ハナコ' });
    const remainingBooked = await env.api.remaining(5, slot.id, slotDate(slot));

    const page = await env.newPage();
    await lookUp(page, grouped(booking.reservation_no), '080-3333-4444');
    await heading(page, 'ご予約の内容');
    await page.getByRole('link', { name: '予約を取り消す' }).click();

    await heading(page, 'この予約を取り消しますか');
    assert.equal(new URL(page.url()).pathname, '/manage/cancel');
    assert.equal(await textOf(detailsRow(page, '予約番号')), grouped(booking.reservation_no));
    await checkA11y(page, 'cancel confirm');
    await page.getByRole('button', { name: '予約を取り消す' }).click();

    await heading(page, 'ご予約の内容');
    assert.equal(new URL(page.url()).pathname + new URL(page.url()).search, '/manage?done=cancelled');
    await assertReloadSendsNoForm(page);
    assert.match(await textOf(page.getByRole('status')), /予約を取り消しました/);
    assert.equal(await textOf(detailsRow(page, '状態')), '取消済み');
    assert.equal(await page.getByRole('link', { name: '日時・会場を変更する' }).count(), 0, 'a cancelled booking offers no change');
    await checkA11y(page, 'manage (cancelled)');

    const r = await env.api.booking(booking.reservation_no, '08033334444');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.status, 'cancelled');
    assert.equal(await env.api.remaining(5, slot.id, slotDate(slot)), remainingBooked + 1, 'the seat is free again');
  });

  test('a look-up with the wrong phone says the booking was not found', async () => {
    const slot = await env.api.findSlot(6, (s) => s.remaining >= 1);
    const booking = await env.api.book(slot.id, { phone: '090-4444-5555' });

    const page = await env.newPage();
    await page.goto('/lookup');
    await checkA11y(page, 'lookup');
    await lookUp(page, grouped(booking.reservation_no), '090-4444-5556');
    await heading(page, '予約の確認・変更・取消');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await textOf(alert), /予約が見つかりませんでした/);
    assert.equal(new URL(page.url()).pathname, '/lookup');
    // What was typed is kept for correcting.
    assert.equal(await page.getByLabel('予約番号').inputValue(), grouped(booking.reservation_no));
    assert.equal(await page.getByLabel('電話番号').inputValue(), '090-4444-5556');
    await checkA11y(page, 'lookup not found');

    // No manage grant came with it.
    await page.goto('/manage');
    await heading(page, '予約の確認・変更・取消');
    assert.equal(new URL(page.url()).pathname, '/lookup');
  });
});
