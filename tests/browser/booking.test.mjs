// Booking on the web: the whole happy path, the form's validation, and a
// slot that fills while the resident is on the confirmation page.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  setUp,
  checkA11y,
  passEligibility,
  heading,
  detailsRow,
  textOf,
  slotDate,
  slotTime,
} from './lib/harness.mjs';

let env;
before(async () => {
  env = await setUp();
});
after(async () => {
  await env?.close();
});

/** Fills the personal-details form as a resident types it. */
async function fillDetails(page, d) {
  if (d.party !== undefined) await page.getByLabel('来庁する人数').selectOption(String(d.party));
  await page.getByLabel('代表者のお名前').fill(d.name);
  await page.getByLabel('フリガナ').fill(d.kana);
  await page.getByLabel('代表者の生年月日').fill(d.birth);
  if (d.notify) await page.getByRole('radio', { name: d.notify, exact: true }).check();
  await page.getByLabel('電話番号').fill(d.phone);
  if (d.email !== undefined) await page.getByLabel('メールアドレス').fill(d.email);
}

describe('booking', () => {
  test('happy path: start → checklist → venue → day → slot → details → confirm → reservation number', async () => {
    const page = await env.newPage();

    await page.goto('/');
    await heading(page, 'マイナンバーカード電子証明書更新の来庁予約');
    await checkA11y(page, 'start');
    await page.getByRole('link', { name: '予約をはじめる' }).click();

    await heading(page, '予約の前にご確認ください');
    await checkA11y(page, 'eligibility');
    await passEligibility(page);

    await heading(page, '会場を選んでください');
    assert.equal(new URL(page.url()).pathname, '/venues');
    await checkA11y(page, 'venues');
    await page.getByRole('link', { name: '本庁舎 市民課', exact: true }).click();

    await heading(page, '本庁舎 市民課：日にちを選んでください');
    await checkA11y(page, 'calendar');
    const day = page.locator('table.calendar td.open[data-date]').first();
    const date = await day.getAttribute('data-date');
    await day.locator('a').click();

    await heading(page, /本庁舎 市民課：.*の時間を選んでください/);
    assert.equal(new URL(page.url()).pathname, `/venues/1/${date}`);
    await checkA11y(page, 'day');
    // Two people come, so pick a time with at least two seats left.
    const slot = page.locator('a.slot.open', { hasText: /残り[2-9]/ }).first();
    const slotId = Number(await slot.getAttribute('data-slot-id'));
    const time = await textOf(slot.locator('.time'));
    await slot.click();

    await heading(page, 'お名前と連絡先を入力してください');
    assert.equal(new URL(page.url()).pathname, `/book/${slotId}`);
    const summary = await textOf(page.locator('.summary-box'));
    assert.match(summary, /本庁舎 市民課/);
    assert.ok(summary.includes(time), `the form names the chosen time ${time}: ${summary}`);
    await checkA11y(page, 'form');

    await fillDetails(page, {
      party: 2,
      name: '一宮 太郎',
      kana: 'いちのみや たろう',
      birth: '昭和35年4月1日',
      notify: 'SMSとメールの両方',
      phone: '０９０－１２３４－５６７８',
      email: 'taro@example.jp',
    });
    await page.getByRole('button', { name: '入力内容を確認する' }).click();

    await heading(page, '予約内容の確認');
    await checkA11y(page, 'confirm');
    assert.equal(await textOf(detailsRow(page, '会場').locator('.venue-name')), '本庁舎 市民課');
    assert.ok((await textOf(detailsRow(page, '日時'))).includes(time));
    assert.equal(await textOf(detailsRow(page, '人数')), '2人');
    assert.equal(await textOf(detailsRow(page, 'お名前')), '一宮 太郎');
    assert.equal(await textOf(detailsRow(page, 'フリガナ')), 'イチノミヤ タロウ');
    assert.equal(await textOf(detailsRow(page, '生年月日')), '1960年4月1日（昭和35年）');
    assert.equal(await textOf(detailsRow(page, '電話番号')), '090-1234-5678');
    assert.equal(await textOf(detailsRow(page, 'メールアドレス')), 'taro@example.jp');
    await page.getByRole('button', { name: 'この内容で予約する' }).click();

    await heading(page, '予約が完了しました');
    assert.equal(new URL(page.url()).pathname, '/booked');
    await checkA11y(page, 'done');
    const shown = await textOf(page.locator('.big-number'));
    assert.match(shown, /^\d{4}-\d{4}$/, `reservation number shown as 1234-5678: ${shown}`);
    const number = shown.replace('-', '');
    assert.ok((await textOf(detailsRow(page, '日時'))).includes(time));
    assert.equal(await textOf(detailsRow(page, '状態')), '予約中');

    const r = await env.api.booking(number, '09012345678');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.reservation_no, number);
    assert.equal(r.json.status, 'booked');
    assert.equal(r.json.slot_id, slotId);
    assert.equal(r.json.venue_id, 1);
    assert.equal(r.json.party_size, 2);
    assert.equal(r.json.start.slice(0, 10), date);
  });

  test('validation: bad values get a Japanese message at each field, everything typed is kept, nothing is booked', async () => {
    const slot = await env.api.findSlot(5, (s) => s.remaining >= 2);
    const date = slotDate(slot);
    const page = await env.newPage();
    await page.goto(`/venues/5/${date}`);
    await passEligibility(page);
    await page.locator(`a.slot.open[data-slot-id="${slot.id}"]`).click();
    await heading(page, 'お名前と連絡先を入力してください');

    const typed = {
      party: 2,
      name: '',
      kana: 'ABC',
      birth: '昭和70年1月1日',
      notify: 'メール',
      phone: '123',
      email: 'taro@example.jp',
    };
    await fillDetails(page, typed);
    await page.getByRole('button', { name: '入力内容を確認する' }).click();

    const summary = page.locator('#error-summary');
    await summary.waitFor();
    // Focus moves to the summary, so a screen reader reads it first.
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'error-summary');
    await heading(page, 'お名前と連絡先を入力してください');
    assert.match(await textOf(summary), /入力内容に誤りがあります/);
    await checkA11y(page, 'form with errors');

    const japanese = /[\u3040-\u30ff\u4e00-\u9fff]/;
    for (const field of ['name', 'name_kana', 'birth_date', 'phone']) {
      // The message sits in the field's own block, right above its input.
      const block = page.locator('.field', { has: page.locator(`#${field}`) });
      const message = block.locator('.error-text');
      assert.ok(await message.isVisible(), `a message is shown at ${field}`);
      const text = await textOf(message);
      assert.match(text, japanese, `the message at ${field} is in Japanese: ${text}`);
      assert.equal(await page.locator(`#${field}`).getAttribute('aria-invalid'), 'true');
      const describedBy = await page.locator(`#${field}`).getAttribute('aria-describedby');
      assert.ok(describedBy.split(' ').includes(`${field}-error`), `${field} is described by its message`);
      // The summary links to the field.
      assert.equal(await summary.locator(`a[href="#${field}"]`).count(), 1, `summary links to ${field}`);
    }
    for (const field of ['party_size', 'email', 'notify']) {
      assert.equal(await page.locator(`#${field}-error`).count(), 0, `no message at ${field}`);
    }

    assert.equal(await page.getByLabel('来庁する人数').inputValue(), '2');
    assert.equal(await page.getByLabel('代表者のお名前').inputValue(), '');
    assert.equal(await page.getByLabel('フリガナ').inputValue(), 'ABC');
    assert.equal(await page.getByLabel('代表者の生年月日').inputValue(), '昭和70年1月1日');
    assert.equal(await page.getByLabel('電話番号').inputValue(), '123');
    assert.equal(await page.getByLabel('メールアドレス').inputValue(), 'taro@example.jp');
    assert.ok(await page.getByRole('radio', { name: 'メール', exact: true }).isChecked());

    // Nothing was booked: still on the form, and the seats are untouched.
    assert.equal(new URL(page.url()).pathname, `/book/${slot.id}`);
    assert.equal(await page.getByRole('button', { name: 'この内容で予約する' }).count(), 0);
    assert.equal(await env.api.remaining(5, slot.id, date), slot.remaining);
  });

  test('a slot that fills while confirming offers up to 3 alternatives, one click books the first', async () => {
    const venue = 3;
    const slot = await env.api.findSlot(venue, (s) => s.remaining >= 1);
    const date = slotDate(slot);
    await env.api.fillSlot(slot, 1);

    const page = await env.newPage();
    await page.goto(`/venues/${venue}/${date}`);
    await passEligibility(page);
    const link = page.locator(`a.slot.open[data-slot-id="${slot.id}"]`);
    assert.match(await textOf(link), /残り1/);
    await link.click();
    await heading(page, 'お名前と連絡先を入力してください');
    await fillDetails(page, {
      name: '尾張 花子',
      kana: 'オワリ ハナコ',
      birth: '平成2年12月24日',
      notify: 'SMS（携帯電話のショートメッセージ）',
      phone: '090-5555-6666',
    });
    await page.getByRole('button', { name: '入力内容を確認する' }).click();
    await heading(page, '予約内容の確認');

    // Someone else takes the last seat meanwhile.
    await env.api.book(slot.id, { phone: '080-4444-3333' });
    assert.equal(await env.api.remaining(venue, slot.id, date), 0);

    await page.getByRole('button', { name: 'この内容で予約する' }).click();
    await heading(page, '満席のため予約できませんでした');
    const reason = await textOf(page.getByRole('alert'));
    assert.match(reason, /満席になりました/);
    assert.ok(reason.includes(slotTime(slot)), `the page names the lost time ${slotTime(slot)}: ${reason}`);
    await checkA11y(page, 'full with alternatives');

    const offers = page.locator('ul.alternatives > li');
    const count = await offers.count();
    assert.ok(count >= 1 && count <= 3, `1 to 3 alternatives offered, got ${count}`);
    for (const offer of await offers.all()) {
      assert.equal(await offer.getByRole('button', { name: /この時間で予約する/ }).count(), 1);
    }
    const first = offers.first();
    const offerText = await textOf(first.locator('p'));
    const when = offerText.match(/\d{4}年\d{1,2}月\d{1,2}日（.）\s*\d{1,2}:\d{2}〜\d{1,2}:\d{2}/)?.[0];
    assert.ok(when, `the first alternative shows a date and time: ${offerText}`);
    const newSlotId = Number((await first.locator('form').getAttribute('action')).match(/\/book\/(\d+)\/confirm/)[1]);
    assert.notEqual(newSlotId, slot.id);
    await first.getByRole('button', { name: /この時間で予約する/ }).click();

    await heading(page, '予約が完了しました');
    const number = (await textOf(page.locator('.big-number'))).replace('-', '');
    assert.match(number, /^\d{8}$/);
    assert.equal(await textOf(detailsRow(page, '日時')), when.replace(/\s+/g, ' '));
    assert.match(await textOf(detailsRow(page, 'お名前')), /尾張 花子/);

    const r = await env.api.booking(number, '09055556666');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.slot_id, newSlotId);
    assert.equal(r.json.status, 'booked');
  });
});

