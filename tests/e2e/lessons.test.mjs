// Every lesson, opened by its link in Chromium: its text is shown, its views are marked,
// and its claim holds on the page: the numbers are read from window.gradscope.inspect()
// (and featureLr()) after stepping to the claim's step, and compared with the claim's
// numbers from the module's lesson data (src/lessons.rs). Each lesson is screenshot at
// 1400 px into tests/e2e/output/lesson-NAME.png. Also: the lesson menu, an unknown lesson's
// message, the learning-rate view's per-feature mode and the optimizer switch's note.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { screenshotPath, freshPage, sharedServerAndBrowser } from './helpers.mjs';

let server;
let browser;

sharedServerAndBrowser((s, b) => { server = s; browser = b; });

const fresh = (query = '', viewport = undefined) => freshPage(browser, server.url, query, viewport);

/** The claim's measure on the page, computed here from what the page reports. */
function measureOnPage(page, check) {
  return page.evaluate((c) => {
    const g = window.gradscope;
    const num = (v) => (typeof v === 'number' ? v : Number(v));
    const upTo = (step) => {
      const left = step + 1 - g.inspect().steps;
      if (left > 0) g.step(left);
      return g.inspect();
    };
    if (c.measure === 'lr_fall') {
      const then = num(upTo(c.from).layers[0].eff_lr_mean);
      const now = upTo(c.step);
      return { value: num(now.layers[0].eff_lr_mean) / then, step: now.step };
    }
    const r = upTo(c.step);
    switch (c.measure) {
      case 'grad_ratio':
        return { value: num(r.layers[0].grad_norm) / num(r.layers[c.depth - 1].grad_norm), step: r.step };
      case 'test_loss':
        return { value: num(r.test_loss), step: r.step };
      case 'dead_share':
        return { value: Math.max(...r.layers.slice(0, c.depth).map((l) => num(l.dead_share ?? 0))), step: r.step };
      case 'diverged_at':
        return { value: r.diverged_at ?? c.step + 1, step: c.step };
      case 'feature_lr_ratio': {
        const rates = g.featureLr();
        return { value: rates[rates.length - 1] / rates[0], step: r.step };
      }
      default:
        return { value: NaN, step: -1, unknown: c.measure };
    }
  }, check);
}

test('every lesson opens by its link, shows its text and its claim holds on the page', async () => {
  const { page: first } = await fresh();
  const lessons = await first.evaluate(() => window.gradscope.lessons());
  await first.close();
  assert.ok(lessons.length >= 12, `${lessons.length} lessons`);
  const failures = [];
  for (const lesson of lessons) {
    const { page, errors } = await fresh(`?lesson=${lesson.name}`);
    assert.equal(await page.$eval('#messages', (el) => el.hidden), true, `${lesson.name}: ${await page.textContent('#messages')}`);
    assert.equal(await page.$eval('#lesson-select', (el) => el.value), lesson.name);
    assert.equal(await page.textContent('#lesson-claim'), lesson.claim);
    assert.equal(await page.textContent('#lesson-title'), lesson.title);
    const marked = await page.$$eval('.view.lesson-focus canvas', (cs) => cs.map((c) => c.id.replace('view-', '')));
    assert.deepEqual(marked.sort(), [...lesson.views].sort(), lesson.name);
    assert.equal(await page.evaluate(() => window.gradscope.query()), `lesson=${lesson.name}`);
    const c = lesson.check;
    const got = await measureOnPage(page, c);
    assert.equal(got.step, c.step, `${lesson.name}: measured at step ${got.step}`);
    const holds = c.bound === 'below' ? got.value < c.value : got.value > c.value;
    console.log(`${lesson.name}: ${c.measure} at step ${c.step} = ${got.value} (${c.bound} ${c.value}) ${holds ? 'ok' : 'FAILS'}`);
    if (!holds) failures.push(`${lesson.name}: "${lesson.claim}" measured ${got.value}`);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    await page.screenshot({ path: screenshotPath(`lesson-${lesson.name}`), fullPage: true });
    assert.deepEqual(errors, [], lesson.name);
    await page.close();
  }
  assert.deepEqual(failures, []);
});

