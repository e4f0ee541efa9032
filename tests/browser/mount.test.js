// The JavaScript API's `mount` (issue 6, point 3): web/mount.html renders
// the simulator page into one of its elements with a scenario given as a
// plain JS object, and drives it through the `MountedSimulator` that
// `mount` resolves to: play, pause, fault, seek, subscribe, report. The
// host page's address is left alone; bad options reject naming the option.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { launch, URL_BASE, SHOTS } from './helpers.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function openMounted(query = '') {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(URL_BASE + 'mount.html' + query);
  await page.waitForFunction(() => window.__mounted !== undefined, null, { timeout: 60_000 });
  await page.waitForSelector('#sim [data-broker="b1"]');
  return { page, errors, context };
}

test('a mounted page shows the given scenario and the host page drives it', async () => {
  const { page, errors, context } = await openMounted();
  assert.match(await page.textContent('#sim #scenario-title'), /master crashes/);
  // Embedded chrome: no lesson index or embed code, which would name the host page.
  assert.equal(await page.$('#sim #lessons'), null);
  await page.click('#course-play');
  await page.waitForFunction(() => window.__mounted.page.now_ms() > 2000, null, { timeout: 30_000 });
  await page.click('#course-pause');
  const paused = await page.evaluate(() => window.__mounted.page.now_ms());
  await page.waitForTimeout(300);
  assert.equal(await page.evaluate(() => window.__mounted.page.now_ms()), paused, 'pause() stops the clock');
  await page.click('#course-crash');
  // The crash is in the page's schedule, at the time it was applied.
  const faults = await page.evaluate(() => window.__mounted.page.scenario().faults);
  assert.deepEqual(faults, [{ at_ms: Math.floor(paused), crash: 'b1' }]);
  // The page's own fault list and broker show it, as a click would.
  await page.evaluate(() => window.__mounted.page.play());
  await page.waitForFunction(() => window.__mounted.page.now_ms() > 16000, null, { timeout: 30_000 });
  await page.evaluate(() => window.__mounted.page.pause());
  const heard = Number(await page.textContent('#heard'));
  assert.ok(heard > 100, `subscribe() heard the events (${heard})`);
  const report = await page.evaluate(() => window.__mounted.page.report());
  assert.ok(report.published > 0 && report.failovers >= 1, JSON.stringify(report));
  // The page's numbers are the report's.
  const shown = Number(await page.textContent('#sim [data-report="failovers"]'));
  assert.equal(shown, report.failovers);
  await page.screenshot({ path: join(SHOTS, 'mounted.png'), fullPage: true });
  // Back to 1 s: the clock and the page follow.
  await page.click('#course-rewind');
  await page.waitForFunction(() => window.__mounted.page.now_ms() === 1000, null, { timeout: 10_000 });
  // The host page's address is its own: no scenario fragment, no lang=.
  assert.equal(new URL(page.url()).hash, '');
  assert.equal(new URL(page.url()).search, '');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a mounted page speaks Chinese when asked, the scenario title included', async () => {
  const { page, errors, context } = await openMounted('?lang=zh');
  assert.equal(await page.textContent('#sim #scenario-title'), 'RabbitMQ 镜像队列：主节点崩溃');
  assert.equal(await page.getAttribute('#sim .page', 'lang'), 'zh');
  await page.evaluate(() => window.__mounted.page.play());
  await page.waitForFunction(() => /[\u4e00-\u9fff]/.test(document.getElementById('last-event').textContent), null, { timeout: 30_000 });
  assert.deepEqual(errors, []);
  await context.close();
});

test('a mounted page takes the keys only when the focus is inside it', async () => {
  const { page, errors, context } = await openMounted();
  // The course page's own keys (the space bar scrolls it) are left alone.
  await page.focus('#course-play');
  await page.keyboard.press('ArrowRight');
  await page.evaluate(() => document.activeElement.blur());
  await page.keyboard.press('ArrowRight');
  await page.waitForTimeout(200);
  assert.equal(await page.evaluate(() => window.__mounted.page.now_ms()), 0);
  // Inside the simulator, → steps to the next event.
  await page.focus('#sim [data-broker="b1"]');
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction(() => window.__mounted.page.now_ms() > 0, null, { timeout: 5_000 });
  // The space bar plays, and does not also scroll the course page.
  const scrolled = await page.evaluate(() => window.scrollY);
  await page.keyboard.press(' ');
  await page.waitForFunction(() => window.__mounted.page.now_ms() > 1000, null, { timeout: 10_000 });
  assert.equal(await page.evaluate(() => window.scrollY), scrolled);
  assert.deepEqual(errors, []);
  await context.close();
});

test('bad mount options and faults reject with an Error naming the option', async () => {
  const { page, errors, context } = await openMounted();
  const r = await page.evaluate(async () => {
    const { mount, page: mounted } = window.__mounted;
    const host = document.createElement('div');
    host.id = 'second';
    document.body.appendChild(host);
    const caught = async (f) => {
      try { await f(); return 'no error'; } catch (e) { return { error: e instanceof Error, message: e.message }; }
    };
    const good = { version: 1, duration_ms: 5000, system: 'kafka', brokers: 3, producers: [{ rate_per_s: 10 }] };
    return {
      noElement: await caught(() => mount('nowhere', {})),
      unknown: await caught(() => mount('second', { colour: 'red' })),
      lang: await caught(() => mount('second', { lang: 'fr' })),
      preset: await caught(() => mount('second', { preset: 'nope' })),
      show: await caught(() => mount('second', { show: ['cluster', 'bogus'] })),
      speed: await caught(() => mount('second', { speed: 500 })),
      scenario: await caught(() => mount('second', { scenario: { ...good, producers: [{ rate_per_s: 0 }] } })),
      fault: await caught(() => mounted.fault({ crash: 'b9' })),
      rendered: host.childElementCount,
    };
  });
  assert.match(r.noElement.message, /nowhere/);
  assert.equal(r.unknown.error, true);
  assert.match(r.unknown.message, /^colour: unknown option/);
  assert.match(r.lang.message, /^lang: /);
  assert.match(r.preset.message, /^preset: no preset named "nope"/);
  assert.match(r.show.message, /^show: no panel named "bogus"/);
  assert.match(r.speed.message, /^speed: "500" is not a speed from 0\.01 to 100/);
  assert.match(r.scenario.message, /^producers\[0\]\.rate_per_s: /);
  assert.match(r.fault.message, /^faults\[\d+\]\.crash: /);
  assert.equal(r.rendered, 0, 'nothing rendered for a bad call');
  assert.deepEqual(errors, []);
  await context.close();
});