// Cases that once went wrong: each guards its fix.
describe('error order, stale links and resubmission', () => {
  test(
    'the error summary lists the problems in the order of the form',
    async () => {
      const slot = await env.api.findSlot(7);
      const page = await env.newPage();
      await page.goto(`/book/${slot.id}`);
      await passEligibility(page);
      await heading(page, 'お名前と連絡先を入力してください');
      await page.getByRole('button', { name: '入力内容を確認する' }).click();
      await page.locator('#error-summary').waitFor();
      const linked = await page.locator('#error-summary a').evaluateAll((as) => as.map((a) => a.getAttribute('href').slice(1)));
      const formOrder = await page
        .locator('form .field.invalid')
        .evaluateAll((fs) => fs.map((f) => f.querySelector('input, select')?.id));
      assert.deepEqual(linked, formOrder);
    },
  );

  test(
    'a full slot opened from a stale link offers alternatives that lead to the empty form, without errors',
    async () => {
      const slot = await env.api.findSlot(8);
      await env.api.fillSlot(slot, 0);
      const page = await env.newPage();
      await page.goto(`/book/${slot.id}`);
      await passEligibility(page);
      await heading(page, '満席のため予約できませんでした');
      await page.getByRole('link', { name: /この時間を選ぶ/ }).first().click();
      await heading(page, 'お名前と連絡先を入力してください');
      assert.equal(await page.locator('.error-text').count(), 0, 'nothing typed yet, so nothing is wrong yet');
    },
  );

  test(
    'sending the confirmation twice (double click, or back and send again) books once',
    async () => {
      const slot = await env.api.findSlot(9, (s) => s.remaining >= 2);
      const date = slotDate(slot);
      const page = await env.newPage();
      await page.goto(`/book/${slot.id}`);
      await passEligibility(page);
      await fillDetails(page, { name: '二重 押子', kana: 'ニジュウ オシコ', birth: '1980年1月2日', phone: '090-8888-1111' });
      await page.getByRole('button', { name: '入力内容を確認する' }).click();
      await heading(page, '予約内容の確認');
      const form = page.locator('form', { has: page.getByRole('button', { name: 'この内容で予約する' }) });
      const fields = await form.evaluate((f) => Object.fromEntries(new FormData(f)));
      // The same confirmation arriving twice, as a double click sends it.
      for (let i = 0; i < 2; i += 1) {
        const r = await page.request.post(`/book/${slot.id}/confirm`, { form: fields, maxRedirects: 0 });
        assert.equal(r.status(), 303);
      }
      assert.equal(await env.api.remaining(9, slot.id, date), slot.remaining - 1, 'one seat taken, not two');
    },
  );
});
