// What became of each confirmed message (the issue "Lost means gone"): a
// producer with no consumer loses nothing, its messages are unconsumed and
// the page says why; a run that does lose messages says what destroyed
// them. The page's numbers equal the CLI's for the same scenario.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { launch, openPage, runToEnd, fragmentFor, freshDir, CLI, SHOTS } from './helpers.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const NO_CONSUMER = {
  version: 1, title: 'A producer and nobody reading', seed: 1, duration_ms: 10000,
  system: 'kafka', brokers: 3, producers: [{ rate_per_s: 100 }], consumers: [],
};

function cli(scenario) {
  const file = join(freshDir(), 'scenario.json');
  writeFileSync(file, JSON.stringify(scenario));
  return JSON.parse(execFileSync(CLI, ['run', file, '--json'], { encoding: 'utf8' }));
}

const number = async (page, key) => Number(await page.textContent(`[data-report="${key}"]`));

for (const [lang, why] of [['en', /1000 still held, never consumed: the scenario has no consumer/], ['zh', /1000 条仍有副本但从未被消费：场景中没有消费它们的消费者/]]) {
  test(`a producer with no consumer loses nothing: every message is unconsumed, and the page says why (${lang})`, async () => {
    for (const [name, viewport] of [['desktop', { width: 1280, height: 800 }], ['phone', { width: 390, height: 844 }]]) {
      const { page, errors, context } = await openPage(browser, `?lang=${lang}${fragmentFor(NO_CONSUMER)}`, { viewport });
      // Run to the end; the explanation appears once the run is finished.
      await page.click('#to-end');
      await page.waitForSelector('#not-delivered', { timeout: 60_000 });
      const expected = cli(NO_CONSUMER);
      assert.equal(expected.lost, 0);
      assert.equal(await number(page, 'lost'), 0);
      assert.equal(await number(page, 'unconsumed'), expected.confirmed);
      assert.equal(await number(page, 'confirmed'), expected.confirmed);
      assert.match(await page.textContent('#not-delivered'), why);
      await page.locator('#not-delivered').scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(SHOTS, `final-read-${lang}-${name}.png`) });
      assert.deepEqual(errors, []);
      await context.close();
    }
  });
}

test('a run that loses messages names what destroyed their last copies', async () => {
  const { page, errors, context } = await openPage(browser, '?preset=autoack-consumer-crash', { viewport: { width: 1280, height: 800 } });
  await runToEnd(page);
  const lost = await number(page, 'lost');
  assert.ok(lost > 0, 'this preset loses messages');
  const causes = await page.$$eval('#not-delivered li.lost', (items) => items.map((li) => li.textContent));
  assert.ok(causes.some((c) => /^\d+ lost, no copy left: an auto-ack consumer died with them in its buffer$/.test(c)), causes.join(' | '));
  // The causes add up to the lost count, and none is unexplained.
  assert.equal(causes.reduce((sum, c) => sum + Number(c.split(' ')[0]), 0), lost);
  assert.ok(!causes.some((c) => /never stored|no reader/.test(c)), causes.join(' | '));
  await page.locator('#not-delivered').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(SHOTS, 'final-read-lost.png') });
  assert.deepEqual(errors, []);
  await context.close();
});
