// Performance figures, printed. Issue 4's limits: wasm + JS ≤ 250 KB gzip
// (goal 150 KB), p95 main-thread time per animation frame ≤ 8 ms with 7
// brokers and ~200 messages in flight, first render ≤ 300 ms on localhost,
// a 10-minute virtual run at 1,000 msg/s under 150 MB, and a jump anywhere
// in it within 50 ms. Speed is printed, not asserted (the project's rule:
// speed goals are read from printed figures, never from timed tests that a
// busy machine would fail); each timing has only a sanity bound, far from
// its limit, that catches a page that hangs. Memory is not timing: the
// 150 MB limit is asserted. Measured on an idle 2-core machine: frame p95
// 2.5-3 ms; the jump 10-15 ms; memory 135 MB; first render
// ('brokersim-first-render', marked by start.js: the first animation frame
// once the page's markup is in the document) median 218-273 ms over five
// loads, of which 110-220 ms pass before the wasm starts. The download is
// over its limit: about 538 KB gzip, while the core alone, built without
// any page, is already 250 KB (`cargo xtask size` prints both and what the
// page's wasm is made of; README, "The browser simulator").
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { launch, open, fragmentFor, runToEnd, HERE, SHOTS } from './helpers.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const DIST = join(HERE, '..', '..', 'dist');
const figure = (name, value) => console.log(`# perf: ${name} = ${value}`);

test('download size: wasm + JS, gzip', () => {
  const size = (f) => gzipSync(readFileSync(join(DIST, f)), { level: 9 }).length;
  const wasm = size('brokersim_web_bg.wasm');
  const js = size('brokersim_web.js');
  figure('wasm_gzip_kb', (wasm / 1024).toFixed(1));
  figure('js_gzip_kb', (js / 1024).toFixed(1));
  figure('total_gzip_kb', ((wasm + js) / 1024).toFixed(1));
  assert.ok(wasm + js < 600 * 1024, 'sanity bound');
});

test('first render on localhost', async () => {
  // Five fresh pages (the first also pays for the browser's own warm-up):
  // every figure and the median printed.
  const times = [];
  for (let i = 0; i < 5; i++) {
    const { page, context } = await open(browser);
    await page.waitForFunction(() => performance.getEntriesByName('brokersim-first-render').length > 0);
    times.push(await page.evaluate(() => performance.getEntriesByName('brokersim-first-render')[0].startTime));
    await context.close();
  }
  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted[2];
  figure('first_render_ms', times.map((t) => t.toFixed(0)).join(' '));
  figure('first_render_median_ms', median.toFixed(0));
  figure('first_render_within_300_ms', median <= 300 ? 'yes' : 'NO');
  assert.ok(median < 5_000, 'sanity bound');
});

test('main-thread time per frame with 7 brokers and ~200 packets in flight', async () => {
  const scenario = {
    version: 1, title: 'Seven brokers under load', seed: 3, duration_ms: 60000,
    system: 'rabbitmq-mirrored', brokers: 7,
    settings: { 'ha-mode': 'all', net_ticktime: 8 },
    network: { latency_ms: { min: 15, max: 30 } },
    producers: [{ rate_per_s: 250 }],
    consumers: [{ ack: 'manual', prefetch: 50 }],
  };
  const { page, errors, context } = await open(browser, fragmentFor(scenario));
  await page.click('#play');
  await page.waitForTimeout(1000); // warm up
  await page.evaluate(() => { window.__brokersimFrames = []; });
  const samples = [];
  for (let i = 0; i < 8; i++) {
    await page.waitForTimeout(250);
    samples.push(Number((await page.textContent('#inflight')).split(' ')[0]));
  }
  const frames = await page.evaluate(() => window.__brokersimFrames.slice());
  await page.screenshot({ path: join(SHOTS, 'seven-brokers.png') });
  await page.click('#play');
  frames.sort((a, b) => a - b);
  const p = (q) => frames[Math.min(frames.length - 1, Math.floor(q * frames.length))];
  figure('frames_measured', frames.length);
  figure('packets_in_flight_mean', (samples.reduce((a, b) => a + b, 0) / samples.length).toFixed(0));
  figure('frame_ms_p50', p(0.5)?.toFixed(2));
  figure('frame_ms_p95', p(0.95)?.toFixed(2));
  figure('frame_ms_max', frames[frames.length - 1]?.toFixed(2));
  assert.ok(frames.length > 10, 'frames were drawn');
  figure('frame_p95_within_8_ms', p(0.95) <= 8 ? 'yes' : 'NO');
  assert.ok(p(0.95) < 100, 'sanity bound');
  assert.deepEqual(errors, []);
  await context.close();
});

test('memory after a 10-minute virtual run at 1,000 msg/s', { timeout: 240_000 }, async () => {
  const scenario = {
    version: 1, title: 'Ten minutes at 1,000 msg/s', seed: 1, duration_ms: 600000,
    system: 'rabbitmq-mirrored', brokers: 3,
    settings: { 'ha-mode': 'all', net_ticktime: 8 },
    producers: [{ rate_per_s: 1000 }],
    consumers: [{ ack: 'manual', prefetch: 100 }],
    faults: [{ at_ms: 300000, crash: 'b1' }],
  };
  const { page, errors, context } = await open(browser, fragmentFor(scenario));
  const started = Date.now();
  await page.click('#to-end');
  await page.waitForFunction(() => /finished/.test(document.getElementById('phase').textContent), null, { timeout: 220_000, polling: 500 });
  const seconds = (Date.now() - started) / 1000;
  const mem = await page.evaluate(() => ({
    wasm: window.__brokersimMemory?.buffer.byteLength,
    js: performance.memory?.usedJSHeapSize,
  }));
  // Jumping back to the middle of the run, from the checkpoints: the page's
  // own time from the slider's input event until the clock shows the moment
  // (a MutationObserver, so neither the test's round trips nor its polling
  // count).
  const seek = await page.evaluate(() => new Promise((resolve) => {
    const clock = document.getElementById('clock');
    let t0;
    const seen = new MutationObserver(() => {
      if (clock.textContent.startsWith('301.000s')) {
        seen.disconnect();
        resolve(performance.now() - t0);
      }
    });
    seen.observe(clock, { childList: true, characterData: true, subtree: true });
    const t = document.getElementById('timeline');
    t.value = '301000';
    t0 = performance.now();
    t.dispatchEvent(new Event('input', { bubbles: true }));
  }));
  figure('seek_back_to_301s_ms', seek.toFixed(1));
  const after = await page.evaluate(() => window.__brokersimMemory?.buffer.byteLength);
  figure('wasm_memory_after_seek_mb', (after / 1048576).toFixed(1));
  figure('ten_minute_run_wall_s', seconds.toFixed(1));
  figure('wasm_memory_mb', (mem.wasm / 1048576).toFixed(1));
  figure('js_heap_mb', (mem.js / 1048576).toFixed(1));
  assert.ok(Math.max(mem.wasm, after) < 150 * 1048576, `wasm memory ${Math.max(mem.wasm, after)} bytes is over the 150 MB limit`);
  figure('jump_within_50_ms', seek < 50 ? 'yes' : 'NO');
  assert.ok(seek < 2_000, 'sanity bound');
  assert.deepEqual(errors, []);
  await context.close();
});
