// What a user sees without hunting for it: the whole cluster on a phone,
// an error where they acted, the broker menu on screen, numbers that agree
// with each other, labels that wrap between words, the space bar that
// plays after a click on Step, and Chinese labels that are Chinese.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { launch, openPage, runToEnd, SHOTS } from './helpers.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const DESKTOP = { width: 1280, height: 720 };
const PHONE = { width: 390, height: 844 };

/// A fresh page at `query` once its cluster and its lower panels are drawn
/// (any page: the default, a preset, a comparison, with sites).
function openAt(query, viewport = DESKTOP) {
  return openPage(browser, query, { viewport, wait: '[data-broker]', settled: !query.includes('compare=') });
}

/// Whether the element's box lies inside the viewport (vertically and
/// horizontally); run in the page.
function inViewport(selector) {
  const el = document.querySelector(selector);
  if (!el) return false;
  const r = el.getBoundingClientRect();
  return r.height > 0 && r.top >= -0.5 && r.bottom <= window.innerHeight + 0.5
    && r.left >= 0 && r.right <= window.innerWidth;
}

async function onScreen(page, selector) {
  return page.evaluate(inViewport, selector);
}

/// Whether the element is on screen once a smooth or late scroll has had
/// up to 2 s to bring it there.
async function settlesOnScreen(page, selector) {
  await page.waitForFunction(inViewport, selector, { timeout: 2000 }).catch(() => {});
  return onScreen(page, selector);
}

/// The words (split at spaces and after dashes) of the text under
/// `selector` that the layout broke across two lines. An option name's
/// parts between its `<wbr>`s are separate text nodes, so a name may wrap
/// at its dots.
async function brokenWords(page, selector, pieces = '[^\\s-]+-?') {
  return page.evaluate(([selector, pieces]) => {
    const out = [];
    for (const el of document.querySelectorAll(selector)) {
      const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        for (const m of n.textContent.matchAll(new RegExp(pieces, 'g'))) {
          const range = document.createRange();
          range.setStart(n, m.index);
          range.setEnd(n, m.index + m[0].length);
          const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
          if (tops.size > 1) out.push(m[0]);
        }
      }
    }
    return out;
  }, [selector, pieces]);
}

for (const query of ['?preset=mirrored-master-crash', '?preset=dr-primary-site-lost', '?compare=kafka-acks']) {
  test(`on a 390 px phone every broker and client of ${query} is on screen and a click on a broker opens its menu`, async () => {
    const { page, errors, context } = await openAt(query, PHONE);
    const outside = await page.evaluate(() => [...document.querySelectorAll('[data-broker], [data-client]')]
      .map((el) => ({ name: el.dataset.broker || el.dataset.client, r: el.getBoundingClientRect() }))
      .filter(({ r }) => r.left < 0 || r.right > window.innerWidth)
      .map(({ name, r }) => `${name} at ${Math.round(r.left)}–${Math.round(r.right)}`));
    assert.deepEqual(outside, [], 'elements outside the 390 px viewport');
    const sideways = await page.evaluate(() => ({
      page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
      cluster: Math.max(...[...document.querySelectorAll('.cluster')].map((c) => c.scrollWidth - c.clientWidth)),
    }));
    assert.ok(sideways.page <= 1, `the page scrolls sideways by ${sideways.page}px`);
    assert.ok(sideways.cluster <= 1, `a cluster scrolls sideways by ${sideways.cluster}px`);
    await page.screenshot({ path: join(SHOTS, `phone-${query.replace(/\W+/g, '-')}.png`), fullPage: true });
    // Scaled down, the diagram still takes clicks where it draws things.
    const broker = page.locator('[data-broker]').nth(1);
    await broker.click();
    await page.waitForSelector('.menu[role="dialog"]');
    assert.deepEqual(errors, []);
    await context.close();
  });
}

