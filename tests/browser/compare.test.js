// Compare mode: two configurations of one run side by side. A ready-made
// comparison opens from its name, one timeline moves both sides, a fault
// clicked on either side happens on both, the report table marks the rows
// that differ and each side's numbers are the CLI's for that side's
// scenario, the link round-trips, the Chinese page has no English left,
// and bad links say what is wrong.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import {
  launch, openPage, seek, linkData, freshDir, CLI, SHOTS, URL_BASE, englishCatalogue, pageTexts, leftovers,
} from './helpers.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

function openCompare(query, viewport = { width: 1280, height: 720 }) {
  return openPage(browser, query, { viewport, wait: '#side-right [data-broker="b1"]', settled: false });
}

const status = (page, side, broker) =>
  page.getAttribute(`#side-${side} [data-broker="${broker}"]`, 'data-status');

async function atClock(page, prefix) {
  await page.waitForFunction((p) => document.getElementById('clock').textContent.startsWith(p), prefix);
}

async function bothFinished(page) {
  await page.click('#to-end');
  await page.waitForFunction(
    () => /final|最终/.test(document.querySelector('.compare-report h2').textContent),
    null, { timeout: 90_000 },
  );
}

/// Each side's report as the table shows it (raw values).
async function tableReports(page) {
  return page.evaluate(() => {
    const out = { left: {}, right: {} };
    for (const tr of document.querySelectorAll('#compare-report tbody tr')) {
      for (const side of ['left', 'right']) {
        out[side][tr.dataset.row] = tr.querySelector(`[data-side="${side}"]`).dataset.raw;
      }
    }
    out.left.trace_hash = document.querySelector('[data-hash="left"]').textContent;
    out.right.trace_hash = document.querySelector('[data-hash="right"]').textContent;
    return out;
  });
}

/// The CLI's report for a scenario, in the table's raw form.
function cliReport(scenario) {
  const file = join(freshDir(), 'scenario.json');
  writeFileSync(file, JSON.stringify(scenario));
  const r = JSON.parse(execFileSync(CLI, ['run', file, '--json'], { encoding: 'utf8' }));
  const s = (v) => (v === null || v === undefined ? '' : String(v));
  const out = {
    published: s(r.published), confirmed: s(r.confirmed), rejected: s(r.rejected),
    indeterminate: s(r.indeterminate), delivered: s(r.delivered), redelivered: s(r.redelivered),
    duplicated: s(r.duplicated), unconsumed: s(r.unconsumed), lost: s(r.lost), unavailable_ms: s(r.unavailable_ms),
    failovers: s(r.failovers), detection_ms: r.detection_ms.join(','),
    violations: s(r.violations.length), trace_hash: r.trace_hash,
  };
  if (scenario.sites) Object.assign(out, { rto_ms: s(r.rto_ms), rpo_messages: s(r.rpo_messages) });
  return out;
}

/// The two scenarios a compare link carries.
function pairOf(link) {
  return linkData(link, '#c=');
}

