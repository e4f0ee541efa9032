// The page does what a student needs: it loads cleanly, plays, lets them
// crash the leader by clicking it, explains the detection and the
// failover, shows the same numbers as the CLI, shares the run as a link,
// and says what is wrong with a bad link.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  launch, open, seek, runToEnd, pageReport, fragmentFor, linkData, freshDir, CLI, SHOTS,
} from './helpers.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('the page loads the default scenario without console errors', async () => {
  const { page, errors, context } = await open(browser);
  assert.match(await page.textContent('#scenario-title'), /master crashes/);
  assert.equal(await page.getAttribute('[data-broker="b1"]', 'data-role'), 'master');
  await page.screenshot({ path: join(SHOTS, 'loaded.png') });
  assert.deepEqual(errors, []);
  await context.close();
});

test('play advances virtual time and pause stops it', async () => {
  const { page, errors, context } = await open(browser);
  await page.click('#play');
  await page.waitForFunction(() => !document.getElementById('clock').textContent.startsWith('0.000s'));
  await page.keyboard.press('Space'); // pause from the keyboard
  const a = await page.textContent('#clock');
  await page.waitForTimeout(200);
  assert.equal(await page.textContent('#clock'), a);
  assert.deepEqual(errors, []);
  await context.close();
});

test('crashing the leader by clicking it: detection, failover, and the CLI agrees', async () => {
  const { page, errors, context } = await open(browser);
  await seek(page, 4000);
  await page.waitForFunction(() => document.getElementById('clock').textContent.startsWith('4.000s'));
  await page.click('[data-broker="b1"]');
  await page.click('#broker-menu #act-crash');
  await page.waitForFunction(() => document.querySelector('[data-broker="b1"]').dataset.status === 'crashed');
  await page.screenshot({ path: join(SHOTS, 'crashed.png') });
  await seek(page, 14000);
  await page.waitForFunction(() => document.querySelector('[data-broker="b2"]').dataset.role === 'master');
  await page.screenshot({ path: join(SHOTS, 'failover.png') });

  const log = await page.textContent('#log');
  assert.match(log, /b1/);
  const detection = await page.$$eval('#log [data-kind="detection"]', (els) => els.map((e) => e.textContent).join('\n'));
  assert.match(detection, /b1/, 'a detector declared b1 down');
  assert.match(log, /promoted/i, 'the log shows the failover');

  await runToEnd(page);
  await page.screenshot({ path: join(SHOTS, 'finished.png'), fullPage: true });
  const shown = await pageReport(page);

  // Export the scenario (the user's crash included) and run the CLI on it.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
  const dir = freshDir();
  const file = join(dir, 'scenario.json');
  await download.saveAs(file);
  const scenario = JSON.parse(readFileSync(file, 'utf8'));
  assert.deepEqual(scenario.faults[0], { at_ms: 4000, crash: 'b1' });
  const cli = JSON.parse(execFileSync(CLI, ['run', file, '--json'], { encoding: 'utf8' }));
  const expected = {
    published: cli.published, confirmed: cli.confirmed, rejected: cli.rejected,
    indeterminate: cli.indeterminate, delivered: cli.delivered, redelivered: cli.redelivered,
    duplicated: cli.duplicated, unconsumed: cli.unconsumed, lost: cli.lost, unavailable_ms: cli.unavailable_ms,
    failovers: cli.failovers, detection_ms: cli.detection_ms,
    violations: cli.violations.length, trace_hash: cli.trace_hash,
  };
  assert.deepEqual(shown, expected);
  console.log(`# page and CLI agree: ${JSON.stringify(shown)}`);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a share link round-trips the run, user actions included', async () => {
  const { page, context } = await open(browser);
  await seek(page, 6000);
  await page.waitForFunction(() => document.getElementById('clock').textContent.startsWith('6.000s'));
  await page.click('[data-broker="b2"]');
  await page.click('#broker-menu #act-stop');
  await page.waitForFunction(() => document.getElementById('faults').textContent.includes('"stop":"b2"'));
  const link = await page.inputValue('#share-link');
  assert.match(link, /#s=/);
  await runToEnd(page);
  const first = await pageReport(page);

  const other = await browser.newContext();
  const again = await other.newPage();
  await again.goto(link);
  await again.waitForSelector('[data-broker="b1"]');
  assert.match(await again.textContent('#faults'), /"stop":"b2"/);
  await runToEnd(again);
  assert.deepEqual(await pageReport(again), first);
  await other.close();
  await context.close();
});

test('a bad link shows what is wrong and falls back to the default scenario', async () => {
  const { page, context } = await open(browser, '#s=this-is-not-a-scenario');
  assert.match(await page.textContent('#notice'), /link could not be opened.*(base64url|inflate)/);
  assert.match(await page.textContent('#scenario-title'), /master crashes/);

  const bad = fragmentFor({
    version: 1, title: '<b>not bold</b>', duration_ms: 1000, system: 'activemq', brokers: 2,
    faults: [{ at_ms: 1, crash: 'b9' }],
  });
  const second = await open(browser, bad);
  const notice = await second.page.textContent('#notice');
  assert.match(notice, /faults\[0\]\.crash/);
  assert.match(notice, /b9/);
  await second.page.screenshot({ path: join(SHOTS, 'bad-link.png') });
  await second.context.close();
  await context.close();
});

test('user text is shown as text, never as HTML', async () => {
  const fragment = fragmentFor({
    version: 1, title: '<img src=x onerror=alert(1)>', description: '<script>bad()</script>',
    duration_ms: 5000, system: 'activemq', brokers: 2,
  });
  const { page, errors, context } = await open(browser, fragment);
  assert.equal(await page.textContent('#scenario-title'), '<img src=x onerror=alert(1)>');
  assert.equal(await page.$('#scenario-title img'), null);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a narrow screen still shows the cluster and the controls', async () => {
  const { page, errors, context } = await open(browser, '', { width: 400, height: 800 });
  const box = await page.locator('#cluster-svg').boundingBox();
  assert.ok(box.width >= 300, `cluster width ${box.width}`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 1, `the page scrolls sideways by ${overflow}px`);
  assert.ok(await page.isVisible('#play'));
  await page.screenshot({ path: join(SHOTS, 'narrow.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await context.close();
});

test('a lost message can be followed from its violation to the moment it was lost', async () => {
  const { page, errors, context } = await open(browser);
  await page.selectOption('#preset', 'mirrored-unsynced-promotion');
  await page.waitForFunction(() => /unsynchronised/i.test(document.getElementById('scenario-description').textContent));
  await runToEnd(page);
  assert.ok(Number(await page.textContent('[data-report="lost"]')) > 0, 'this preset loses messages');
  assert.match(await page.textContent('#violations'), /confirmed_messages_are_not_lost/);
  await page.click('#log .k-violation .msg-link');
  await page.waitForSelector('#message-life');
  const life = await page.textContent('#message-life');
  assert.match(life, /confirmed/);
  assert.match(life, /last copy vanished at/);
  await page.click('#message-life dd.bad button');
  await page.waitForFunction(() => !/finished/.test(document.getElementById('phase').textContent));
  await page.screenshot({ path: join(SHOTS, 'lost-message.png') });
  assert.deepEqual(errors, []);
  await context.close();
});

test('every menu action joins the schedule at the current time: pause for N s, wipe a disk, crash and kill a client, kill a broker', async () => {
  const { page, errors, context } = await open(browser);
  await seek(page, 3000);
  await page.waitForFunction(() => document.getElementById('clock').textContent.startsWith('3.000s'));
  await page.click('[data-broker="b3"]');
  await page.fill('#broker-menu #pause-secs', '4');
  await page.click('#broker-menu #act-pause');
  await page.waitForFunction(() => document.getElementById('faults').textContent.includes('"pause":"b3"'));
  await page.click('[data-broker="b2"]');
  await page.click('#broker-menu #act-lose-disk');
  await page.waitForFunction(() => document.getElementById('faults').textContent.includes('"lose_disk":"b2"'));
  await page.click('[data-client="p1"]');
  await page.click('#client-menu #act-crash');
  await page.waitForFunction(() => document.getElementById('faults').textContent.includes('"crash":"p1"'));
  // Kill and Crash each say in one line what they mean.
  await page.click('[data-client="c1"]');
  assert.ok(await page.isVisible('#client-menu #kill-hint'));
  assert.ok(await page.isVisible('#client-menu #crash-hint'));
  await page.click('#client-menu #act-kill');
  await page.waitForFunction(() => document.getElementById('faults').textContent.includes('"kill":"c1"'));
  await page.click('[data-broker="b1"]');
  await page.click('#broker-menu #act-kill');
  await page.waitForFunction(() => document.querySelector('[data-broker="b1"]').dataset.status === 'killed');
  const faults = await page.textContent('#faults');
  assert.match(faults, /\{"at_ms":3000,"kill":"c1"\}/);
  assert.match(faults, /\{"at_ms":3000,"kill":"b1"\}/);
  assert.match(faults, /\{"at_ms":3000,"pause":"b3","for_ms":4000\}/);
  assert.match(faults, /\{"at_ms":3000,"lose_disk":"b2"\}/);
  assert.match(faults, /\{"at_ms":3000,"crash":"p1"\}/);
  assert.deepEqual(errors, []);
  await context.close();
});

test("the configuration panel offers each system's own client options and applies them", async () => {
  const { page, errors, context } = await open(browser, '?preset=kafka-seed');
  await page.click('#configure summary');
  const heads = (id) => page.$$eval(`#${id} thead code`, (cs) => cs.map((c) => c.textContent));
  const loaded = async () => linkData(await page.inputValue('#share-link'), '#s=');
  // Kafka: acks, enable.idempotence and auto.offset.reset, not RabbitMQ's persistence.
  assert.deepEqual(await heads('producer-options'), ['rate_per_s', 'acks', 'idempotent', 'retries', 'connect']);
  assert.deepEqual(await heads('consumer-options'), ['ack', 'prefetch', 'process_ms', 'auto_offset_reset', 'connect']);
  // An unset option names the real default it stands for.
  assert.match(await page.textContent('#producer-options select[data-option="acks"] option[value=""]'), /all/);
  assert.match(await page.getAttribute('#producer-options input[aria-label="retries"]', 'placeholder'), /MAX_INT/);
  await page.selectOption('#producer-options select[data-option="acks"]', '1');
  await page.selectOption('#producer-options select[data-option="idempotent"]', 'false');
  await page.selectOption('#consumer-options select[data-option="auto_offset_reset"]', 'earliest');
  const applied = async () => {
    const before = await page.inputValue('#share-link');
    await page.click('#apply');
    await page.waitForFunction((b) => document.getElementById('share-link').value !== b, before);
    return loaded();
  };
  let s = await applied();
  assert.equal(s.producers[0].acks, '1');
  assert.equal(s.producers[0].idempotent, false);
  assert.equal(s.consumers[0].auto_offset_reset, 'earliest');
  // Another system: its own columns, and the Kafka options left out so the
  // draft stays valid.
  await page.selectOption('#configure .form select', 'rabbitmq-mirrored');
  assert.deepEqual(await heads('producer-options'), ['rate_per_s', 'retries', 'persistent', 'connect']);
  s = await applied();
  assert.equal(s.system, 'rabbitmq-mirrored');
  assert.equal(s.producers[0].acks, undefined);
  assert.deepEqual(errors, []);
  await context.close();
});

test('bad address options name the option and the value, and take their defaults', async () => {
  const { page, errors, context } = await open(browser, '?preset=nope&show=bogus&t=abc&speed=abc');
  const notice = await page.textContent('#notice');
  assert.match(notice, /preset: no preset named "nope" \(the presets: [^)]*mirrored-master-crash[^)]*kafka-seed/);
  assert.match(notice, /show: no panel named "bogus" \(the panels: controls,cluster,numbers,charts,log,life,config,share\)/);
  assert.match(notice, /t: "abc" is not a time in milliseconds/);
  assert.match(notice, /speed: "abc" is not a speed from 0\.01 to 100/);
  // The defaults: the default scenario, every panel, time zero, 1×.
  assert.match(await page.textContent('#scenario-title'), /master crashes/);
  for (const panel of ['#timeline', '[data-report="published"]', '#log', '#configure', '#export']) {
    assert.ok(await page.$(panel), `${panel} is shown`);
  }
  assert.equal((await page.textContent('#speed-value')).trim(), '1.0×');
  assert.ok((await page.textContent('#clock')).startsWith('0.000s'));
  await page.screenshot({ path: join(SHOTS, 'bad-options.png') });
  await context.close();

  const negative = await open(browser, '?t=-5&speed=500');
  const second = await negative.page.textContent('#notice');
  assert.match(second, /t: "-5" is not a time/);
  assert.match(second, /speed: "500" is not a speed from 0\.01 to 100/);
  assert.equal((await negative.page.textContent('#speed-value')).trim(), '1.0×');
  await negative.context.close();

  const zh = await open(browser, '?lang=zh&preset=nope');
  assert.match(await zh.page.textContent('#notice'), /preset：没有名为“nope”的预设（现有预设：/);
  await zh.context.close();

  const good = await open(browser, '?preset=kafka-seed&t=2000&speed=2');
  assert.equal(await good.page.$('#notice'), null, 'good options say nothing');
  await good.context.close();
  assert.deepEqual([...errors, ...negative.errors, ...zh.errors, ...good.errors], []);
});

test('the preset picker names the loaded preset while the scenario is it, unchanged', async () => {
  const picked = (page) => page.$eval('#preset', (s) => s.options[s.selectedIndex].value);
  const { page, errors, context } = await open(browser, '?preset=kafka-seed');
  assert.equal(await picked(page), 'kafka-seed');
  assert.match(await page.$eval('#preset', (s) => s.options[s.selectedIndex].textContent), /^kafka-seed — /);
  // A share link of an unmodified preset reads back as that preset.
  const hash = await page.evaluate(() => location.hash);
  const shared = await open(browser, hash);
  assert.equal(await picked(shared.page), 'kafka-seed');
  await shared.context.close();
  // Changed (a crash clicked in), it is no longer the preset.
  await seek(page, 3000);
  await page.click('[data-broker="b1"]');
  await page.click('#broker-menu #act-crash');
  await page.waitForFunction(() => document.getElementById('faults').textContent.includes('"crash":"b1"'));
  assert.equal(await picked(page), '');
  assert.match(await page.$eval('#preset', (s) => s.options[s.selectedIndex].textContent), /choose a preset/);
  // Picked again from the list, it is named again.
  await page.selectOption('#preset', 'partition-ignore');
  await page.waitForFunction(() => !document.getElementById('faults')?.textContent.includes('"crash":"b1"'));
  assert.equal(await picked(page), 'partition-ignore');
  assert.deepEqual([...errors, ...shared.errors], []);
  await context.close();
});

test('menu inputs out of range are refused with a message, never cleaned up', async () => {
  const { page, errors, context } = await open(browser);
  const faults = () => page.textContent('#faults');
  await seek(page, 3000);
  await page.waitForFunction(() => document.getElementById('clock').textContent.startsWith('3.000s'));
  await page.click('[data-broker="b3"]');
  for (const bad of ['0', '-5', '99999']) {
    await page.fill('#broker-menu #pause-secs', bad);
    await page.click('#broker-menu #act-pause');
    await page.waitForFunction((bad) => document.getElementById('notice')?.textContent.includes(`Pause for: "${bad}"`), bad);
    assert.doesNotMatch(await faults(), /"pause"/);
  }
  for (const bad of ['', '0']) {
    await page.fill('#broker-menu #slow-ms', bad);
    await page.click('#broker-menu #act-slow');
    await page.waitForFunction((bad) => document.getElementById('notice')?.textContent.includes(`Slow link: "${bad}" is not a delay`), bad);
    assert.doesNotMatch(await faults(), /slow_link/);
  }
  await page.click('#notice button');

  // Nothing partitioned or slowed: a heal is refused, not added.
  await page.click('#heal');
  await page.waitForFunction(() => /Nothing to heal/.test(document.getElementById('notice')?.textContent));
  assert.doesNotMatch(await faults(), /heal/);
  // An empty cut says why, as an error, and stays in partition mode to pick.
  await page.click('#partition');
  await page.click('#cut');
  await page.waitForFunction(() => /Nothing was cut: a partition needs brokers on both sides/.test(document.getElementById('notice')?.textContent));
  assert.match(await page.getAttribute('#notice', 'class'), /error/);
  assert.ok(await page.$('.partition-mode'), 'still in partition mode');
  // Said beside the Cut button too: the notice may be scrolled away.
  assert.match(await page.textContent('.partition-mode #cut-refused'), /Nothing was cut/);
  assert.doesNotMatch(await faults(), /partition/);
  await page.screenshot({ path: join(SHOTS, 'empty-cut.png') });
  // With a partition in force, the heal is taken.
  await page.click('[data-broker="b1"]');
  await page.click('#cut');
  await page.waitForFunction(() => document.getElementById('faults').textContent.includes('"partition"'));
  await page.click('#heal');
  await page.waitForFunction(() => document.getElementById('faults').textContent.includes('"heal":true'));

  // The seed box: a bad seed is refused and the box shows the seed in use.
  const seed = await page.inputValue('#seed');
  for (const bad of ['-1', '1.5', '1e23']) {
    await page.evaluate((bad) => {
      const s = document.getElementById('seed');
      s.value = bad;
      s.dispatchEvent(new Event('change', { bubbles: true }));
    }, bad);
    await page.waitForFunction((bad) => document.getElementById('notice')?.textContent.includes(`Seed: "${bad}" is not a whole number`), bad);
    assert.equal(await page.inputValue('#seed'), seed);
  }
  await page.screenshot({ path: join(SHOTS, 'bad-seed.png') });
  assert.deepEqual(errors, []);
  await context.close();
});
