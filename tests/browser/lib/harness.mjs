// Shared harness of the browser tests: a fresh madoguchi server per test
// file (its own temporary SQLite database, a fixed clock, a free port),
// Debian's Chromium driven by playwright-core, the JSON API for set-up and
// checks, and axe-core for accessibility.
//
// The server binary is $MADOGUCHI_BIN, else ../../target/debug/madoguchi
// relative to this folder (`cargo build -p madoguchi` makes it).

import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The tests folder (tests/browser). */
export const testsDir = path.resolve(here, '..');

/** The instant the service clock starts at: a Wednesday morning in Japan. */
export const NOW = '2026-11-25T10:00:00+09:00';
/** The first bookable day as of NOW (bookable from the next day). */
export const FIRST_DAY = '2026-11-26';

export const CHROMIUM = process.env.MADOGUCHI_CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export function serverBinary() {
  const bin = process.env.MADOGUCHI_BIN || path.resolve(testsDir, '../../target/debug/madoguchi');
  if (!existsSync(bin)) {
    throw new Error(`madoguchi binary not found at ${bin}: run \`cargo build -p madoguchi\` or set MADOGUCHI_BIN`);
  }
  return bin;
}

/**
 * Starts `madoguchi serve --demo` on a free loopback port with a database in
 * a new temporary folder. Resolves once it prints its listening line (and,
 * with `demoAdmin`, the demo administrator's one-time password too).
 * Returns { url, admin?: { user, password }, stop(), logs() }.
 */