test('at 1280×720 a failed Apply shows its error on screen, and so does a malformed import', async () => {
  const { page, errors, context } = await openAt('?preset=kafka-seed');
  await page.click('#configure summary');
  const field = page.locator('input[aria-label^="min.insync.replicas "]');
  await field.fill('5');
  await field.dispatchEvent('change');
  await page.click('#apply');
  await page.waitForSelector('#notice');
  assert.match(await page.textContent('#notice'), /min\.insync\.replicas: must be between 1 and 3 replicas, got 5/);
  const applyError = await settlesOnScreen(page, '#notice');
  await page.screenshot({ path: join(SHOTS, 'apply-error.png') });
  assert.ok(applyError, 'the error of Apply is within the viewport');
  // The same error again, after scrolling back down: on screen again.
  await page.click('#notice button');
  await page.locator('#apply').scrollIntoViewIfNeeded();
  await page.click('#apply');
  await page.waitForSelector('#notice');
  await page.waitForTimeout(100);
  assert.ok(await onScreen(page, '#notice'), 'the second error of Apply is within the viewport');

  await page.click('#notice button');
  await page.locator('#import').scrollIntoViewIfNeeded();
  await page.setInputFiles('#import', { name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from('{"system": ') });
  await page.waitForSelector('#notice');
  assert.match(await page.textContent('#notice'), /broken\.json/);
  await page.waitForTimeout(100);
  assert.ok(await onScreen(page, '#notice'), 'the error of the import is within the viewport');
  assert.deepEqual(errors, []);
  await context.close();
});

test('at 1280×720 a clicked broker\'s menu opens on screen, its Close button included', async () => {
  const { page, errors, context } = await openAt('');
  await page.click('[data-broker="b3"]');
  await page.waitForSelector('#broker-menu');
  const menu = await settlesOnScreen(page, '#broker-menu');
  await page.screenshot({ path: join(SHOTS, 'broker-menu.png') });
  assert.ok(await onScreen(page, '#broker-menu button[aria-label]:last-child'), 'the Close button is on screen');
  assert.ok(menu, 'the whole menu is on screen');
  assert.deepEqual(errors, []);
  await context.close();
});

test('the report counts every lost message among its violations, and its labels and the settings table wrap between words only', async () => {
  const { page, errors, context } = await openAt('?preset=partition-ignore');
  await runToEnd(page);
  const lost = Number(await page.textContent('[data-report="lost"]'));
  const title = await page.textContent('.violations-title');
  const count = Number(title.match(/\d+/)[0]);
  assert.ok(lost > 100, `this run loses more messages than the core lists (${lost})`);
  assert.ok(count >= lost, `"${title}" next to lost ${lost}`);
  assert.deepEqual(await brokenWords(page, '.numbers .num dt, .numbers .num dd'), []);
  // The detection times wrap after their commas, each "5.0 s" whole.
  assert.ok((await page.textContent('[data-report="detection_ms"]')).split(',').length >= 3);
  assert.deepEqual(await brokenWords(page, '[data-report="detection_ms"]', '[^,\\s][^,]*'), []);

  await page.click('#configure summary');
  await page.screenshot({ path: join(SHOTS, 'configure.png'), fullPage: true });
  assert.deepEqual(await brokenWords(page, '.config table.settings th, .config table.settings td.default'), []);
  assert.deepEqual(errors, []);
  await context.close();
});

