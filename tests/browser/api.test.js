// The JavaScript API (issue 6, point 3): web/api.html imports `Simulator`
// from brokersim_web.js, loads a scenario object, plays it, applies a fault
// and shows the report; the report must equal the CLI's for the same
// scenario. Bad input throws a JS Error naming the field, never a panic.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { launch, URL_BASE, CLI, SHOTS, freshDir } from './helpers.js';

let browser;
let page;
let context;
const errors = [];

before(async () => {
  browser = await launch();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(URL_BASE + 'api.html');
  await page.waitForFunction(() => window.__apiReport !== undefined, null, { timeout: 60_000 });
});

after(async () => {
  await context?.close();
  await browser?.close();
});

test('api.html plays a scenario object with a fault and its report equals the CLI\'s', async () => {
  const { report, scenario, shown, items } = await page.evaluate(() => ({
    report: window.__apiReport,
    scenario: window.__apiScenario,
    shown: document.getElementById('report').textContent,
    items: document.querySelectorAll('#events li').length,
  }));
  await page.screenshot({ path: join(SHOTS, 'api.png'), fullPage: true });
  // fault() added the crash at the time the run had reached.
  assert.deepEqual(scenario.faults.at(-1), { at_ms: 12000, crash: 'b1' });
  assert.ok(items > 100, `the log lists the events (${items})`);
  assert.deepEqual(JSON.parse(shown), report);
  const file = join(freshDir(), 'scenario.json');
  writeFileSync(file, JSON.stringify(scenario));
  const cli = JSON.parse(execFileSync(CLI, ['run', file, '--json'], { encoding: 'utf8' }));
  for (const key of ['published', 'confirmed', 'rejected', 'indeterminate', 'delivered',
    'redelivered', 'duplicated', 'lost', 'unavailable_ms', 'failovers', 'detection_ms',
    'violations', 'trace_hash']) {
    assert.deepEqual(report[key], cli[key], key);
  }
  assert.ok(report.published > 0 && report.failovers >= 1, JSON.stringify(report));
  console.log(`# API and CLI agree: ${JSON.stringify({ lost: report.lost, trace_hash: report.trace_hash })}`);
  assert.deepEqual(errors, []);
});

test('a bad scenario or fault throws an Error naming the field', async () => {
  const result = await page.evaluate(() => {
    const { Simulator } = window.__brokersim;
    const caught = (f) => {
      try { f(); return 'no error'; } catch (e) { return { error: e instanceof Error, message: e.message }; }
    };
    const good = { version: 1, duration_ms: 5000, system: 'kafka', brokers: 3, producers: [{ rate_per_s: 10 }] };
    const sim = Simulator.load(good);
    sim.play_until(1000);
    return {
      rate: caught(() => Simulator.load({ ...good, producers: [{ rate_per_s: 0 }] })),
      unknown: caught(() => Simulator.load({ ...good, bogus: 1 })),
      notObject: caught(() => Simulator.load(42)),
      lang: caught(() => Simulator.load(good, { lang: 'fr' })),
      fault: caught(() => sim.fault({ crash: 'b9' })),
      faultKind: caught(() => sim.fault({ explode: 'b1' })),
      after: { now: sim.now_ms(), faults: sim.scenario().faults.length },
    };
  });
  assert.equal(result.rate.error, true);
  assert.match(result.rate.message, /^producers\[0\]\.rate_per_s: /);
  assert.equal(result.unknown.error, true);
  assert.match(result.unknown.message, /bogus/);
  assert.equal(result.notObject.error, true);
  assert.equal(result.lang.error, true);
  assert.match(result.lang.message, /^lang: /);
  assert.equal(result.fault.error, true);
  assert.match(result.fault.message, /^faults\[0\]\.crash: /);
  assert.equal(result.faultKind.error, true);
  assert.match(result.faultKind.message, /explode/);
  // A refused fault changes nothing.
  assert.deepEqual(result.after, { now: 1000, faults: 0 });
  assert.deepEqual(errors, []);
});

test('step, seek, fault and subscribe drive one run', async () => {
  const r = await page.evaluate(async () => {
    const { Simulator, loadLanguage } = window.__brokersim;
    // Chinese is fetched (lang/zh.json), not part of the download: asked
    // for before it is loaded, it is refused with what to do.
    let refused = '';
    try { Simulator.load({ version: 1, duration_ms: 1000, system: 'kafka', brokers: 1 }, { lang: 'zh' }); } catch (e) { refused = e.message; }
    await loadLanguage('zh');
    const scenario = {
      version: 1, seed: 7, duration_ms: 20000, system: 'kafka', brokers: 3,
      settings: { 'replication.factor': 3 },
      producers: [{ rate_per_s: 50, acks: 'all' }], consumers: [{}],
    };
    const sim = Simulator.load(scenario, { lang: 'zh' });
    const initial = sim.event_count(); // entries Sim::new logged at 0 (a topic created)
    const seen = [];
    sim.subscribe((e) => seen.push(e));
    const first = sim.step();
    sim.play_until(5000);
    const count = sim.event_count();
    const seenAt5000 = seen.length;
    const allAtOnce = sim.events(0);
    sim.fault({ crash: 'b1' });
    sim.play_until(15000);
    const afterFault = sim.events(count);
    const crash = afterFault.find((e) => JSON.stringify(e.event).includes('b1'));
    sim.seek(3000);
    const back = { now: sim.now_ms(), last: sim.events(0).at(-1).at_ms };
    sim.seek(4000);
    const report = sim.run_to_end();
    return {
      first, count, initial, seenAt5000, allAtOnce,
      crash, back, finished: sim.finished(), report, faults: sim.scenario().faults,
      zh: seen.some((e) => /[\u4e00-\u9fff]/.test(e.text)), seenTotal: seen.length, refused,
      total: sim.event_count(),
    };
  });
  assert.ok(r.first && typeof r.first.text === 'string' && r.first.text.length > 0, JSON.stringify(r.first));
  assert.deepEqual(r.allAtOnce[r.initial], r.first, 'step() returned the next entry');
  assert.equal(r.seenAt5000, r.count - r.initial, 'subscribe saw every new event up to 5 s');
  assert.equal(r.allAtOnce.length, r.count);
  assert.ok(r.zh, 'lang: zh gives Chinese sentences');
  assert.match(r.refused, /loadLanguage\('zh'\)/);
  assert.ok(r.crash && r.crash.at_ms >= 5000, JSON.stringify(r.crash));
  assert.deepEqual(r.faults, [{ at_ms: 5000, crash: 'b1' }]);
  assert.equal(r.back.now, 3000);
  assert.ok(r.back.last <= 3000);
  assert.equal(r.finished, true);
  assert.ok(r.report.published > 0);
  assert.ok(r.seenTotal > r.count);
  assert.deepEqual(errors, []);
});
