// For course pages: the Chinese UI (nothing of the English catalogue left),
// a guided lesson's question-and-answer flow, the embed mode and its URL
// options, and the example course page loading its iframes under its CSP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  launch, URL_BASE, SHOTS, englishCatalogue, pageTexts, leftovers, englishPhrases,
} from './helpers.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function openAt(query, { wait = '[data-broker="b1"]', locale = 'en-US', settled = wait?.startsWith('[data-broker') } = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale });
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(URL_BASE + query);
  if (wait) await page.waitForSelector(wait);
  // The panels below the cluster join just after the first paint.
  if (settled) await page.waitForSelector('.page[data-settled]');
  return { page, errors, context };
}

test('the Chinese page shows no English text of the catalogue, and the switcher changes language', async () => {
  const catalogue = englishCatalogue();
  assert.ok(catalogue.length > 150, `catalogue read: ${catalogue.length}`);
  const { page, errors, context } = await openAt('?lang=zh');
  assert.equal(await page.getAttribute('.page', 'lang'), 'zh');
  assert.equal((await page.textContent('#play')).trim(), '▶ 播放');
  // Open what hides texts: the configuration, a broker's menu, the lesson
  // list, the embed code; play a little so the log and the report fill.
  await page.click('#configure summary');
  await page.click('[data-broker="b1"]');
  await page.waitForSelector('#broker-menu');
  await page.click('#lessons');
  await page.waitForSelector('#lesson-index');
  await page.click('#embed-code');
  await page.waitForSelector('#embed-snippet');
  await page.click('#to-end');
  await page.waitForFunction(() => /已结束/.test(document.getElementById('phase').textContent), null, { timeout: 60_000 });
  const texts = await pageTexts(page);
  const bad = leftovers(texts, catalogue);
  await page.screenshot({ path: join(SHOTS, 'chinese.png'), fullPage: true });
  assert.deepEqual(bad, [], 'English UI text left in the Chinese page');
  // The log speaks Chinese too (the core's sentences).
  const log = await page.textContent('#log');
  assert.match(log, /[\u4e00-\u9fff]/);
  // The same checks find English in the English page (the test can fail).
  assert.ok(leftovers(['▶ Play', 'What happened, and why'], catalogue).length >= 2);
  // The switcher.
  await page.selectOption('#lang', 'en');
  await page.waitForFunction(() => document.getElementById('play').textContent.trim() === '▶ Play');
  assert.match(page.url(), /lang=en/);
  assert.deepEqual(errors, []);
  await context.close();
});


