// Shared setup for the browser tests: Debian's chromium through
// playwright-core (never `npx playwright install`), the page under test at
// BROKERSIM_URL (started by `cargo xtask test`), and small helpers that
// drive the page the way a student does.
import { chromium } from 'playwright-core';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateRawSync } from 'node:zlib';

export const URL_BASE = process.env.BROKERSIM_URL || 'http://127.0.0.1:8080/';
export const CLI = process.env.BROKERSIM_CLI || 'target/debug/brokersim';
export const HERE = dirname(fileURLToPath(import.meta.url));
export const SHOTS = join(HERE, 'screenshots');
mkdirSync(SHOTS, { recursive: true });

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--disable-dev-shm-usage', '--enable-precise-memory-info',
    ],
  });
}

/// A fresh page at `fragment`, collecting console errors and page errors.
export async function open(browser, fragment = '', viewport = { width: 1280, height: 720 }) {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(URL_BASE + fragment);
  await page.waitForSelector('[data-broker="b1"]');
  // The panels below the cluster join just after the first paint.
  await page.waitForSelector('.page[data-settled]');
  return { page, errors, context };
}

/// The link fragment for a scenario object, as the page encodes it.
export function fragmentFor(scenario) {
  return '#s=' + deflateRawSync(Buffer.from(JSON.stringify(scenario))).toString('base64url');
}

/// Moves the timeline to `ms` as dragging the slider does.
export async function seek(page, ms) {
  await page.evaluate((ms) => {
    const t = document.getElementById('timeline');
    t.value = String(ms);
    t.dispatchEvent(new Event('input', { bubbles: true }));
  }, ms);
}

export async function runToEnd(page) {
  await page.click('#to-end');
  await page.waitForFunction(() => /finished/.test(document.getElementById('phase').textContent), null, { timeout: 60_000 });
}

/// The report the page shows, in the CLI's JSON shape (the fields compared).
export async function pageReport(page) {
  return page.evaluate(() => {
    const v = (k) => document.querySelector(`[data-report="${k}"]`).textContent.trim();
    const n = (k) => Number(v(k));
    return {
      published: n('published'), confirmed: n('confirmed'), rejected: n('rejected'),
      indeterminate: n('indeterminate'), delivered: n('delivered'), redelivered: n('redelivered'),
      duplicated: n('duplicated'), lost: n('lost'), unavailable_ms: n('unavailable_ms_raw'),
      failovers: n('failovers'),
      detection_ms: v('detection_ms_raw') === '' ? [] : v('detection_ms_raw').split(',').map(Number),
      violations: n('violations_count'), trace_hash: v('trace_hash'),
    };
  });
}

export function freshDir() {
  return mkdtempSync(join(tmpdir(), 'brokersim-'));
}
