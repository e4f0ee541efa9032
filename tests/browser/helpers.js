// Shared setup for the browser tests: Debian's chromium through
// playwright-core (never `npx playwright install`), the page under test at
// BROKERSIM_URL (started by `cargo xtask test`), and small helpers that
// drive the page the way a student does.
import { chromium } from 'playwright-core';
import { mkdtempSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateRawSync, inflateRawSync } from 'node:zlib';

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

/// A fresh page at `query` (an address suffix: `?preset=…`, `#s=…`),
/// collecting console errors and page errors, once `wait` is drawn and,
/// when `settled`, the panels below the cluster have joined (they do just
/// after the first paint; compare mode has no such mark).
export async function openPage(browser, query, {
  viewport = { width: 1280, height: 720 }, wait = '[data-broker="b1"]', settled = true,
} = {}) {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(URL_BASE + query);
  await page.waitForSelector(wait);
  if (settled) await page.waitForSelector('.page[data-settled]');
  return { page, errors, context };
}

/// A fresh page at `fragment`, settled.
export async function open(browser, fragment = '', viewport = { width: 1280, height: 720 }) {
  return openPage(browser, fragment, { viewport });
}

/// The link fragment for a scenario object, as the page encodes it.
export function fragmentFor(scenario) {
  return '#s=' + deflateRawSync(Buffer.from(JSON.stringify(scenario))).toString('base64url');
}

/// The JSON a share link carries after `key` (`#s=`, `#c=`), unpacked.
export function linkData(link, key) {
  const data = link.split(key)[1];
  return JSON.parse(inflateRawSync(Buffer.from(data, 'base64url')).toString('utf8'));
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
      duplicated: n('duplicated'), unconsumed: n('unconsumed'), lost: n('lost'), unavailable_ms: n('unavailable_ms_raw'),
      failovers: n('failovers'),
      detection_ms: v('detection_ms_raw') === '' ? [] : v('detection_ms_raw').split(',').map(Number),
      violations: n('violations_count'), trace_hash: v('trace_hash'),
    };
  });
}

export function freshDir() {
  return mkdtempSync(join(tmpdir(), 'brokersim-'));
}

// The Chinese-UI check (course.test.js, compare.test.js): no English text of
// the catalogue left in the page.

/// The English texts of the catalogue (crates/brokersim-web/src/i18n.rs)
/// whose Chinese differs: `Name => "en", "zh";` and `("en", "zh"),` lines.
export function englishCatalogue() {
  const src = readFileSync(join(HERE, '../../crates/brokersim-web/src/i18n.rs'), 'utf8');
  const unq = (s) => JSON.parse(s);
  const out = [];
  for (const m of src.matchAll(/^\s*\w+ => ("(?:[^"\\]|\\.)*"), ("(?:[^"\\]|\\.)*");$/gm)) {
    if (unq(m[1]) !== unq(m[2])) out.push(unq(m[1]));
  }
  for (const m of src.matchAll(/^\s*\(("(?:[^"\\]|\\.)*"), ("(?:[^"\\]|\\.)*")\),$/gm)) {
    if (unq(m[1]) !== unq(m[2])) out.push(unq(m[1]));
  }
  return out;
}

/// Every text a user sees or hears in the page: visible text nodes and the
/// aria-label, title and placeholder attributes (outside scenario data:
/// the preset's own title and description, code).
export async function pageTexts(page, skipped = '#scenario-title, #scenario-description, .presets, #preset, code, textarea, [hidden]') {
  return page.evaluate((skipped) => {
    const skip = (el) => el.closest(skipped);
    const out = [];
    const walker = document.createTreeWalker(document.getElementById('app'), NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      const t = n.textContent.trim();
      if (t && el && !skip(el)) out.push(t);
    }
    for (const el of document.querySelectorAll('#app [aria-label], #app [title], #app [placeholder]')) {
      if (skip(el)) continue;
      for (const a of ['aria-label', 'title', 'placeholder']) {
        const v = el.getAttribute(a);
        if (v) out.push(v.trim());
      }
    }
    return out;
  }, skipped);
}

export function leftovers(texts, catalogue) {
  const fragments = new Set();
  for (const en of catalogue) {
    for (const part of en.split(/\{\d\}/)) {
      const p = part.trim().replace(/^[^A-Za-z]+|[^A-Za-z]+$/g, '');
      // RPO and RTO stay as they are, beside their Chinese.
      if (/[A-Za-z]{2,}/.test(p) && !['RPO', 'RTO'].includes(p)) fragments.add(p);
    }
  }
  const bad = [];
  for (const text of texts) {
    for (const f of fragments) {
      // Short words must be the whole text (a status word, a label); longer
      // phrases anywhere in it.
      const stripped = text.replace(/^[^A-Za-z]+|[^A-Za-z]+$/g, '');
      if (stripped === f || (f.length >= 12 && text.includes(f))) bad.push(`${JSON.stringify(text)} ~ ${JSON.stringify(f)}`);
    }
  }
  return bad;
}

/// Runs of three English words in a row (`the site is`), where a Chinese
/// text keeps at most an option name or value. Option values written with
/// spaces would need listing here; none are shown today.
export function englishPhrases(texts) {
  return texts.filter((t) => /(^|[^A-Za-z_.=-])[A-Za-z]{3,} [A-Za-z]{3,} [A-Za-z]{3,}([^A-Za-z_.=-]|$)/.test(t));
}