test('the first visit fetches no Chinese; switching fetches lang/zh.json and the page, log included, speaks Chinese', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const fetched = [];
  page.on('request', (r) => fetched.push(new URL(r.url()).pathname));
  await page.goto(URL_BASE);
  await page.waitForSelector('.page[data-settled]');
  await page.click('#step');
  await page.click('#step');
  // The data a first visit fetches: the preset index and the default preset.
  const data = fetched.filter((p) => p.endsWith('.json'));
  assert.ok(data.some((p) => p.endsWith('/presets/index.json')), data.join(' '));
  assert.ok(data.some((p) => p.endsWith('/presets/mirrored-master-crash.json')), data.join(' '));
  assert.deepEqual(data.filter((p) => /\/lang\/|\/lessons\//.test(p)), [], 'no Chinese, no lesson');
  assert.equal(data.filter((p) => p.includes('/presets/')).length, 2, data.join(' '));
  assert.equal((await page.textContent('#play')).trim(), '▶ Play');
  await page.selectOption('#lang', 'zh');
  await page.waitForFunction(() => document.getElementById('play').textContent.trim() === '▶ 播放');
  assert.ok(fetched.some((p) => p.endsWith('/lang/zh.json')), 'lang/zh.json fetched on the switch');
  assert.match(await page.textContent('#log'), /[\u4e00-\u9fff]/, 'the core\'s sentences in Chinese');
  const bad = leftovers(await pageTexts(page), englishCatalogue());
  await page.screenshot({ path: join(SHOTS, 'chinese-switched.png') });
  assert.deepEqual(bad, [], 'English UI text left after the switch');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a data file that cannot be fetched is named: the Chinese file, a preset, the default preset', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
  const page = await context.newPage();
  await page.route('**/lang/zh.json', (r) => r.fulfill({ status: 404, body: 'gone' }));
  await page.route('**/presets/kafka-seed.json', (r) => r.fulfill({ status: 404, body: 'gone' }));
  // Opening in Chinese without its file: English, and a notice says why.
  await page.goto(URL_BASE + '?lang=zh');
  await page.waitForSelector('.page[data-settled]');
  assert.equal((await page.textContent('#play')).trim(), '▶ Play');
  assert.match(await page.textContent('#notice'), /lang\/zh\.json: HTTP 404/);
  // Switching to it: the menu names the file and the page keeps English.
  await page.goto(URL_BASE + '?lang=en');
  await page.waitForSelector('.page[data-settled]');
  await page.selectOption('#lang', 'zh');
  await page.waitForSelector('.lang-note.error');
  assert.match(await page.textContent('.lang-note.error'), /lang\/zh\.json: HTTP 404/);
  assert.equal((await page.textContent('#play')).trim(), '▶ Play');
  // A named preset: the default runs, and the notice names the file.
  await page.goto(URL_BASE + '?lang=en&preset=kafka-seed');
  await page.waitForSelector('.page[data-settled]');
  assert.match(await page.textContent('#notice'), /presets\/kafka-seed\.json: HTTP 404/);
  // Without the default preset there is nothing to run: the page says which file.
  await page.route('**/presets/mirrored-master-crash.json', (r) => r.fulfill({ status: 404, body: 'gone' }));
  await page.goto(URL_BASE + '?lang=en');
  await page.waitForSelector('#app.fatal');
  assert.match(await page.textContent('#app'), /could not start: presets\/mirrored-master-crash\.json: HTTP 404/);
  await context.close();
});

test('in Chinese, a disaster-recovery run with its site menu, preset texts and clients has no English phrase', async () => {
  const { page, errors, context } = await openAt('?lang=zh&preset=dr-primary-site-lost', { wait: '[data-site="primary"]' });
  await page.click('#configure summary');
  await page.click('#to-end');
  await page.waitForFunction(() => /已结束/.test(document.getElementById('phase').textContent), null, { timeout: 60_000 });
  await page.click('[data-site="dr"]');
  await page.waitForSelector('#site-menu');
  // Everything a student reads, the scenario's own title and description
  // and the preset list included (presets carry Chinese texts).
  const texts = await pageTexts(page, 'code, textarea, [hidden]');
  await page.screenshot({ path: join(SHOTS, 'chinese-dr.png'), fullPage: true });
  assert.match(await page.textContent('#scenario-title'), /[\u4e00-\u9fff]/);
  assert.match(await page.textContent('#scenario-description'), /[\u4e00-\u9fff]/);
  assert.match(await page.textContent('#site-menu'), /站点 dr/);
  // The clients' connection states (single words the phrase check misses).
  for (const client of ['p1', 'c1']) {
    const text = await page.textContent(`[data-client="${client}"] .client-state`);
    assert.match(text, /[\u4e00-\u9fff]/, `${client}: ${text}`);
  }
  assert.deepEqual(leftovers(texts, englishCatalogue()), [], 'catalogue text left in English');
  assert.deepEqual(englishPhrases(texts), [], 'English phrases in the Chinese page');
  // The detector finds English where there is some (the test can fail).
  assert.equal(englishPhrases(['★ the applications use this site', 'acks=all 与 min.insync.replicas=2']).length, 1);
  assert.deepEqual(errors, []);
  await context.close();
});

test('the language follows the browser unless the address says otherwise', async () => {
  const zh = await openAt('', { locale: 'zh-CN' });
  assert.equal((await zh.page.textContent('#play')).trim(), '▶ 播放');
  await zh.context.close();
  const en = await openAt('?lang=en', { locale: 'zh-CN' });
  assert.equal((await en.page.textContent('#play')).trim(), '▶ Play');
  await en.context.close();
});

test('a guided lesson pauses, asks, gives feedback, plays on and explains, pointing at the log', async () => {
  const { page, errors, context } = await openAt('?lesson=kafka-acks&lang=en&speed=4');
  assert.match(await page.textContent('#lesson h2'), /acks=1 vs acks=all/);
  await page.click('#lesson-start');
  await page.waitForSelector('#lesson-question', { timeout: 60_000 });
  assert.match(await page.textContent('#lesson-say'), /200 messages a second/);
  assert.match(await page.textContent('#lesson-question .prompt'), /when does b1 acknowledge/);
  // Paused at the step's event.
  const clock = await page.textContent('#clock');
  await page.waitForTimeout(300);
  assert.equal(await page.textContent('#clock'), clock);
  assert.equal(await page.$('#lesson-next'), null, 'no playing on before an answer');
  // A wrong answer is marked and the right one shown.
  await page.click('#lesson-question [data-choice="1"]');
  assert.equal(await page.getAttribute('#lesson-feedback', 'data-right'), 'false');
  assert.match(await page.getAttribute('#lesson-question [data-choice="0"]', 'class'), /right/);
  assert.match(await page.getAttribute('#lesson-question [data-choice="1"]', 'class'), /wrong/);
  // The pointed events are marked in the log.
  assert.ok(await page.$$eval('#log li.pointed', (l) => l.length) > 0, 'point_at events marked');
  await page.click('#lesson-next');
  // On to the next pause (b1's process is killed), where the first step's explanation shows.
  await page.waitForSelector('#lesson-explain', { timeout: 60_000 });
  assert.match(await page.textContent('#lesson-explain'), /acks=1 waits for the leader's own write only/);
  assert.match(await page.textContent('#lesson-say'), /b1's process is killed/);
  assert.match(await page.textContent('#lesson h2'), /step 2 of/);
  await page.click('#lesson-question [data-choice="0"]').catch(() => {});
  await page.screenshot({ path: join(SHOTS, 'lesson.png') });
  assert.deepEqual(errors, []);
  await context.close();
});

test('a lesson opens its side-by-side comparison once the question is answered (acks=all is not durability)', async () => {
  const { page, errors, context } = await openAt('?lesson=acks-all-is-not-durability&lang=en&speed=16');
  assert.match(await page.textContent('#lesson h2'), /acks=all is not durability/);
  await page.click('#lesson-start');
  await page.waitForSelector('#lesson-question', { timeout: 60_000 });
  assert.match(await page.textContent('#lesson-say'), /40 s: 4000 records acknowledged/);
  await page.click('#lesson-question [data-choice="1"]');
  assert.equal(await page.getAttribute('#lesson-feedback', 'data-right'), 'true');
  assert.equal(await page.$('#lesson-compare'), null, 'the first step opens no comparison');
  await page.click('#lesson-next');
  await page.waitForSelector('#lesson-explain', { timeout: 60_000 });
  assert.match(await page.textContent('#lesson-explain'), /1000 records acknowledged after the 35 s writeback/);
  assert.match(await page.textContent('#lesson-say'), /records 3501 to 4500/);
  // Offered only after the answer: the comparison gives it away.
  assert.equal(await page.$('#lesson-compare'), null);
  await page.click('#lesson-question [data-choice="2"]');
  assert.equal(await page.getAttribute('#lesson-feedback', 'data-right'), 'true');
  assert.equal(await page.getAttribute('#lesson-compare', 'href'), '?compare=kafka-flush&lang=en');
  await page.screenshot({ path: join(SHOTS, 'lesson-acks-all-1280.png') });
  await page.click('#lesson-compare');
  await page.waitForSelector('#side-right [data-broker="b1"]');
  assert.equal((await page.textContent('#side-right .side-diff')).trim(), 'flush.messages=1');
  assert.deepEqual(errors, []);
  await context.close();
});

test('lesson kill-or-crash in Chinese on a phone: the kill noticed in a millisecond, the crash in a second', async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN' });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(URL_BASE + '?lesson=kill-or-crash&lang=zh&speed=8');
  await page.waitForSelector('#lesson-start');
  await page.click('#lesson-start');
  await page.waitForSelector('#lesson-question', { timeout: 60_000 });
  assert.match(await page.textContent('#lesson-say'), /1 毫秒后就看到了 nodedown/);
  assert.match(await page.textContent('#clock'), /^5\.247/);
  await page.click('#lesson-question [data-choice="1"]');
  await page.click('#lesson-next');
  await page.waitForSelector('#lesson-explain', { timeout: 60_000 });
  assert.match(await page.textContent('#clock'), /^27\.758/);
  assert.match(await page.textContent('#lesson-explain'), /aten/);
  const texts = await pageTexts(page, 'code, textarea, [hidden]');
  assert.deepEqual(englishPhrases(texts), [], 'English phrases in the Chinese lesson');
  await page.screenshot({ path: join(SHOTS, 'lesson-kill-or-crash-zh-390.png') });
  assert.deepEqual(errors, []);
  await context.close();
});

test('a lesson in Chinese: its narration, question, feedback and the page around it have no English phrase', async () => {
  const { page, errors, context } = await openAt('?lesson=unsynced-mirror&lang=zh&speed=8');
  await page.click('#lesson-start');
  await page.waitForSelector('#lesson-question', { timeout: 60_000 });
  await page.click('#lesson-question [data-choice="0"]');
  await page.waitForSelector('#lesson-feedback');
  await page.click('#lesson-next');
  await page.waitForSelector('#lesson-explain', { timeout: 60_000 });
  const texts = await pageTexts(page, 'code, textarea, [hidden]');
  assert.match(await page.textContent('#lesson-say'), /[\u4e00-\u9fff]/);
  assert.match(await page.textContent('#lesson-explain'), /[\u4e00-\u9fff]/);
  assert.deepEqual(leftovers(texts, englishCatalogue()), [], 'catalogue text left in English');
  assert.deepEqual(englishPhrases(texts), [], 'English phrases in the Chinese lesson');
  assert.deepEqual(errors, []);
  await context.close();
});

test('the lesson index lists every lesson and opens one', async () => {
  const { page, errors, context } = await openAt('?lesson=&lang=zh');
  // The lessons' files are fetched when the index opens.
  await page.waitForSelector('#lesson-index li');
  const n = await page.$$eval('#lesson-index li', (l) => l.length);
  assert.ok(n >= 13, `${n} lessons`);
  await page.click('#lesson-index li[data-lesson="split-brain"] a');
  await page.waitForSelector('#lesson[data-lesson="split-brain"]');
  assert.match(await page.textContent('#lesson h2'), /[\u4e00-\u9fff]/);
  assert.deepEqual(errors, []);
  await context.close();
});

test('embed mode: minimal chrome, the panels asked for, start time, speed, autoplay', async () => {
  const { page, errors, context } = await openAt('?embed=1&lang=zh&show=controls,cluster&t=5000&speed=0.1');
  assert.ok(await page.$('.page.embed'));
  assert.equal(await page.$('h1'), null);
  assert.equal(await page.$('#lessons'), null);
  assert.equal(await page.$('#log'), null);
  assert.equal(await page.$('#configure'), null);
  assert.ok(await page.$('#timeline'));
  await page.waitForFunction(() => document.getElementById('clock').textContent.startsWith('5.000s'));
  assert.equal((await page.textContent('#speed-value')).trim(), '0.10×');
  await context.close();
  const auto = await openAt('?embed=1&autoplay=1&show=cluster,log');
  assert.equal(await auto.page.$('#timeline'), null);
  assert.ok(await auto.page.$('#log'));
  await auto.page.waitForFunction(() => document.querySelectorAll('#log li').length > 2);
  assert.deepEqual([...errors, ...auto.errors], []);
  await auto.context.close();
});

test('the embed code button gives an iframe of the current scenario that opens', async () => {
  const { page, context } = await openAt('?lang=zh&lesson=split-brain');
  await page.click('#embed-code');
  const code = await page.inputValue('#embed-snippet');
  assert.match(code, /^<iframe src="http[^"]*\?embed=1&lang=zh&lesson=split-brain#s=[A-Za-z0-9_-]+"/);
  const src = code.match(/src="([^"]+)"/)[1];
  await page.setContent(code);
  const frame = await (await page.waitForSelector('iframe')).contentFrame();
  await frame.waitForSelector('#lesson[data-lesson="split-brain"]');
  assert.ok(src.includes('embed=1'));
  await context.close();
});

test('the embed code keeps the options the page was opened with', async () => {
  const { page, errors, context } = await openAt('?preset=kafka-seed&lang=zh&speed=2');
  await page.click('#embed-code');
  const code = await page.inputValue('#embed-snippet');
  assert.match(code, /^<iframe src="http[^"]*\?embed=1&lang=zh&speed=2#s=[A-Za-z0-9_-]+"/);
  await context.close();
  const more = await openAt('?lang=en&show=controls,cluster,log&t=5000&speed=0.5&autoplay=1');
  await more.page.click('#embed-code');
  const code2 = await more.page.inputValue('#embed-snippet');
  assert.match(code2, /\?embed=1&lang=en&show=controls,cluster,log&t=5000&speed=0\.5&autoplay=1#s=/);
  // The iframe opens as asked: the panels, the time and the speed.
  const src = code2.match(/src="([^"]+)"/)[1];
  const framed = await openAt(src.slice(URL_BASE.length), { wait: '#timeline', settled: false });
  await framed.page.waitForFunction(() => document.getElementById('clock').textContent.match(/^(\d+)\.\d+s/)?.[1] >= 5);
  assert.equal((await framed.page.textContent('#speed-value')).trim(), '0.50×');
  assert.equal(await framed.page.$('#configure'), null);
  assert.equal(await framed.page.$('#notice'), null);
  assert.deepEqual([...errors, ...more.errors, ...framed.errors], []);
  await more.context.close();
  await framed.context.close();
});

test('the example course page embeds two narrated scenarios in Chinese under its CSP', async () => {
  const { page, errors, context } = await openAt('course.html', { wait: 'iframe' });
  const lesson = await (await page.$('#lesson-frame')).contentFrame();
  const preset = await (await page.$('#preset-frame')).contentFrame();
  await page.locator('#lesson-frame').scrollIntoViewIfNeeded();
  await lesson.waitForSelector('#lesson-start', { timeout: 30_000 });
  assert.match(await lesson.textContent('#lesson h2'), /acks=1 与 acks=all/);
  await page.locator('#preset-frame').scrollIntoViewIfNeeded();
  await preset.waitForSelector('[data-broker="b1"]', { timeout: 30_000 });
  assert.match(await preset.textContent('#play'), /播放/);
  // The lesson runs inside the frame.
  await lesson.click('#lesson-start');
  await lesson.waitForSelector('#lesson-question', { timeout: 60_000 });
  assert.match(await lesson.textContent('#lesson-question'), /[\u4e00-\u9fff]/);
  await page.screenshot({ path: join(SHOTS, 'course.png'), fullPage: true });
  assert.deepEqual(errors, [], 'no console errors (CSP violations included)');
  await context.close();
});
