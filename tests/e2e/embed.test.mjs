// gradscope in a course: embed mode, the message API across two origins, the web
// component, the share and export dialogs, phones and screen readers.
// Run by `cargo xtask test` (after `cargo xtask build`), or: node --test tests/e2e/embed.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import AxeBuilder from '@axe-core/playwright';
import { CSP, startServer, launch, screenshotPath } from './helpers.mjs';

let server; // gradscope's site
let course; // a course site on another origin
let browser;

before(async () => {
  server = await startServer();
  // A careful course site: its own files, plus gradscope's frame and component (scripts,
  // styles and the fetched wasm) from gradscope's origin.
  const g = new URL(server.url).origin;
  course = await startServer(`default-src 'self'; script-src 'self' ${g} 'wasm-unsafe-eval'; `
    + `style-src 'self' ${g}; connect-src 'self' ${g}; img-src 'self' ${g}; frame-src ${g}`);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.close();
  await course?.close();
});

async function open(url, viewport, { ready = () => document.documentElement.dataset.ready === 'true' } = {}) {
  const page = await browser.context.newPage();
  if (viewport) await page.setViewportSize(viewport);
  const errors = [];
  const warnings = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
    if (m.type() === 'warning') warnings.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url);
  await page.waitForFunction(ready, null, { timeout: 30000 });
  return { page, errors, warnings };
}

const visibleIds = (page, selector) => page.$$eval(selector, (els) => els
  .filter((e) => e.offsetParent !== null).map((e) => e.id));

