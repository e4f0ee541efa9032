// Disaster-recovery sites on the page: each site drawn as a box around its
// brokers (named by site), the replication arrow with what the replicator
// holds back, a site taken down by clicking it, and the report's recovery
// time and point, equal to the CLI's for the exported scenario.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launch, open, seek, runToEnd, freshDir, CLI, SHOTS } from './helpers.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('a DR preset: sites drawn, a site taken down by clicking, RPO and RTO shown', async () => {
  const { page, errors, context } = await open(browser);
  await page.selectOption('#preset', 'dr-quorum-site-outage');
  await page.waitForSelector('[data-site="primary"]');
  assert.equal(await page.getAttribute('[data-site="primary"]', 'data-active'), 'true');
  assert.equal(await page.getAttribute('[data-site="dr"]', 'data-site-status'), 'up');
  assert.ok(await page.$('[data-broker="primary-b1"]'), 'brokers are named by site');
  assert.ok(await page.$('[data-broker="dr-b3"]'));
  assert.ok(await page.$('[data-link="dr"]'), 'the replication arrow into dr');

  await seek(page, 20000);
  await page.waitForFunction(() => document.getElementById('clock').textContent.startsWith('20.000s'));
  assert.match(await page.textContent('#waiting-dr'), /^\d+ waiting/);
  await page.click('[data-site="primary"] .site-label');
  await page.click('#site-menu #act-site-down');
  await page.waitForFunction(() => document.querySelector('[data-site="primary"]').dataset.siteStatus === 'down');
  assert.equal(await page.getAttribute('[data-broker="primary-b1"]', 'data-status'), 'crashed');
  await page.screenshot({ path: join(SHOTS, 'site-down.png') });

  const log = await page.textContent('#log');
  assert.match(log, /primary/, 'the log tells of the outage');
  assert.doesNotMatch(log, /(?<![\w-])b\d\b/, 'the log names brokers by site');
  // The filter names a standby broker by site; the events it matches name
  // it by the engine's id (b4), and only the sentences by site.
  await page.selectOption('#log-who', 'dr-b1');
  await page.waitForFunction(() => {
    const text = document.getElementById('log').textContent;
    return text.includes('dr-b1') && !text.includes('primary-b1');
  });
  const drLog = await page.$$eval('#log > li', (rows) => rows.map((r) => r.textContent));
  assert.ok(drLog.some((row) => row.includes('dr-b1')), drLog.join('\n'));
  await page.selectOption('#log-who', '');

  await runToEnd(page);
  await page.screenshot({ path: join(SHOTS, 'site-failover.png'), fullPage: true });
  assert.equal(await page.getAttribute('[data-site="dr"]', 'data-active'), 'true', 'the applications failed over to dr');
  const rto = Number(await page.textContent('[data-report="rto_ms_raw"]'));
  // Shown in seconds like "unavailable", not as bare milliseconds.
  const rtoText = (await page.textContent('[data-report="rto_ms"]')).trim();
  assert.match(rtoText, /^\d+\.\d s$/);
  assert.ok(Math.abs(parseFloat(rtoText) - rto / 1000) <= 0.05 + 1e-9, `${rtoText} is ${rto} ms`);
  const rpo = Number(await page.textContent('[data-report="rpo_messages"]'));

  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
  const file = join(freshDir(), 'scenario.json');
  await download.saveAs(file);
  const scenario = JSON.parse(readFileSync(file, 'utf8'));
  assert.deepEqual(scenario.faults[0], { at_ms: 20000, site_down: 'primary' });
  const cli = JSON.parse(execFileSync(CLI, ['run', file, '--json'], { encoding: 'utf8' }));
  assert.equal(rto, cli.rto_ms);
  assert.equal(rpo, cli.rpo_messages);
  assert.ok(rto >= 30000, `RTO ${rto} ms runs from the outage at 20 s to dr's first confirm after 50 s`);
  console.log(`# sites: RTO ${rto} ms, RPO ${rpo} messages, as the CLI says`);
  assert.deepEqual(errors, []);
  await context.close();
});

test('a page without sites shows no RPO or RTO', async () => {
  const { page, errors, context } = await open(browser);
  assert.equal(await page.$('[data-report="rto_ms"]'), null);
  assert.equal(await page.$('[data-site]'), null);
  assert.deepEqual(errors, []);
  await context.close();
});
