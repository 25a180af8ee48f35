// Measured advice on the page: a sick network gets offers under the diagnosis, one click
// applies one change (and restarts), and training the advised config as long as the trial
// shows on the page the numbers the offer claimed.
// Run by `cargo xtask test` (after `cargo xtask build`), or: node --test tests/e2e/advice.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import AxeBuilder from '@axe-core/playwright';
import { screenshotPath, sharedServerAndBrowser, freshPage } from './helpers.mjs';

let server;
let browser;
sharedServerAndBrowser((s, b) => { server = s; browser = b; });

const fresh = (query = '', viewport = undefined) => freshPage(browser, server.url, query, viewport);

/** Waits until the advisor has tried every change; returns its state. */
async function adviceDone(page) {
  await page.waitForFunction(() => window.gradscope.advice()?.status === 'done', null, { timeout: 120000 });
  return page.evaluate(() => window.gradscope.advice());
}

/** The numbers after `label ` in a sentence, e.g. number(text, 'loss') */
function number(text, before) {
  const m = text.match(new RegExp(`${before} (-?[0-9.e+-]+)`));
  return m ? m[1] : null;
}

const SICK = '?depth=20&width=8&activation=sigmoid&init=standard';

test('a vanishing network gets measured advice, and applying one shows the claimed numbers', async () => {
  const { page, errors } = await fresh(SICK);
  await page.evaluate(() => window.gradscope.step(30));
  assert.match(await page.textContent('#diagnosis'), /^Vanishing/);
  // While the counterfactual runs train, the box says so.
  assert.equal(await page.isVisible('#advice'), true);
  const advice = await adviceDone(page);
  assert.equal(advice.trouble, 'vanishing');
  assert.ok(advice.offers.length >= 1, JSON.stringify(advice));
  const items = await page.$$eval('#advice .advice-offers li .advice-text', (els) => els.map((e) => e.textContent));
  assert.deepEqual(items, advice.offers.map((o) => o.text));
  for (const o of advice.offers) {
    assert.match(o.text, /^With .*, trained 300 steps from the start: layer 1 gets .* of layer 20's weight gradient \(the unchanged trial at step 300: .*\); loss .* \(unchanged: /);
  }
  const axe = await new AxeBuilder({ page }).include('header').analyze();
  assert.deepEqual(axe.violations.map((v) => `${v.impact} ${v.id}: ${v.help}`), []);
  for (const width of [360, 700, 1400]) {
    await page.setViewportSize({ width, height: 900 });
    await page.locator('header').screenshot({ path: screenshotPath(`advice-${width}`) });
  }
  await page.setViewportSize({ width: 1400, height: 1000 });

  // One click applies the first change: the config has it and the run starts again.
  const offer = advice.offers[0];
  await page.click('#advice .advice-offers li:first-child .advice-apply');
  const config = await page.evaluate(() => window.gradscope.config());
  for (const [section, fields] of Object.entries(offer.patch)) {
    for (const [key, value] of Object.entries(fields)) {
      assert.deepEqual(config[section][key], value, `${section}.${key}`);
    }
  }
  assert.equal((await page.evaluate(() => window.gradscope.inspect())).steps, 0);
  assert.match(await page.textContent('#status'), /Applied/);

  // Trained as long as the trial, the page shows what the offer claimed.
  await page.evaluate((n) => window.gradscope.step(n), offer.steps);
  const d = await page.textContent('#diagnosis');
  assert.doesNotMatch(d, /^Vanishing/);
  assert.equal(number(d, 'loss'), number(offer.text, 'loss'), `${d} vs ${offer.text}`);
  if (/layer 1 gets/.test(d)) assert.equal(number(d, 'layer 1 gets'), number(offer.text, 'layer 1 gets'));
  // The run is no longer in trouble, so the advice box hides.
  await page.waitForFunction(() => document.getElementById('advice').hidden);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a healthy run gets no advice box', async () => {
  const { page, errors } = await fresh('?depth=3');
  await page.evaluate(() => window.gradscope.step(50));
  await page.waitForTimeout(300);
  assert.equal(await page.isVisible('#advice'), false);
  assert.equal((await page.evaluate(() => window.gradscope.advice())).status, 'none');
  assert.deepEqual(errors, []);
  await page.close();
});

test('relu with N(0, 2^2) init says it exploded and diverged at the default speed, never dead', async () => {
  const { page, errors } = await fresh('?depth=30&activation=relu&init=normal&std=2');
  await page.evaluate(() => {
    window.seen = [];
    const box = document.getElementById('diagnosis');
    new MutationObserver(() => window.seen.push(box.textContent)).observe(box, { childList: true, characterData: true, subtree: true });
  });
  await page.click('#play');
  await page.waitForFunction(() => window.gradscope.inspect().diverged, null, { timeout: 30000 });
  await page.waitForFunction(() => /^Diverged/.test(document.getElementById('diagnosis').textContent));
  const seen = await page.evaluate(() => window.seen);
  // Exploding shows, or (when the first frame already reaches step 1) the divergence
  // names the explosion that caused it.
  assert.ok(seen.some((t) => /^Exploding: gradient norm/.test(t) || /^Diverged \(NaN\) at step 1, after the gradient norm exploded to \d+e\d+ at step 0/.test(t)), seen.join('\n'));
  assert.ok(!seen.some((t) => /dead/i.test(t)), seen.join('\n'));
  // The advice for a diverged run is measured too; whatever it says, it finishes.
  const advice = await adviceDone(page);
  assert.equal(advice.trouble, 'diverged');
  for (const o of advice.offers) assert.match(o.text, /no NaN or inf in \d+ steps/);
  assert.deepEqual(errors, []);
  await page.close();
});