test('a ready-made comparison: one timeline moves both sides, a clicked fault happens on both, and each side reports what the CLI does', async () => {
  const { page, errors, context } = await openCompare('?compare=kafka-acks');
  assert.equal((await page.textContent('#side-left .side-diff')).trim(), 'acks=1');
  assert.equal((await page.textContent('#side-right .side-diff')).trim(), 'acks=all');
  assert.match(await page.textContent('#compare-title'), /acks=1 vs acks=all/);

  // Play moves the one clock; both sides are drawn at that moment.
  await page.click('#play');
  await page.waitForFunction(() => !document.getElementById('clock').textContent.startsWith('0.000s'));
  await page.keyboard.press('Space');
  // Scrub: the preset kills b1's process at 10 s, on both sides.
  // (The clock may show the moment a frame before the clusters are drawn.)
  const bothAre = (want) => page.waitForFunction((w) => ['left', 'right'].every((s) =>
    document.querySelector(`#side-${s} [data-broker="b1"]`).dataset.status === w), want);
  await seek(page, 12000);
  await atClock(page, '12.000s');
  await bothAre('killed');
  assert.equal(await status(page, 'left', 'b1'), 'killed');
  assert.equal(await status(page, 'right', 'b1'), 'killed');
  await seek(page, 5000);
  await atClock(page, '5.000s');
  await bothAre('up');
  assert.equal(await status(page, 'left', 'b1'), 'up');
  assert.equal(await status(page, 'right', 'b1'), 'up');

  // A fault clicked on the right side is added once, and happens on both.
  await page.click('#side-right [data-broker="b3"]');
  await page.click('#broker-menu #act-crash');
  await page.waitForFunction(() => ['left', 'right'].every((s) =>
    document.querySelector(`#side-${s} [data-broker="b3"]`).dataset.status === 'crashed'));
  await page.screenshot({ path: join(SHOTS, 'compare-crashed.png') });
  const link = await page.inputValue('#compare-link');
  const pair = pairOf(link);
  assert.deepEqual(pair.left.faults, pair.right.faults);
  assert.deepEqual(pair.left.faults.filter((f) => f.crash === 'b3'), [{ at_ms: 5000, crash: 'b3' }]);
  assert.equal(pair.left.producers[0].acks, '1');
  assert.equal(pair.right.producers[0].acks, 'all');

  await bothFinished(page);
  await page.screenshot({ path: join(SHOTS, 'compare.png') });
  await page.screenshot({ path: join(SHOTS, 'compare-full.png'), fullPage: true });
  const shown = await tableReports(page);
  assert.deepEqual(shown.left, cliReport(pair.left), 'side A is the CLI run of its scenario');
  assert.deepEqual(shown.right, cliReport(pair.right), 'side B is the CLI run of its scenario');
  console.log(`# A: lost ${shown.left.lost}, B: lost ${shown.right.lost}`);

  // The rows that differ are marked in words and symbols, not colour alone.
  assert.notEqual(shown.left.lost, shown.right.lost, 'acks=1 loses what acks=all keeps');
  const marks = await page.evaluate(() => Object.fromEntries([...document.querySelectorAll('#compare-report tbody tr')]
    .map((tr) => [tr.dataset.row, tr.classList.contains('differs') ? tr.querySelector('th').textContent : ''])));
  assert.match(marks.lost, /≠.*lost.*\(differs\)/);
  assert.equal(marks.published, '', 'equal rows are not marked');
  for (const [row, mark] of Object.entries(marks)) {
    assert.equal(mark !== '', shown.left[row] !== shown.right[row], `row ${row}`);
  }
  // Each side has its own log: the clicked crash is in both (picked out
  // by broker, since side A's producer retries fill its newest entries),
  // the lost messages only in side A's (violations are always shown).
  for (const side of ['A', 'B']) {
    const who = `.compare-log[data-side="${side}"] #log-who`;
    await page.selectOption(who, 'b3');
    await page.waitForFunction((s) => /b3 crashed/.test(
      document.querySelector(`.compare-log[data-side="${s}"] #log`).textContent), side);
    await page.selectOption(who, '');
  }
  const logs = await page.evaluate(() => Object.fromEntries(['A', 'B'].map((side) => {
    const log = document.querySelector(`.compare-log[data-side="${side}"]`);
    return [side, { text: log.textContent, violations: log.querySelectorAll('li.k-violation').length }];
  })));
  assert.ok(logs.A.violations > 0, 'side A logs its lost messages');
  assert.equal(logs.B.violations, 0, 'side B loses nothing');
  // A lost message followed on both sides: lost on A, delivered on B.
  await page.click('.compare-log[data-side="A"] li.k-violation .msg-link');
  await page.waitForSelector('.compare-log[data-side="B"] #message-life');
  const lives = await page.evaluate(() => ['A', 'B'].map((side) =>
    document.querySelector(`.compare-log[data-side="${side}"] #message-life`).textContent));
  const id = lives[0].match(/#\d+/)[0];
  assert.ok(lives[1].includes(id), `the same message on both sides: ${id}`);
  assert.match(lives[0], /lost/i);
  assert.match(lives[1], /delivered/i);
  assert.doesNotMatch(lives[1], /lost/i);
  await page.locator('.compare-logs').screenshot({ path: join(SHOTS, 'compare-life.png') });
  assert.deepEqual(errors, []);
  await context.close();
});

test('at 1280×720 the report starts on screen; Step stops at the next event of either side, and Back at the previous one', async () => {
  const { page, errors, context } = await openCompare('?compare=kafka-acks');
  // At 1280×720 the report's first rows show under both clusters unscrolled.
  const rowBottom = await page.evaluate(() => document
    .querySelector('#compare-report tbody tr[data-row="delivered"]').getBoundingClientRect().bottom);
  assert.ok(rowBottom <= 720, `the report's delivered row ends at ${rowBottom}px`);
  // b1's process is killed at 10 s: its producer's connection closes at
  // once, and side B (acks=all) retries first, at 10.102 s, before side A
  // (10.107 s): a step from 10.03 s stops at side B's event.
  await seek(page, 10030);
  await atClock(page, '10.030s');
  await page.click('#step');
  await atClock(page, '10.102s');
  // Back returns to side A's last event before it (10.005 s).
  await page.click('#back');
  await atClock(page, '10.005s');
  assert.deepEqual(errors, []);
  await context.close();
});

test("a comparison's embed code keeps the options it was opened with", async () => {
  const { page, errors, context } = await openCompare('?compare=kafka-acks&speed=2&t=5000&lang=en');
  const embed = await page.inputValue('#compare-embed');
  assert.match(embed, /^<iframe src="[^"]*\?compare=kafka-acks&embed=1&lang=en&t=5000&speed=2#c=/);
  assert.match(embed, /width="1200" height="800"/);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a compare link round-trips both configurations and the shared faults', async () => {
  const { page, context } = await openCompare('?compare=promote-on-failure');
  await seek(page, 3000);
  await atClock(page, '3.000s');
  await page.click('#side-left [data-broker="b2"]');
  await page.click('#broker-menu #act-stop');
  await page.waitForFunction(() => document.getElementById('compare-link').value.length > 0
    && document.querySelector('#side-right [data-broker="b2"]').dataset.status === 'stopped');
  const link = await page.inputValue('#compare-link');
  assert.match(link, /\?compare=promote-on-failure&lang=en#c=/);
  await bothFinished(page);
  const first = await tableReports(page);

  const again = await openCompare(link.slice(link.indexOf('?')));
  assert.match(await again.page.textContent('#side-right .side-diff'), /ha-promote-on-failure=when-synced/);
  await bothFinished(again.page);
  assert.deepEqual(await tableReports(again.page), first);
  await again.context.close();
  await context.close();
});

test('the Compare button opens the current scenario on both sides, and side B takes its own settings', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const page = await context.newPage();
  await page.goto(URL_BASE);
  await page.waitForSelector('[data-broker="b1"]');
  await page.click('#compare');
  await page.waitForSelector('#side-right [data-broker="b1"]');
  assert.match(await page.textContent('#side-right .side-diff'), /same configuration/);
  await page.fill('#settings-right input[aria-label^="ha-sync-mode"]', 'automatic');
  await page.dispatchEvent('#settings-right input[aria-label^="ha-sync-mode"]', 'change');
  await page.click('#apply-right');
  await page.waitForFunction(() => /ha-sync-mode=automatic/.test(document.querySelector('#side-right .side-diff').textContent));
  assert.match(await page.textContent('#side-left .side-diff'), /ha-sync-mode not set \(default\)/);
  await page.fill('#settings-right input[data-option="retries"]', '5');
  await page.dispatchEvent('#settings-right input[data-option="retries"]', 'change');
  await page.click('#apply-right');
  await page.waitForFunction(() => /retries=5/.test(document.querySelector('#side-right .side-diff').textContent));
  await context.close();
});

test('compare mode in Chinese shows no English text of the catalogue; embedded it keeps only the essentials', async () => {
  const catalogue = englishCatalogue();
  const { page, errors, context } = await openCompare('?compare=partition-handling&lang=zh');
  await page.click('#settings-left summary');
  await page.click('#compare-embed-details summary').catch(() => {});
  await page.click('#side-left [data-broker="b1"]');
  await page.waitForSelector('#broker-menu');
  await bothFinished(page);
  const bad = leftovers(await pageTexts(page), catalogue);
  await page.screenshot({ path: join(SHOTS, 'compare-chinese.png'), fullPage: true });
  assert.deepEqual(bad, [], 'English UI text left in the Chinese compare page');
  assert.match(await page.textContent('#compare-title'), /cluster_partition_handling=ignore 对比 cluster_partition_handling=pause_minority/);
  assert.deepEqual(errors, []);
  await context.close();

  const embed = await openCompare('?compare=partition-handling&embed=1&lang=zh');
  assert.equal(await embed.page.$('h1'), null);
  assert.equal(await embed.page.$('#compare-pick'), null);
  assert.equal(await embed.page.$('#settings-right'), null);
  assert.ok(await embed.page.isVisible('#compare-report'));
  assert.ok(await embed.page.isVisible('#play'));
  await embed.page.screenshot({ path: join(SHOTS, 'compare-embed.png') });
  await embed.context.close();
});

test('on a narrow screen the two sides stack and the page does not scroll sideways', async () => {
  const { page, errors, context } = await openCompare('?compare=kafka-acks', { width: 400, height: 800 });
  const a = await page.locator('#side-left').boundingBox();
  const b = await page.locator('#side-right').boundingBox();
  assert.ok(b.y >= a.y + a.height, `side B (top ${b.y}) is below side A (bottom ${a.y + a.height})`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 1, `the page scrolls sideways by ${overflow}px`);
  await page.screenshot({ path: join(SHOTS, 'compare-narrow.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await context.close();
});

test('bad compare links say what is wrong and fall back to a ready-made comparison', async () => {
  const unknown = await openCompare('?compare=acks-vs-nothing');
  assert.match(await unknown.page.textContent('#notice'), /no ready-made comparison named "acks-vs-nothing".*kafka-acks/);
  assert.equal((await unknown.page.textContent('#side-right .side-diff')).trim(), 'acks=all');
  await unknown.page.screenshot({ path: join(SHOTS, 'compare-bad-link.png') });
  await unknown.context.close();

  const damaged = await openCompare('?compare=promote-on-failure#c=not-a-link');
  assert.match(await damaged.page.textContent('#notice'), /comparison link could not be opened.*(base64url|inflate)/);
  assert.match(await damaged.page.textContent('#side-right .side-diff'), /when-synced/);
  await damaged.context.close();

  const pack = (v) => '#c=' + deflateRawSync(Buffer.from(JSON.stringify(v))).toString('base64url');
  const left = { version: 1, duration_ms: 5000, system: 'kafka', brokers: 3 };
  // Another system is a comparison; other brokers cannot share the faults.
  const mismatched = await openCompare('?compare=1' + pack({ left, right: { ...left, system: 'rabbitmq-quorum', brokers: 5 } }));
  assert.match(await mismatched.page.textContent('#notice'), /right\.brokers: both sides must run on the same brokers/);
  await mismatched.context.close();

  const badRight = await openCompare('?compare=1' + pack({ left, right: { ...left, producers: [{ rate_per_s: 10, acks: 'two' }] } }));
  assert.match(await badRight.page.textContent('#notice'), /right\.producers\[0\]/);
  await badRight.context.close();
});

test('across systems: a mirrored queue and a quorum queue under the same faults, named by system and release, each side reporting what the CLI does, and the link round-trips', async () => {
  const { page, errors, context } = await openCompare('?compare=mirrored-vs-quorum', { width: 1280, height: 800 });
  assert.equal((await page.textContent('#side-left .side-diff')).trim(), 'RabbitMQ mirrored 3.13');
  assert.equal((await page.textContent('#side-right .side-diff')).trim(), 'RabbitMQ quorum 4.2');
  assert.equal((await page.textContent('#compare-title')).trim(), 'RabbitMQ mirrored 3.13 vs RabbitMQ quorum 4.2');
  // Each cluster is drawn in its own system's words: a master, a leader.
  assert.match(await page.textContent('#side-left .system-label'), /3\.13: mirroring was removed in 4\.0/);
  assert.match(await page.textContent('#side-right .system-label'), /RabbitMQ 4\.2/);
  await page.screenshot({ path: join(SHOTS, 'compare-cross-system-1280.png') });
  await bothFinished(page);
  const link = await page.inputValue('#compare-link');
  const pair = pairOf(link);
  assert.equal(pair.right.system, 'rabbitmq-quorum');
  assert.equal(pair.right.settings['ha-mode'], undefined, 'a quorum queue takes no ha-mode');
  const shown = await tableReports(page);
  assert.deepEqual(shown, { left: cliReport(pair.left), right: cliReport(pair.right) });
  assert.deepEqual([shown.left.lost, shown.right.lost], ['160', '0']);
  // The rows line up: one row per measure, both sides filled.
  const lost = page.locator('#compare-report tr[data-row="lost"]');
  assert.match(await lost.getAttribute('class'), /differs/);
  assert.match(await lost.locator('[data-side="left"]').getAttribute('class'), /bad/);
  await page.screenshot({ path: join(SHOTS, 'compare-cross-system-1280-end.png') });

  const again = await openCompare(link.slice(link.indexOf('?')));
  assert.equal((await again.page.textContent('#side-right .side-diff')).trim(), 'RabbitMQ quorum 4.2');
  await bothFinished(again.page);
  assert.deepEqual(await tableReports(again.page), shown);
  await again.context.close();
  assert.deepEqual(errors, []);
  await context.close();
});

test('across systems in Chinese: Kafka and a quorum queue lose power together, on a phone too, with no English of the catalogue', async () => {
  const catalogue = englishCatalogue();
  for (const viewport of [{ width: 1280, height: 800 }, { width: 390, height: 844 }]) {
    const { page, errors, context } = await openCompare('?compare=kafka-vs-quorum-power-loss&lang=zh', viewport);
    assert.equal((await page.textContent('#compare-title')).trim(), 'Kafka 4.1 对比 RabbitMQ 仲裁队列 4.2');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 1, `the page scrolls sideways by ${overflow}px`);
    await page.screenshot({ path: join(SHOTS, `compare-kafka-quorum-zh-${viewport.width}.png`) });
    await bothFinished(page);
    const shown = await tableReports(page);
    assert.deepEqual([shown.left.lost, shown.right.lost], ['1000', '0']);
    assert.deepEqual(leftovers(await pageTexts(page), catalogue), [], 'English UI text left');
    await page.screenshot({ path: join(SHOTS, `compare-kafka-quorum-zh-${viewport.width}-full.png`), fullPage: true });
    assert.deepEqual(errors, []);
    await context.close();
  }
  const en = await openCompare('?compare=mirrored-vs-quorum', { width: 390, height: 844 });
  await en.page.screenshot({ path: join(SHOTS, 'compare-cross-system-390.png') });
  await en.context.close();
});