test('after a click on Step the space bar plays and pauses; in a text field it types a space', async () => {
  const { page, errors, context } = await openAt('');
  await page.click('#step');
  const stepped = await page.textContent('#clock');
  await page.keyboard.press('Space');
  await page.waitForFunction(() => /pause/i.test(document.getElementById('play').getAttribute('aria-label')), null, { timeout: 2000 })
    .catch(() => {});
  assert.match(await page.getAttribute('#play', 'aria-label'), /pause/i, `space did not play (clock ${stepped} → ${await page.textContent('#clock')})`);
  await page.keyboard.press('Space');
  await page.waitForFunction(() => /play/i.test(document.getElementById('play').getAttribute('aria-label')));
  // Enter still presses the focused button: one more step. A step may stay
  // at the same millisecond (the next event at it), so press until the
  // clock moves; a few presses always reach a later event.
  const before = await page.textContent('#clock');
  for (let i = 0; i < 10 && (await page.textContent('#clock')) === before; i++) {
    await page.keyboard.press('Enter');
    await page.waitForTimeout(100);
  }
  assert.notEqual(await page.textContent('#clock'), before, 'Enter steps');
  assert.match(await page.getAttribute('#play', 'aria-label'), /play/i);

  await page.click('#configure summary');
  const title = page.locator('#configure input[aria-label="title"], #configure .form label:last-child input').first();
  await title.fill('');
  await title.focus();
  await page.keyboard.type('a b');
  assert.equal(await title.inputValue(), 'a b');
  assert.match(await page.getAttribute('#play', 'aria-label'), /play/i, 'typing a space in a field does not play');
  assert.deepEqual(errors, []);
  await context.close();
});

test('in Chinese the charts have Chinese labels and no label ends in doubled punctuation', async () => {
  for (const query of ['?lang=zh', '?lang=zh&preset=kafka-clean-election', '?lang=zh&preset=activemq-failover', '?lang=zh&preset=dr-primary-site-lost']) {
    const { page, errors, context } = await openAt(query);
    await page.waitForSelector('.chart svg');
    const charts = await page.$$eval('.chart svg', (els) => els.map((e) => e.getAttribute('aria-label')));
    assert.equal(charts.length, 3);
    for (const label of charts) {
      assert.doesNotMatch(label, /^chart-|[A-Za-z]{4,}/, `${query}: chart label ${label}`);
      assert.match(label, /[\u4e00-\u9fff]/, `${query}: chart label ${label}`);
    }
    const labels = await page.$$eval('[aria-label]', (els) => els.map((e) => e.getAttribute('aria-label')));
    const doubled = labels.filter((l) => /[；;，,：:]\s*[。.]|；\s*$|。。/.test(l));
    assert.deepEqual(doubled, [], `${query}: labels with doubled punctuation`);
    assert.deepEqual(errors, []);
    await context.close();
  }
});

test('the default scenario says plainly, above the fold, that it is RabbitMQ 3.13 without mirroring in 4.0, and opens the same run on a quorum queue', async () => {
  for (const lang of ['en', 'zh']) {
    for (const viewport of [{ width: 1280, height: 800 }, PHONE]) {
      const { page, errors, context } = await openAt(`?lang=${lang}`, viewport);
      assert.ok(await page.evaluate(inViewport, '#release-note'), `${lang} ${viewport.width}: the note is on screen`);
      const text = await page.textContent('#release-note');
      assert.match(text, lang === 'en' ? /RabbitMQ 3\.13: classic mirrored queues were removed in RabbitMQ 4\.0/ : /RabbitMQ 3\.13：经典镜像队列已在 RabbitMQ 4\.0 中移除/);
      assert.ok(await page.evaluate(inViewport, '#release-note-compare'));
      // The cluster's top stays on screen below it.
      assert.ok(await page.evaluate(inViewport, '[data-broker="b1"]'), 'b1 is still above the fold');
      await page.screenshot({ path: join(SHOTS, `default-${lang}-${viewport.width}.png`) });
      if (lang === 'en' && viewport.width === 1280) {
        await page.click('#release-note-compare');
        await page.waitForSelector('#side-right [data-broker="b1"]');
        assert.equal((await page.textContent('#side-left .side-diff')).trim(), 'RabbitMQ mirrored 3.13');
        assert.equal((await page.textContent('#side-right .side-diff')).trim(), 'RabbitMQ quorum 4.2');
      }
      assert.deepEqual(errors, []);
      await context.close();
    }
  }
  // A quorum queue's page has no such note.
  const quorum = await openAt('?preset=quorum-leader-crash');
  assert.equal(await quorum.page.$('#release-note'), null);
  await quorum.context.close();
});