test('embed mode shows the views and controls named, in order, and tells the author about bad names', async () => {
  const query = '?embed=1&views=lr,heatmap&controls=threshold,depth,optimizer,bogus&depth=12&activation=sigmoid&clip=norm';
  const { page, errors, warnings } = await open(`${server.url}${query}`, { width: 700, height: 700 });
  await page.evaluate(() => window.gradscope.step(30));
  const views = await page.$$eval('.view:not(.off) canvas', (cs) => cs.map((c) => c.id));
  assert.deepEqual(views, ['view-lr', 'view-heatmap'], 'the views named, in order');
  assert.deepEqual(await visibleIds(page, '.controls .control'), ['control-threshold', 'control-depth', 'control-optimizer']);
  for (const id of ['play', 'step', 'reset', 'open-full', 'share-open', 'export-open']) {
    assert.equal(await page.isVisible(`#${id}`), true, `#${id}`);
  }
  for (const sel of ['.tagline', 'footer', '#seed', 'details.more', '#lesson']) assert.equal(await page.isVisible(sel), false, sel);
  // Bad names: the console and a small note, not the banner; the note can be dismissed.
  assert.ok(warnings.some((w) => /controls.*'bogus'/.test(w)), warnings.join('\n'));
  assert.equal(await page.isVisible('#messages'), false);
  assert.match(await page.textContent('#note'), /bogus.*console/);
  const note = await page.locator('#note').boundingBox();
  assert.ok(note.height < 60, `the note is ${note.height} px tall`);
  await page.click('#note-close');
  assert.equal(await page.isVisible('#note'), false);
  // "Open in gradscope": the full page with this run's settings.
  const href = await page.getAttribute('#open-full', 'href');
  assert.match(href, /depth=12/);
  assert.match(href, /activation=sigmoid/);
  assert.match(href, /clip=norm/);
  assert.doesNotMatch(href, /embed=|views=/);
  // The address keeps embed mode (a reload stays compact).
  assert.match(page.url(), /embed=1/);
  assert.match(page.url(), /views=lr,heatmap/);
  // Compact: the first view starts within the first screen of a 700 px frame.
  const first = await page.locator('#view-lr').boundingBox();
  assert.ok(first.y < 600, `the first view starts at ${first.y} px`);
  await page.screenshot({ path: screenshotPath('embed-700') });
  const axe = await new AxeBuilder({ page }).analyze();
  assert.deepEqual(axe.violations.map((v) => `${v.id} (${v.nodes.length}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), []);
  assert.deepEqual(errors, []);
  await page.close();
});

test('embed mode with no controls named shows none; the full page takes views= too', async () => {
  const { page } = await open(`${server.url}?embed=1&views=flow&lesson=exploding-init`, { width: 500, height: 600 });
  assert.equal(await page.isVisible('.controls'), false);
  // A lesson's run keeps its name in the address and the links, once.
  assert.equal(page.url().match(/lesson=/g).length, 1, page.url());
  assert.equal(await page.getAttribute('#open-full', 'href'), '/?lesson=exploding-init');
  // The lesson's text above the views, without the lesson menu.
  assert.match(await page.textContent('#lesson-text'), /Exploding gradients from a large init/);
  assert.equal(await page.isVisible('#lesson-text'), true);
  assert.equal(await page.isVisible('#lesson-select'), false, 'no lesson menu in embed mode');
  assert.deepEqual(await page.$$eval('.view:not(.off) canvas', (cs) => cs.map((c) => c.id)), ['view-flow']);
  assert.equal(await page.isVisible('#note'), false);
  await page.close();
  // A lesson in embed mode shows its own views when none are named.
  const { page: lesson } = await open(`${server.url}?embed=1&lesson=exploding-init`, { width: 500, height: 600 });
  const own = await lesson.evaluate(() => window.gradscope.lessons().find((l) => l.name === 'exploding-init').views);
  assert.ok(own.length >= 2, 'the lesson names its views');
  assert.deepEqual(await lesson.$$eval('.view:not(.off) canvas', (cs) => cs.map((c) => c.id)), own.map((v) => `view-${v}`), 'in the lesson\'s order');
  await lesson.close();
  const { page: full } = await open(`${server.url}?views=loss,data`);
  assert.deepEqual(await full.$$eval('.view:not(.off) canvas', (cs) => cs.map((c) => c.id)), ['view-loss', 'view-data']);
  assert.equal(await full.isVisible('#control-depth'), true, 'the full page keeps every control');
  assert.equal(await full.isVisible('#open-full'), false);
  await full.close();
});

test('the share dialog gives a link, an iframe and a component that reproduce the setup', async () => {
  const { page, errors } = await open(`${server.url}?embed=1&views=heatmap,loss&controls=depth`, { width: 900, height: 800 });
  await page.evaluate(() => {
    window.gradscope.setConfig({ seed: 42, network: { depth: 9, activation: 'relu', init: 'he_normal' }, optimizer: { kind: 'adam', lr: 0.003 } });
    window.gradscope.setMetric('delta');
    window.gradscope.play();
  });
  await page.click('#share-open');
  assert.equal(await page.isVisible('#share-dialog'), true);
  const link = await page.inputValue('#share-link');
  const iframe = await page.inputValue('#share-iframe');
  const component = await page.inputValue('#share-component');
  for (const part of ['seed=42', 'depth=9', 'activation=relu', 'optimizer=adam', 'lr=0.003', 'metric=delta', 'autoplay=1', 'views=heatmap,loss', 'controls=depth']) {
    assert.ok(link.includes(part), `${part} in ${link}`);
    assert.ok(iframe.includes(part), `${part} in the iframe snippet`);
  }
  assert.doesNotMatch(link, /embed=1/, 'the link opens the full page');
  assert.match(iframe, /^<iframe src="http:\/\/127\.0\.0\.1:\d+\/\?[^"]*embed=1[^"]*" title="gradscope lesson"/);
  assert.doesNotMatch(iframe, /&(?!amp;)/, 'ampersands are escaped in the attribute');
  assert.match(component, /<script type="module" src="http:\/\/127\.0\.0\.1:\d+\/www\/gradscope-lab\.js"><\/script>/);
  assert.match(component, /<gradscope-lab query="[^"]*seed=42[^"]*" views="heatmap,loss" controls="depth"><\/gradscope-lab>/);
  await page.click('[data-copy="share-link"]');
  assert.match(await page.textContent('#share-status'), /Copied the link|Selected the link/);
  const config = await page.evaluate(() => window.gradscope.config());
  await page.click('#share-close');
  // The link reproduces the run, the view and playing.
  const { page: second } = await open(link);
  assert.deepEqual(await second.evaluate(() => window.gradscope.config()), config);
  assert.equal(await second.evaluate(() => window.gradscope.view().metric), 'delta');
  assert.equal(await second.textContent('#play'), 'Pause');
  await second.close();
  // The component snippet, pasted into a page of the same site, shows the same run.
  const attrs = component.match(/<gradscope-lab query="([^"]*)"/)[1].replace(/&amp;/g, '&');
  const { page: third } = await open(`${server.url}tests/e2e/fixtures/lab.html?query=${encodeURIComponent(attrs)}`, undefined,
    { ready: () => document.querySelector('gradscope-lab')?.dataset.ready === 'true' });
  assert.deepEqual(await third.evaluate(() => document.querySelector('gradscope-lab').gradscope.config()), config);
  await third.close();
  assert.deepEqual(errors, []);
  await page.close();
});

test('exports: PNG of a view, history as CSV and JSON that match inspect(), a full trace, PyTorch', async () => {
  const { page, errors } = await open(`${server.url}?depth=4&width=6&seed=3`);
  await page.evaluate(() => window.gradscope.step(12));
  await page.click('#export-open');
  const save = async (selector) => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
    const path = await download.path();
    return { name: download.suggestedFilename(), bytes: readFileSync(path) };
  };
  const stem = 'gradscope_circles_d4x6_tanh_xavier_uniform_sgd_lr0.1_seed3_step12';
  const csv = await save('#export-csv');
  assert.equal(csv.name, `${stem}_history.csv`);
  const rows = csv.bytes.toString().trim().split('\n');
  assert.match(rows[0], /^step,loss,/);
  assert.equal(rows.length, 1 + 12 * 5, 'one row per step and layer');
  const json = await save('#export-json');
  assert.equal(json.name, `${stem}_history.json`);
  const history = JSON.parse(json.bytes.toString());
  const inspect = await page.evaluate(() => window.gradscope.inspect());
  const { steps: _s, diverged: _d, diverged_at: _a, ...last } = inspect;
  assert.deepEqual(history.steps.at(-1), last, 'the last record is inspect()');
  assert.equal(history.steps.length, 12);
  assert.deepEqual(history.config, await page.evaluate(() => window.gradscope.config()));
  assert.equal(Number(rows.at(-1).split(',')[1]), inspect.loss, 'the CSV holds the same loss');
  const trace = await save('#export-trace');
  assert.equal(trace.name, `${stem}_trace.json`);
  const full = JSON.parse(trace.bytes.toString());
  assert.equal(full.steps.length, 12);
  assert.deepEqual(full.config, history.config);
  const png = await save('[data-view="heatmap"]');
  assert.equal(png.name, `${stem}_heatmap.png`);
  assert.deepEqual([...png.bytes.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
  const py = await save('#export-pytorch');
  assert.equal(py.name, `${stem}_pytorch.py`);
  assert.match(py.bytes.toString(), /import torch/);
  // A run whose learning rate changed midway has no single config to replay: refused in words.
  await page.click('#export-close');
  await page.evaluate(() => {
    window.gradscope.setConfig({ optimizer: { lr: 0.5 } });
    window.gradscope.step(3);
  });
  await page.click('#export-open');
  await page.click('#export-trace');
  await page.waitForFunction(() => /Not exported/.test(document.getElementById('export-status').textContent));
  assert.match(await page.textContent('#export-status'), /learning rate or clipping changed.*Reset/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('the course page drives an iframe on another origin and two web components', async () => {
  const url = `${course.url}examples/course/?gradscope=${encodeURIComponent(server.url)}`;
  const { page, errors } = await open(url, { width: 1000, height: 900 }, {
    ready: () => window.received?.some((m) => m.event === 'ready')
      && [...document.querySelectorAll('gradscope-lab')].every((l) => l.dataset.ready === 'true'),
  });
  const lessonOrigin = new URL(server.url).origin;
  assert.notEqual(new URL(course.url).origin, lessonOrigin, 'two origins');
  // Commands: every call gets a reply with its id.
  const call = (method, ...args) => page.evaluate(([m, a]) => Promise.race([
    window.callLesson1(m, ...a),
    new Promise((resolve) => { setTimeout(() => resolve({ ok: 'no reply within 5 s' }), 5000); }),
  ]), [method, args]);
  const stepped = await call('step', 25);
  assert.deepEqual({ ok: stepped.ok, result: stepped.result, id: stepped.id }, { ok: true, result: 25, id: '1' });
  assert.equal((await call('inspect')).result.steps, 25);
  assert.equal((await call('config')).result.network.depth, 10);
  assert.match((await call('diagnosis')).result.text, /^Vanishing/);
  // Inside a frame there is no address bar: the course page asks for the links.
  const shared = (await call('share')).result;
  assert.match(shared.link, /^http:\/\/127\.0\.0\.1:\d+\/\?lesson=vanishing-sigmoid&views=heatmap,loss&controls=activation,init,bn$/);
  assert.match(shared.iframe, /allow_origin=http%3A%2F%2F127\.0\.0\.1%3A\d+&amp;embed=1"/);
  const bad = await call('setConfig', { network: { depth: 999 } });
  assert.equal(bad.ok, false);
  assert.match(bad.error, /network\.depth/);
  const unknown = await call('evaluate', 'alert(1)');
  assert.equal(unknown.ok, false);
  assert.match(unknown.error, /no method "evaluate"/);
  // Events: ready, step summaries, a change of diagnosis, the config, divergence.
  await page.click('#fix-1');
  await page.waitForFunction(() => window.received.some((m) => m.event === 'diagnosis' && m.data.level !== 'vanishing'), null, { timeout: 20000 });
  assert.match(await page.textContent('#log-1'), /^The lab now says: \w+/);
  await page.waitForFunction(() => window.received.some((m) => m.event === 'config' && m.data.config.network.batch_norm === true));
  await call('pause');
  await call('setConfig', { network: { batch_norm: false, activation: 'linear', init: 'normal', init_std: 3, depth: 40 } });
  await call('step', 5);
  await page.waitForFunction(() => window.received.some((m) => m.event === 'diverged'), null, { timeout: 10000 });
  const events = await page.evaluate(() => window.received.filter((m) => m.type === 'gradscope:event'));
  const steps = events.filter((e) => e.event === 'step');
  assert.ok(steps.length >= 2, 'step summaries');
  assert.deepEqual(Object.keys(steps[0].data).sort(), ['diverged', 'grad_norm', 'loss', 'step', 'steps']);
  assert.equal(events[0].event, 'ready');
  // Throttled: nothing like one summary per frame while it played.
  const perSecond = steps.length / ((await page.evaluate(() => performance.now())) / 1000);
  assert.ok(perSecond <= 5, `${perSecond} step events a second`);
  // Two web components: each its own run, drawn, both on one wasm module.
  // The course page's button clips lesson 2's gradient (a change to its diverged run
  // restarts it).
  await page.click('#fix-2');
  const labs = await page.evaluate(() => {
    const [a, b] = ['lab-2', 'lab-3'].map((id) => document.getElementById(id).gradscope);
    a.pause();
    a.reset();
    a.step(7);
    b.step(3);
    return [a.inspect().steps, b.inspect().steps, a.config().clip.kind, b.config().optimizer.kind];
  });
  assert.deepEqual(labs, [7, 3, 'norm', 'adagrad']);
  const wasm = await page.evaluate(() => performance.getEntriesByType('resource').filter((e) => e.name.endsWith('.wasm')).length);
  assert.equal(wasm, 1, 'the components share one module');
  // ... loaded from gradscope's origin, as a real course site would.
  const fromGradscope = await page.evaluate(() => performance.getEntriesByType('resource')
    .filter((e) => /gradscope-lab\.js|\.wasm$/.test(e.name)).map((e) => new URL(e.name).origin));
  assert.deepEqual(fromGradscope, [lessonOrigin, lessonOrigin], 'the component and its wasm');
  const drawn = await page.evaluate(() => ['lab-2', 'lab-3'].map((id) => [...document.getElementById(id).shadowRoot.querySelectorAll('canvas')].map((c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const seen = new Set();
    for (let i = 0; i < d.length; i += 16) seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
    return seen.size;
  })));
  assert.deepEqual(drawn.map((l) => l.length), [2, 1]);
  for (const n of drawn.flat()) assert.ok(n > 8, `a component's canvas looks blank (${n} colours)`);
  await page.click('#run-3');
  assert.match(await page.textContent('#result-3'), /After 103 steps, layer 1's mean effective learning rate is/);
  await page.screenshot({ path: screenshotPath('course'), fullPage: true });
  assert.deepEqual(errors, []);
  // (axe's own probes of the frames trip the strict policy: errors are checked before it.)
  const axe = await new AxeBuilder({ page }).analyze();
  assert.deepEqual(axe.violations.map((v) => `${v.id} (${v.nodes.length}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), []);
  await page.close();
});

test('with allow_origin, a frame answers no other origin', async () => {
  // The course site embeds a lesson whose link allows only another origin.
  const lesson = `${server.url}?embed=1&allow_origin=${encodeURIComponent('http://127.0.0.1:9')}`;
  const { page, warnings } = await open(`${server.url}tests/e2e/fixtures/embed.html?src=${encodeURIComponent(lesson)}`.replace(server.url, course.url),
    undefined, { ready: () => document.querySelector('iframe') !== null });
  const frame = page.frameLocator('iframe');
  await frame.locator('html[data-ready="true"]').waitFor({ timeout: 30000 });
  await page.evaluate(() => document.querySelector('iframe').contentWindow.postMessage({ type: 'gradscope:call', id: 'x', method: 'step', args: [5] }, '*'));
  await page.waitForTimeout(700);
  const received = await page.evaluate(() => window.received.map((m) => m.data));
  assert.deepEqual(received.filter((m) => m.type === 'gradscope:reply' || m.type === 'gradscope:event'), [], 'no reply, no event');
  assert.equal(await frame.locator('#status').textContent(), 'step 0', 'the call did nothing');
  assert.ok(warnings.some((w) => /refused; this frame answers only http:\/\/127\.0\.0\.1:9/.test(w)), warnings.join('\n'));
  await page.close();
});

test('an embedding page cannot inject HTML through a lesson name or a message', async () => {
  const evil = '<img src=x onerror="window.pwned=1">';
  const lesson = `${server.url}?embed=1&lesson=${encodeURIComponent(evil)}&views=${encodeURIComponent(evil)}`;
  const { page } = await open(`${course.url}tests/e2e/fixtures/embed.html?src=${encodeURIComponent(lesson)}`, undefined,
    { ready: () => document.querySelector('iframe') !== null });
  const frame = page.frameLocator('iframe');
  await frame.locator('html[data-ready="true"]').waitFor({ timeout: 30000 });
  await page.waitForFunction(() => window.received.some((m) => m.data.event === 'ready'));
  await page.evaluate((html) => {
    const w = document.querySelector('iframe').contentWindow;
    w.postMessage({ type: 'gradscope:call', id: 1, method: 'setConfig', args: [{ network: { activation: html } }] }, '*');
    w.postMessage({ type: 'gradscope:call', id: 2, method: html, args: [html] }, '*');
    w.postMessage({ type: 'gradscope:call', id: html, method: 'setMetric', args: [html] }, '*');
  }, evil);
  await page.waitForFunction(() => window.received.filter((m) => m.data.type === 'gradscope:reply').length === 3);
  const replies = await page.evaluate(() => window.received.filter((m) => m.data.type === 'gradscope:reply').map((m) => m.data));
  assert.deepEqual(replies.map((r) => r.ok), [false, false, false]);
  assert.match(replies[0].error, /network\.activation/);
  assert.equal(await frame.locator('img').count(), 0, 'no element injected');
  assert.match(await frame.locator('#note-text').textContent(), /<img src=x/, 'shown as text');
  assert.equal(await frame.locator('html').evaluate(() => window.pwned), undefined);
  await page.close();
});

test('on a phone the settings open over the views, targets are 44 px, sliders nudge by one step', async () => {
  const { page, errors } = await open(`${server.url}?depth=20`, { width: 360, height: 740 });
  const bar = await page.locator('#play').boundingBox();
  assert.ok(bar.y + bar.height <= 740, 'Play is on the first screen');
  await page.click('#settings-open');
  const depth = await page.locator('#input-depth').boundingBox();
  assert.ok(depth.y >= 0 && depth.y + depth.height <= 740, `the depth slider is on screen (${depth.y})`);
  assert.equal(await page.getAttribute('#settings-open', 'aria-expanded'), 'true');
  const small = await page.$$eval('button, select, .control.toggle label, .metric label, .control input[type="range"]', (els) => els
    .filter((e) => e.offsetParent !== null)
    .map((e) => [e.id || e.textContent.trim().slice(0, 20), e.getBoundingClientRect().height])
    .filter(([, h]) => h < 44));
  assert.deepEqual(small, [], 'touch targets under 44 px');
  await page.click('#control-depth button[aria-label^="Increase"]');
  assert.equal(await page.evaluate(() => window.gradscope.config().network.depth), 21);
  await page.click('#control-lr button[aria-label^="Decrease"]');
  assert.equal(await page.evaluate(() => window.gradscope.config().optimizer.lr), 0.0794, 'a tenth of a decade');
  await page.screenshot({ path: screenshotPath('phone-settings') });
  await page.keyboard.press('Escape');
  assert.equal(await page.getAttribute('#settings-open', 'aria-expanded'), 'false');
  const axe = await new AxeBuilder({ page }).analyze();
  assert.deepEqual(axe.violations.map((v) => `${v.id} (${v.nodes.length}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), []);
  assert.deepEqual(errors, []);
  await page.close();
});

test('a screen reader hears changes of diagnosis, not frames, and reads the heatmap by keyboard', async () => {
  const { page, errors } = await open(`${server.url}?depth=20&activation=sigmoid&init=standard&speed=5`);
  await page.evaluate(() => {
    window.announcements = [];
    const live = document.getElementById('diagnosis-announce');
    new MutationObserver(() => window.announcements.push(live.textContent)).observe(live, { childList: true, characterData: true, subtree: true });
    window.rewrites = 0;
    new MutationObserver(() => { window.rewrites += 1; }).observe(document.getElementById('diagnosis'), { childList: true, characterData: true, subtree: true });
  });
  await page.click('#play');
  await page.waitForTimeout(1500);
  await page.evaluate(() => window.gradscope.setConfig({ network: { batch_norm: true, activation: 'relu', init: 'he_normal' } }));
  await page.waitForTimeout(1500);
  await page.click('#play');
  const { announcements, rewrites } = await page.evaluate(() => ({ announcements: window.announcements, rewrites: window.rewrites }));
  assert.ok(rewrites > 20, `the visible box changed ${rewrites} times`);
  // Each announcement is a new state (the word before the colon), never the same one again.
  assert.ok(announcements.length >= 2 && announcements.length <= 6, announcements.join(' | '));
  const states = announcements.map((a) => a.split(':')[0]);
  states.slice(1).forEach((st, i) => assert.notEqual(st, states[i], announcements.join(' | ')));
  assert.match(announcements[0], /^Vanishing/);
  assert.equal(await page.getAttribute('#diagnosis', 'aria-live'), null, 'the visible box is not live');
  // The heatmap by keyboard.
  await page.focus('#view-heatmap');
  await page.keyboard.press('ArrowLeft');
  const first = await page.textContent('#heatmap-readout');
  assert.match(first, /^layer \d+ · step \d+ · ‖dL\/dW‖ = /);
  await page.keyboard.press('ArrowUp');
  const up = await page.textContent('#heatmap-readout');
  assert.notEqual(up.split(' · ')[0], first.split(' · ')[0], 'up moves to another layer');
  assert.equal(up.split(' · ')[1], first.split(' · ')[1], 'at the same step');
  await page.keyboard.press('ArrowLeft');
  const left = await page.textContent('#heatmap-readout');
  assert.equal(Number(left.split(' · ')[1].slice(5)), Number(up.split(' · ')[1].slice(5)) - 1, 'left is the step before');
  assert.equal(await page.isVisible('#tooltip'), true);
  assert.deepEqual(errors, []);
  await page.close();
});