export async function startServer({ now = NOW, timeoutMs = 60_000, demoAdmin = false } = {}) {
  const dir = await mkdtemp(path.join(tmpdir(), 'madoguchi-browser-'));
  const db = path.join(dir, 'test.db');
  const child = spawn(
    serverBinary(),
    ['--db', db, '--now', now, 'serve', '--demo', '--listen', '127.0.0.1:0'],
    {
      env: {
        ...process.env,
        MADOGUCHI_WEB_RATE_LIMIT_EXEMPT_LOOPBACK: 'true',
        // Many servers run at once here; the phone has its own tests.
        MADOGUCHI_VOICE_ENABLED: 'false',
        RUST_LOG: process.env.RUST_LOG || 'warn',
        NO_COLOR: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
    if (stderr.length > 200_000) stderr = stderr.slice(-100_000);
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  // Never leave a server behind, even when the test process dies early.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  exited.then(() => process.removeListener('exit', killOnExit));

  const found = await new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => {
      reject(new Error(`madoguchi did not print its listening line within ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const m = stdout.match(/madoguchi listening on (http:\/\/\S+)/);
      const admin = stdout.match(/demo admin: user=(\S+) password=(\S+)/);
      if (m && (admin || !demoAdmin)) {
        clearTimeout(timer);
        resolve({ url: m[1].replace(/\/$/, ''), admin: admin ? { user: admin[1], password: admin[2] } : undefined });
      }
    });
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`madoguchi exited early (code ${code}, signal ${signal})\n${stderr}`));
    });
  }).catch(async (e) => {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw e;
  });

  return {
    ...found,
    logs: () => stderr,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Launches Debian's Chromium headless with a fresh temporary profile. */
export async function launchBrowser() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: apt-get install chromium fonts-noto-cjk`);
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/**
 * One server and one browser for a test file. Call in `before`, and
 * `close()` in `after`. `newPage()` gives a page in a fresh context (no
 * cookies shared with other tests).
 */
export async function setUp(serverOptions = {}) {
  const server = await startServer(serverOptions);
  let browser;
  try {
    browser = await launchBrowser();
  } catch (e) {
    await server.stop();
    throw e;
  }
  const contexts = [];
  return {
    server,
    browser,
    url: server.url,
    api: new Api(server.url),
    async newPage(options = {}) {
      const context = await browser.newContext({ baseURL: server.url, locale: 'ja-JP', ...options });
      contexts.push(context);
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      page.setDefaultNavigationTimeout(15_000);
      return page;
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => {});
      await browser?.close().catch(() => {});
      await server.stop();
    },
  };
}

/** The JSON API, for set-up and for checking what the pages did. */
export class Api {
  constructor(base) {
    this.base = base;
  }

  async request(method, urlPath, body) {
    const res = await fetch(this.base + urlPath, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, json, text };
  }

  async venues() {
    const r = await this.request('GET', '/api/v1/venues');
    assert.equal(r.status, 200, r.text);
    return r.json;
  }

  /** Free slots (remaining > 0) of a venue in [from, to]. */
  async availability(venueId, from, to) {
    const q = new URLSearchParams();
    if (from) q.set('from', from);
    if (to) q.set('to', to ?? from);
    const r = await this.request('GET', `/api/v1/venues/${venueId}/availability?${q}`);
    assert.equal(r.status, 200, r.text);
    return r.json.slots;
  }

  /** Seats left in a slot for the web (0 when the API no longer lists it). */
  async remaining(venueId, slotId, date) {
    const slots = await this.availability(venueId, date, date);
    return slots.find((s) => s.id === slotId)?.remaining ?? 0;
  }

  /** The first free slot of a venue (from FIRST_DAY on) matching `pred`. */
  async findSlot(venueId, pred = () => true, { from = FIRST_DAY, to } = {}) {
    const slots = await this.availability(venueId, from, to);
    const slot = slots.find(pred);
    assert.ok(slot, `no free slot at venue ${venueId} matching ${pred}`);
    return slot;
  }

  /** Books as "another user" through the API; returns the booking JSON. */
  async book(slotId, overrides = {}) {
    const body = {
      slot_id: slotId,
      party_size: 1,
      name: '別人 花子',
      name_kana: 'ベツジン ハナコ',
      birth_date: '1970-05-05',
      phone: '080-9999-0000',
      email: '',
      notify: 'sms',
      ...overrides,
    };
    const r = await this.request('POST', '/api/v1/bookings', body);
    assert.equal(r.status, 201, `booking slot ${slotId} through the API failed: ${r.text}`);
    return r.json;
  }

  /** Books until the slot has `left` web seats remaining. */
  async fillSlot(slot, left = 0) {
    let remaining = slot.remaining;
    let n = 0;
    while (remaining > left) {
      n += 1;
      await this.book(slot.id, { phone: `080-7777-${String(1000 + n)}` });
      remaining -= 1;
    }
    const date = slot.start.slice(0, 10);
    assert.equal(await this.remaining(slot.venue_id, slot.id, date), left);
  }

  async booking(number, phone) {
    return this.request('GET', `/api/v1/bookings/${encodeURIComponent(number)}?phone=${encodeURIComponent(phone)}`);
  }
}

/** The date part (YYYY-MM-DD, Japan time) of an API slot. */
export const slotDate = (slot) => slot.start.slice(0, 10);

/** "9:00〜9:30" as the pages show an API slot's time. */
export function slotTime(slot) {
  const hm = (iso) => {
    const [h, m] = iso.slice(11, 16).split(':');
    return `${Number(h)}:${m}`;
  };
  return `${hm(slot.start)}〜${hm(slot.end)}`;
}

/** Every rule set axe-core has for the pages' level: WCAG 2.0, 2.1 and 2.2 A/AA, and best practice. */
export const A11Y_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];

/**
 * Runs axe-core on the page as it is now (every tag above) and fails on any
 * violation, whatever its impact, printing each with its elements.
 */
export async function checkA11y(page, state) {
  const results = await new AxeBuilder({ page })
    .withTags(A11Y_TAGS)
    // Experimental in axe, so off by default: a link's name must contain its visible text (WCAG 2.5.3).
    .options({ rules: { 'label-content-name-mismatch': { enabled: true } } })
    .analyze();
  if (results.violations.length) {
    const lines = results.violations.map((v) => {
      const nodes = v.nodes
        .slice(0, 5)
        .map((n) => `      ${n.target.join(' ')}\n        ${n.failureSummary?.replace(/\n/g, '\n        ')}`)
        .join('\n');
      return `  - ${v.id} (${v.impact}, ${v.nodes.length} nodes): ${v.help}\n    ${v.helpUrl}\n${nodes}`;
    });
    assert.fail(`accessibility violations on "${state}" (${page.url()}):\n${lines.join('\n')}`);
  }
}

/** Ticks every box of the checklist and goes on. */
export async function passEligibility(page) {
  await page.waitForURL(/\/eligibility/);
  const boxes = page.locator('input[type=checkbox][name=confirm]');
  assert.equal(await boxes.count(), 3, 'the checklist has three items');
  for (const box of await boxes.all()) await box.check();
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/eligibility')), page.getByRole('button', { name: '次へ進む' }).click()]);
}

/** Visible text of an element, whitespace collapsed. */
export async function textOf(locator) {
  return (await locator.innerText()).replace(/\s+/g, ' ').trim();
}

/** A reservation number as the pages group it: 1234-5678. */
export const grouped = (no) => `${no.slice(0, 4)}-${no.slice(4)}`;

/** Waits for the page's main heading (h1) to read `name` (string: contains; RegExp). */
export async function heading(page, name) {
  const h1 = page.getByRole('heading', { level: 1, name });
  await h1.waitFor({ state: 'visible' });
  return h1;
}

/** The value cell of a row of a details table (th scope=row → td). */
export function detailsRow(page, label) {
  return page.locator('table.details tr', { has: page.locator('th', { hasText: new RegExp(`^${label}$`) }) }).locator('td');
}

/**
 * On a venue's calendar, goes to the month of `date` with 次の月 / 前の月
 * and clicks that day. The day must be open.
 */
export async function clickCalendarDay(page, date) {
  const cell = page.locator(`table.calendar td.open[data-date="${date}"] a`);
  for (let i = 0; i < 4 && (await cell.count()) === 0; i += 1) {
    const first = await page.locator('table.calendar td[data-date]').first().getAttribute('data-date');
    const label = date < first ? '前の月' : '次の月';
    const month = await page.locator('nav.months .month').innerText();
    await page.getByRole('link', { name: label }).click();
    await page.locator('nav.months .month', { hasNotText: month }).waitFor();
  }
  await cell.click();
}


/** Signs in to the admin console as `admin` ({ user, password }) and waits for the dashboard. */
export async function signInAdmin(page, admin) {
  await page.goto('/admin/login');
  await page.locator('#login').fill(admin.user);
  await page.locator('#password').fill(admin.password);
  await Promise.all([page.waitForURL(/\/admin\/?$/), page.getByRole('button', { name: 'サインイン' }).click()]);
}

/**
 * How wide the document is against the screen, with the elements that stick
 * out past its right edge (widest first), to tell what to fix.
 */
export async function pageWidth(page) {
  return page.evaluate(() => {
    const clientWidth = document.documentElement.clientWidth;
    const over = [];
    // Inside a box that scrolls (or clips) sideways on its own is fine.
    const clipped = (el) => {
      for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
        if (getComputedStyle(a).overflowX !== 'visible') return true;
      }
      return false;
    };
    for (const el of document.body.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (clipped(el)) continue;
      if (r.right > clientWidth + 0.5 && r.width > 0) {
        const id = el.id ? `#${el.id}` : '';
        const cls = typeof el.className === 'string' && el.className ? `.${el.className.trim().split(/\s+/).join('.')}` : '';
        over.push({ el: `${el.tagName.toLowerCase()}${id}${cls}`, right: Math.round(r.right) });
      }
    }
    over.sort((a, b) => b.right - a.right);
    return { scrollWidth: document.documentElement.scrollWidth, clientWidth, over: over.slice(0, 6) };
  });
}
