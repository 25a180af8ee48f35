// The views over the whole run, on the page: a long run's heatmap columns name the steps
// they hold, captions follow the optimizer, the task and divergence, and a diverged run
// is marked in red on the time charts.
// Run by `cargo xtask test` (after `cargo xtask build`), or: node --test tests/e2e/views.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, sharedServerAndBrowser } from './helpers.mjs';

let server;
let browser;
sharedServerAndBrowser((s, b) => { server = s; browser = b; });

const caption = (page, name) => page.$eval(`#view-${name}`, (c) => {
  const v = c.closest('.view');
  return { title: v.querySelector('h2').textContent, caption: v.querySelector('.caption').textContent };
});

test('after 2,000 steps the heatmap still starts at step 0, four steps a column', async () => {
  const { page, errors } = await openPage(browser.context, server.url, '?depth=4');
  await page.evaluate(() => window.gradscope.step(2000));
  const box = await page.locator('#view-heatmap').boundingBox();
  // The plot's left edge is past the axis labels: move right until a cell answers.
  let text = '';
  for (let x = 0.05; x < 0.3 && !text.startsWith('layer'); x += 0.01) {
    await page.mouse.move(box.x + box.width * x, box.y + box.height * 0.5);
    const tip = page.locator('#tooltip');
    if (await tip.isVisible()) text = await tip.textContent();
  }
  assert.match(text, /^layer \d+ · steps 0–3 · ‖dL\/dW‖ = \d\.\d\de[-+]\d+ \(geometric mean; \d\.\d\de[-+]\d+ to \d\.\d\de[-+]\d+\)$/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('captions follow the optimizer, the task and divergence', async () => {
  const { page, errors } = await openPage(browser.context, server.url, '?optimizer=adam&depth=4');
  await page.evaluate(() => window.gradscope.step(5));
  const lr = await caption(page, 'lr');
  assert.equal(lr.title, 'Update size per layer');
  assert.match(lr.caption, /^Adam scales each weight's step/);
  assert.doesNotMatch(lr.caption, /effective step size/);
  await page.evaluate(() => window.gradscope.setConfig({ dataset: { kind: 'sine' } }));
  await page.evaluate(() => window.gradscope.step(2));
  assert.equal((await caption(page, 'data')).title, 'Data and fitted curve');
  await page.evaluate(() => window.gradscope.setConfig({
    dataset: { kind: 'circles' },
    network: { depth: 30, activation: 'relu', init: 'normal', init_std: 10 },
    optimizer: { kind: 'sgd' },
  }));
  await page.evaluate(() => window.gradscope.step(5));
  const at = (await page.evaluate(() => window.gradscope.inspect())).diverged_at;
  assert.equal(typeof at, 'number');
  const data = await caption(page, 'data');
  assert.equal(data.title, 'Data and decision boundary');
  assert.ok(data.caption.startsWith(`Diverged at step ${at}:`) && data.caption.includes('last finite model'), data.caption);
  // The loss chart shows a red band (the non-finite colour, translucent on white).
  const reds = await page.$eval('#view-loss', (c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] > 230 && d[i + 1] > 150 && d[i + 1] < 190 && d[i + 2] > 150 && d[i + 2] < 190) n += 1;
    return n;
  });
  assert.ok(reds > 200, `red band pixels: ${reds}`);
  assert.deepEqual(errors, []);
  await page.close();
});