test('the lesson menu sets a lesson up, and an unknown lesson gets the list', async () => {
  const { page, errors } = await fresh('?lesson=no-such-lesson');
  const message = await page.textContent('#messages');
  assert.match(message, /^There is no lesson called 'no-such-lesson'\. The lessons are: vanishing-sigmoid, /);
  assert.equal(await page.$eval('#lesson-text', (el) => el.hidden), true);
  await page.selectOption('#lesson-select', 'adagrad-sparse');
  const config = await page.evaluate(() => window.gradscope.config());
  assert.equal(config.dataset.kind, 'sparse');
  assert.equal(config.optimizer.kind, 'adagrad');
  assert.equal(await page.$eval('#lesson-text', (el) => el.hidden), false);
  assert.equal(await page.isVisible('#lesson-left'), false, 'the run is the lesson\'s');
  assert.equal(await page.$eval('#messages', (el) => el.hidden), true);
  assert.match(page.url(), /\?lesson=adagrad-sparse$/);
  // Its view: the learning rate per input feature, and a radio to go back.
  assert.equal(await page.$eval('input[name="lr_by"][value="feature"]', (el) => el.checked), true);
  assert.match(await page.textContent('#lr-caption'), /per input feature/);
  await page.check('input[name="lr_by"][value="layer"]');
  assert.equal((await page.evaluate(() => window.gradscope.view())).lr_by, 'layer');
  assert.doesNotMatch(await page.textContent('#lr-caption'), /per input feature/);
  // A changed setting: the link is the lesson and what differs from it.
  await page.evaluate(() => window.gradscope.setConfig({ network: { depth: 3 } }));
  assert.equal(await page.evaluate(() => window.gradscope.query()), 'lesson=adagrad-sparse&depth=3&lr_by=layer');
  // The lesson's numbers no longer describe this run, and the page says so and offers it back.
  assert.equal(await page.isVisible('#lesson-left'), true);
  await page.click('#lesson-restore');
  assert.equal((await page.evaluate(() => window.gradscope.config())).network.depth, 2);
  assert.equal(await page.isVisible('#lesson-left'), false);
  assert.match(page.url(), /\?lesson=adagrad-sparse$/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('switching the optimizer keeps the learning rate and offers its default', async () => {
  const { page, errors } = await fresh();
  await page.selectOption('#input-optimizer', 'adam');
  let config = await page.evaluate(() => window.gradscope.config());
  assert.equal(config.optimizer.kind, 'adam');
  assert.equal(config.optimizer.lr, 0.1);
  assert.equal(await page.textContent('#optimizer-note span'), "Switched to adam and kept the learning rate 0.1; gradscope starts adam at 0.01.");
  assert.equal(await page.isVisible('#control-beta1'), true);
  await page.click('#optimizer-default-lr');
  config = await page.evaluate(() => window.gradscope.config());
  assert.equal(config.optimizer.lr, 0.01);
  assert.equal(await page.textContent('#optimizer-note'), "adam with gradscope's starting learning rate 0.01.");
  // The clip threshold: one step away, visible as soon as clipping is on.
  assert.equal(await page.isVisible('#control-threshold'), false);
  await page.selectOption('#input-clip', 'norm');
  assert.equal(await page.isVisible('#control-threshold'), true);
  // A wrong value through the API: a student's words.
  const r = await page.evaluate(() => window.gradscope.setConfig({ network: { activation: 'swish' } }));
  assert.match(r.error, /'swish' is not an activation here; choose one of sigmoid, tanh, relu/);
  assert.doesNotMatch(r.error, /unknown variant/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('each tested try-next does on the page what its sentence says', async () => {
  const { page: first } = await fresh();
  const lessons = (await first.evaluate(() => window.gradscope.lessons())).filter((l) => l.tried);
  await first.close();
  assert.ok(lessons.length >= 4, `${lessons.length} lessons with a tested try-next`);
  const failures = [];
  for (const lesson of lessons) {
    const { page, errors } = await fresh(`?lesson=${lesson.name}&${lesson.tried.settings}`);
    assert.equal(await page.$eval('#messages', (el) => el.hidden), true, lesson.name);
    for (const [i, c] of lesson.tried.checks.entries()) {
      // Each claim from a fresh run of the changed setup.
      if (i > 0) await page.evaluate(() => window.gradscope.reset());
      const got = await measureOnPage(page, c);
      const holds = c.bound === 'below' ? got.value < c.value : got.value > c.value;
      console.log(`${lesson.name} + ${lesson.tried.settings}: ${c.measure} at step ${c.step} = ${got.value} (${c.bound} ${c.value}) ${holds ? 'ok' : 'FAILS'}`);
      if (!holds) failures.push(`${lesson.name} + ${lesson.tried.settings}: "${lesson.tried.claims[i]}" measured ${got.value}`);
    }
    assert.deepEqual(errors, [], lesson.name);
    await page.close();
  }
  assert.deepEqual(failures, []);
});

test('exploding-init explodes on screen, and adagrad-decay\'s try-next is a button that exists', async () => {
  const { page, errors } = await fresh('?lesson=exploding-init');
  const watch = await page.textContent('#lesson-text');
  assert.match(watch, /banner says Exploding/);
  await page.click('#step');
  assert.match(await page.$eval('#diagnosis', (el) => el.className), /\bexploding\b/);
  assert.match(await page.textContent('#diagnosis'), /^Exploding: gradient norm \d{4,}/);
  await page.evaluate(() => window.gradscope.step(2));
  assert.match(await page.$eval('#diagnosis', (el) => el.className), /\bdiverged\b/);
  // adagrad-decay: choose rmsprop, then press the button its try-next names.
  await page.selectOption('#lesson-select', 'adagrad-decay');
  const tryNext = (await page.evaluate(() => window.gradscope.lessons())).find((l) => l.name === 'adagrad-decay').try_next;
  await page.selectOption('#input-optimizer', 'rmsprop');
  const label = await page.textContent('#optimizer-default-lr');
  assert.ok(tryNext.includes(`press '${label}'`), `${tryNext} / ${label}`);
  await page.click('#optimizer-default-lr');
  const config = await page.evaluate(() => window.gradscope.config());
  assert.equal(config.optimizer.kind, 'rmsprop');
  assert.equal(config.optimizer.lr, 0.01);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a lesson chosen while playing is set up paused at step 0, and its note goes once it steps', async () => {
  const { page, errors } = await fresh();
  await page.click('#play');
  await page.waitForFunction(() => window.gradscope.inspect().steps > 5);
  await page.selectOption('#lesson-select', 'vanishing-sigmoid');
  assert.equal(await page.textContent('#play'), 'Play');
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  assert.equal(await page.evaluate(() => window.gradscope.inspect().steps), 0);
  assert.match(await page.textContent('#status'), /Lesson set up: press Play\./);
  await page.click('#step');
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  assert.doesNotMatch(await page.textContent('#status'), /press Play/);
  assert.match(await page.textContent('#status'), /^step 1/);
  assert.deepEqual(errors, []);
  await page.close();
});
