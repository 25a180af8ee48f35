// The page end to end in Debian's Chromium: loading, every control, every view, the
// diagnoses, the API, hostile input, and agreement with the native CLI.
// Run by `cargo xtask test` (after `cargo xtask build`), or: node --test tests/e2e/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { ROOT, screenshotPath, sharedServerAndBrowser, freshPage } from './helpers.mjs';

let server;
let browser;
sharedServerAndBrowser((s, b) => { server = s; browser = b; });

const fresh = (query = '', viewport = undefined) => freshPage(browser, server.url, query, viewport);

/** Distinct colours per canvas (a blank canvas has 1 or 0). */
function canvasColours(page) {
  return page.evaluate(() => Object.fromEntries([...document.querySelectorAll('canvas')].map((c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const seen = new Set();
    for (let i = 0; i < d.length; i += 16) seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
    return [c.id, seen.size];
  })));
}

function canvasDigests(page) {
  return page.evaluate(() => Object.fromEntries([...document.querySelectorAll('canvas')].map((c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let h = 2166136261;
    for (let i = 0; i < d.length; i += 4) h = Math.imul(h ^ (d[i] + 3 * d[i + 1] + 7 * d[i + 2]), 16777619);
    return [c.id, h >>> 0];
  })));
}

test('the page loads with zero console errors and draws every view', async () => {
  const { page, errors } = await fresh();
  await page.evaluate(() => window.gradscope.step(60));
  const colours = await canvasColours(page);
  assert.equal(Object.keys(colours).length, 6);
  for (const [id, n] of Object.entries(colours)) assert.ok(n > 8, `${id} looks blank (${n} colours)`);
  for (const sel of ['h2', '.caption']) assert.equal(await page.locator(`.view ${sel}`).count(), 6, `every view has a ${sel}`);
  // Hovering the heatmap's first columns names the layer, step and value.
  const box = await page.locator('#view-heatmap').boundingBox();
  await page.mouse.move(box.x + box.width * 0.12, box.y + box.height * 0.5);
  const tip = page.locator('#tooltip');
  await tip.waitFor({ state: 'visible' });
  assert.match(await tip.textContent(), /^layer \d+ · step \d+ · ‖dL\/dW‖ = \d\.\d\de[-+]\d+$/);
  await page.screenshot({ path: screenshotPath('default'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test('every control changes the config it names', async () => {
  const { page, errors } = await fresh();
  const config = () => page.evaluate(() => window.gradscope.config());
  const change = (id, value) => page.$eval(`#input-${id}`, (el, v) => {
    if (el.type === 'checkbox') el.checked = v; else el.value = String(v);
    el.dispatchEvent(new Event('change', { bubbles: true }));
  }, value);
  // Log sliders take the exponent: 10^-1 = 0.1.
  const cases = [
    ['dataset', 'xor', (c) => c.dataset.kind],
    ['samples', 2.5, (c) => c.dataset.samples, 316],
    ['noise', 0.2, (c) => c.dataset.noise],
    ['test_fraction', 0.25, (c) => c.dataset.test_fraction],
    ['loss', 'mse', (c) => c.loss],
    ['depth', 12, (c) => c.network.depth],
    ['width', 24, (c) => c.network.width],
    ['activation', 'relu', (c) => c.network.activation],
    ['init', 'normal', (c) => c.network.init],
    ['std', -1, (c) => c.network.init_std, 0.1],
    ['gain', 0.3, (c) => c.network.init_gain, 2],
    ['bn', true, (c) => c.network.batch_norm],
    ['skip', true, (c) => c.network.skip_connections],
    ['residual_scale', -0.5, (c) => c.network.residual_scale, 0.316],
    ['optimizer', 'adagrad', (c) => c.optimizer.kind],
    ['lr', -2, (c) => c.optimizer.lr, 0.01],
    ['eps', -6, (c) => c.optimizer.eps, 1e-6],
    ['weight_decay', 0.05, (c) => c.optimizer.weight_decay],
    ['initial_accumulator', 0.5, (c) => c.optimizer.initial_accumulator],
    ['optimizer', 'adam', (c) => c.optimizer.kind],
    ['beta1', 0.8, (c) => c.optimizer.beta1],
    ['beta2', 0.99, (c) => c.optimizer.beta2],
    ['optimizer', 'momentum', (c) => c.optimizer.kind],
    ['momentum', 0.5, (c) => c.optimizer.momentum],
    ['optimizer', 'rmsprop', (c) => c.optimizer.kind],
    ['alpha', 0.9, (c) => c.optimizer.alpha],
    ['optimizer', 'adadelta', (c) => c.optimizer.kind],
    ['rho', 0.95, (c) => c.optimizer.rho],
    ['clip', 'norm', (c) => c.clip.kind],
    ['threshold', -1, (c) => c.clip.threshold, 0.1],
    ['batch', 32, (c) => c.batch_size],
    ['precision', 'f64', (c) => c.precision],
    ['eval_every', 10, (c) => c.eval_every],
  ];
  await page.click('details.more summary');
  for (const [id, value, read, expected = value] of cases) {
    assert.equal(await page.isVisible(`#control-${id}`), true, `control ${id} is shown`);
    await change(id, value);
    assert.deepEqual(read(await config()), expected, `control ${id}`);
  }
  // Every config field the page has a control for was changed above.
  const ids = await page.$$eval('#control-list .control, #control-list-more .control', (els) => els.map((e) => e.id.slice(8)));
  const changed = new Set(cases.map(([id]) => id).concat('speed'));
  assert.deepEqual(ids.filter((id) => !changed.has(id)), []);
  await change('speed', 40);
  assert.match(page.url(), /speed=40/);
  // Keyboard: the depth slider moves with the arrow keys.
  const before = (await config()).network.depth;
  await page.focus('#input-depth');
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction((d) => window.gradscope.config().network.depth === d + 1, before);
  // The UI says which changes restart and which continue.
  await page.evaluate(() => window.gradscope.step(5));
  const statusSays = (word) => page.waitForFunction((w) => document.getElementById('status').textContent.includes(w), word);
  await change('threshold', 0);
  await statusSays('Continuing');
  assert.equal((await page.evaluate(() => window.gradscope.inspect())).steps, 5);
  await change('width', 20);
  await statusSays('Restarted');
  assert.deepEqual(errors, []);
  await page.close();
});

test('the controls come from the schema, and follow the config', async () => {
  const { page, errors } = await fresh();
  const schema = await page.evaluate(() => window.gradscope.schema().fields);
  const field = (url) => schema.find((f) => f.url === url);
  const options = (id) => page.$$eval(`#input-${id} option`, (os) => os.map((o) => o.value));
  // Every choice's options, labels and marks are the schema's.
  for (const id of ['dataset', 'activation', 'init', 'optimizer', 'clip', 'precision']) {
    assert.deepEqual(await options(id), field(id).options.map((o) => o.value), id);
  }
  assert.deepEqual(await page.$$eval('#control-metric input', (rs) => rs.map((r) => r.value)),
    field('metric').options.map((o) => o.value));
  for (const f of schema.filter((x) => x.place === 'settings' || x.place === 'more')) {
    const label = await page.textContent(`#control-${f.url} label`);
    assert.ok(label.includes(f.label), `${f.url}: ${label}`);
    assert.equal(await page.locator(`#control-${f.url} .restart`).count(), f.effect === 'restarts' ? 1 : 0, f.url);
    assert.equal(await page.locator(`#control-${f.url} .continue`).count(), f.effect === 'continues' ? 1 : 0, f.url);
  }
  // The losses follow the dataset.
  assert.deepEqual(await options('loss'), ['bce', 'mse', 'cross_entropy']);
  await page.evaluate(() => window.gradscope.setConfig({ dataset: { kind: 'sine' } }));
  assert.deepEqual(await options('loss'), ['mse']);
  await page.evaluate(() => window.gradscope.setConfig({ dataset: { kind: 'spiral3' } }));
  assert.deepEqual(await options('loss'), ['cross_entropy', 'mse']);
  // The batch slider reaches the training split: 1000 samples, 0.2 held out.
  await page.evaluate(() => window.gradscope.setConfig({ dataset: { samples: 1000 } }));
  assert.equal(await page.$eval('#input-batch', (el) => el.max), '800');
  await page.evaluate(() => window.gradscope.setConfig({ dataset: { test_fraction: 0.5 } }));
  assert.equal(await page.$eval('#input-batch', (el) => el.max), '500');
  // Hyper-parameter controls appear for the optimizers they apply to.
  const visible = (ids) => Promise.all(ids.map((id) => page.isVisible(`#control-${id}`)));
  assert.deepEqual(await visible(['lr', 'weight_decay', 'momentum', 'beta1', 'eps']), [true, true, false, false, false]);
  await page.evaluate(() => window.gradscope.setConfig({ optimizer: { kind: 'adam' } }));
  assert.deepEqual(await visible(['lr', 'weight_decay', 'momentum', 'beta1', 'eps']), [true, true, false, true, true]);
  assert.deepEqual(await visible(['std', 'residual_scale', 'threshold']), [false, false, false]);
  await page.evaluate(() => window.gradscope.setConfig({ network: { init: 'normal', skip_connections: true }, clip: { kind: 'value' } }));
  assert.deepEqual(await visible(['std', 'residual_scale', 'threshold']), [true, true, true]);
  // app.js itself names no option, label or range: they all come from the schema.
  const source = readFileSync(join(ROOT, 'www', 'app.js'), 'utf8');
  for (const f of schema) {
    const word = new RegExp(`(?<!\\w)${f.label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?!\\w)`);
    assert.doesNotMatch(source, word, `app.js repeats the label '${f.label}'`);
    for (const o of f.options ?? []) {
      if (o.value.length > 3) assert.ok(!source.includes(`'${o.value}'`), `app.js names the option '${o.value}'`);
    }
  }
  assert.deepEqual(errors, []);
  await page.close();
});

test('the share link reproduces the run, the view and playing', async () => {
  const { page, errors } = await fresh();
  await page.evaluate(() => {
    window.gradscope.setConfig({ dataset: { kind: 'spiral3', test_fraction: 0.4 }, loss: 'mse', eval_every: 3,
      optimizer: { kind: 'adamw', lr: 0.02, weight_decay: 0.2 }, network: { skip_connections: true, residual_scale: 0.25 } });
    window.gradscope.setMetric('delta');
  });
  await page.$eval('#input-speed', (el) => { el.value = '7'; el.dispatchEvent(new Event('change', { bubbles: true })); });
  const href = () => page.$eval('#share', (a) => a.getAttribute('href'));
  assert.doesNotMatch(await href(), /autoplay/);
  await page.click('#play');
  assert.match(await href(), /autoplay=1/);
  assert.match(page.url(), /autoplay=1/);
  const link = await href();
  for (const part of ['test_fraction=0.4', 'eval_every=3', 'residual_scale=0.25', 'loss=mse', 'metric=delta', 'speed=7']) {
    assert.ok(link.includes(part), `${part} in ${link}`);
  }
  await page.click('#play');
  assert.doesNotMatch(await href(), /autoplay/);
  const config = await page.evaluate(() => window.gradscope.config());
  const { page: second, errors: errors2 } = await fresh(link);
  assert.deepEqual(await second.evaluate(() => window.gradscope.config()), config);
  assert.equal(await second.textContent('#play'), 'Pause', 'the link plays');
  assert.equal(await second.$eval('#control-metric input[value="delta"]', (r) => r.checked), true);
  assert.equal(await second.$eval('#input-speed', (el) => el.value), '7');
  assert.equal(await second.isVisible('#messages'), false);
  assert.deepEqual([...errors, ...errors2], []);
  await page.close();
  await second.close();
});

test('link parameters apply in a fixed order and say what they could not apply', async () => {
  const { page, errors } = await fresh('?lr=0.5&optimizer=adam&loss=mse&dataset=spiral3&skip=-0&weight_decay=0.3');
  const c = await page.evaluate(() => window.gradscope.config());
  assert.equal(c.optimizer.kind, 'adam');
  assert.equal(c.optimizer.lr, 0.5);
  assert.equal(c.optimizer.weight_decay, 0.3);
  assert.equal(c.loss, 'mse');
  assert.equal(c.network.skip_connections, false);
  assert.match(await page.textContent('#messages'), /URL parameter 'skip' ignored: '-0' is not a yes\/no value/);
  assert.deepEqual(errors, []);
  await page.close();
});

test('views change when the settings change', async () => {
  const { page } = await fresh();
  await page.evaluate(() => window.gradscope.step(40));
  const first = await canvasDigests(page);
  await page.evaluate(() => {
    window.gradscope.setConfig({ network: { depth: 10, activation: 'relu', init: 'he_normal' }, optimizer: { kind: 'adam' } });
    window.gradscope.step(40);
  });
  const second = await canvasDigests(page);
  for (const id of Object.keys(first)) assert.notEqual(first[id], second[id], `${id} did not change`);
  await page.close();
});

test('a deep sigmoid net is diagnosed as vanishing, and a fix as learning', async () => {
  const { page } = await fresh('?depth=20&activation=sigmoid&init=standard');
  await page.evaluate(() => window.gradscope.step(30));
  assert.match(await page.textContent('#diagnosis'), /^Vanishing: layer 1 receives .* of layer 20's/);
  await page.screenshot({ path: screenshotPath('vanishing'), fullPage: true });
  await page.evaluate(() => {
    window.gradscope.setConfig({ network: { activation: 'relu', init: 'he_normal', batch_norm: true } });
    window.gradscope.step(30);
  });
  assert.match(await page.textContent('#diagnosis'), /^Learning: loss/);
  await page.close();
});

test('a large init is diagnosed as exploding, and a diverged run says so', async () => {
  const { page } = await fresh('?depth=20&width=32&activation=relu&init=normal&std=1');
  await page.evaluate(() => window.gradscope.step(1));
  assert.match(await page.textContent('#diagnosis'), /^Exploding: gradient norm \d+e\d+ at step 0/);
  await page.screenshot({ path: screenshotPath('exploding'), fullPage: true });
  await page.evaluate(() => {
    window.gradscope.setConfig({ network: { depth: 40, width: 64, activation: 'linear', std: undefined, init_std: 3 } });
    window.gradscope.step(5);
  });
  assert.match(await page.textContent('#diagnosis'), /^Diverged \((NaN|inf)\) at step 0/);
  assert.equal((await page.evaluate(() => window.gradscope.inspect())).diverged, true);
  await page.close();
});

test("Adagrad's effective learning rate only shrinks", async () => {
  const { page } = await fresh('?optimizer=adagrad&depth=6&lr=0.1');
  const rates = await page.evaluate(() => Array.from({ length: 60 }, () => {
    window.gradscope.step(1);
    return window.gradscope.inspect().layers.map((l) => l.eff_lr_mean);
  }));
  for (let t = 1; t < rates.length; t += 1) {
    rates[t].forEach((r, l) => assert.ok(r <= rates[t - 1][l], `layer ${l} rose at step ${t}`));
  }
  assert.ok(rates.at(-1)[0] < rates[0][0] * 0.5, 'the rate visibly shrinks');
  assert.match(await page.textContent('#lr-caption'), /lr \/ sqrt\(G \+ eps\)/);
  await page.close();
});

test('norm clipping caps the gradient norm the optimizer receives', async () => {
  const { page } = await fresh('?depth=12&width=16&activation=relu&init=normal&std=0.5&clip=norm&threshold=0.05');
  const records = await page.evaluate(() => Array.from({ length: 40 }, () => {
    window.gradscope.step(1);
    return window.gradscope.inspect();
  }));
  let fired = 0;
  for (const r of records) {
    assert.ok(r.clipped_grad_norm <= 0.05 * (1 + 1e-6), `clipped norm ${r.clipped_grad_norm}`);
    if (r.clipped) {
      fired += 1;
      assert.ok(r.grad_norm > 0.05);
    }
  }
  assert.ok(fired > 30, `clipping fired ${fired} times`);
  await page.close();
});

test('hostile URLs and API values get a message and the page keeps working', async () => {
  const urls = [
    '?depth=999',
    '?depth=%3Cscript%3Ealert(1)%3C%2Fscript%3E',
    '?config=%7Bbad',
    '?config=%5B1%2C2%5D',
    '?%E0%A4%A=1',
    '?activation=&init=kaiming&lr=-1&clip=maybe',
    `?${'x'.repeat(5000)}=1`,
    '?speed=1e9&metric=colour&autoplay=1',
  ];
  for (const url of urls) {
    const { page, errors } = await fresh(url);
    const box = page.locator('#messages');
    assert.equal(await box.isVisible(), true, `no message for ${url.slice(0, 60)}`);
    assert.ok((await box.textContent()).length < 2000);
    assert.equal(await page.evaluate(() => window.gradscope.step(3)), 3);
    assert.deepEqual(errors, [], url.slice(0, 60));
    await page.close();
  }
  const { page, errors } = await fresh();
  const results = await page.evaluate(() => {
    const circular = {};
    circular.self = circular;
    return [
      window.gradscope.setConfig({ network: { depth: -1 } }),
      window.gradscope.setConfig('depth=3'),
      window.gradscope.setConfig(null),
      window.gradscope.setConfig(circular),
      window.gradscope.setConfig({ network: { depth: 1e300 } }),
      window.gradscope.setConfig({ optimizer: { lr: 'fast' } }),
      window.gradscope.step('many'),
      window.gradscope.step(-5),
      window.gradscope.setMetric('colour'),
    ];
  });
  for (const r of results) assert.equal(r.ok, false, JSON.stringify(r));
  assert.match(results[0].error, /network\.depth/);
  assert.match(await page.textContent('#messages'), /./);
  assert.equal(await page.evaluate(() => window.gradscope.step(2)), 2);
  assert.deepEqual(errors, []);
  await page.close();
});

test('numbers read through inspect() equal the native CLI for the same config and seed', async () => {
  const config = {
    seed: 11,
    network: { depth: 8, width: 12, activation: 'tanh', batch_norm: true, skip_connections: true },
    optimizer: { kind: 'adagrad', lr: 0.05 },
    clip: { kind: 'norm', threshold: 0.5 },
    dataset: { kind: 'spiral3' },
  };
  const dir = mkdtempSync(join(tmpdir(), 'gradscope-e2e-'));
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(config));
  const cli = JSON.parse(execFileSync(join(ROOT, 'target', 'release', 'gradscope'),
    ['run', '--config', file, '--steps', '25'], { encoding: 'utf8', maxBuffer: 1 << 26 }));
  const { page } = await fresh();
  const browserRecord = await page.evaluate((c) => {
    const r = window.gradscope.setConfig(c);
    if (!r.ok) return r;
    window.gradscope.step(25);
    return window.gradscope.inspect();
  }, config);
  const native = cli.steps[24];
  assert.equal(browserRecord.step, 24);
  assert.deepEqual(await page.evaluate(() => window.gradscope.config()), cli.config);
  for (const key of ['loss', 'grad_norm', 'clipped_grad_norm', 'clipped', 'batch_accuracy', 'test_accuracy']) {
    assert.equal(browserRecord[key], native[key], key);
  }
  assert.equal(browserRecord.layers.length, native.layers.length);
  browserRecord.layers.forEach((layer, l) => {
    for (const key of ['grad_norm', 'clipped_grad_norm', 'delta_rms', 'weight_norm', 'eff_lr_mean', 'eff_lr_min', 'eff_lr_max', 'act_mean', 'act_std', 'flat_share', 'dead_share', 'update_ratio']) {
      assert.equal(layer[key], native.layers[l][key], `layer ${l} ${key}`);
    }
  });
  await page.close();
});

test('the glossary defines the symbols the views use', async () => {
  const { page, errors } = await fresh('?optimizer=adagrad');
  await page.evaluate(() => window.gradscope.step(20));
  await page.click('#glossary summary');
  const terms = await page.$$eval('#glossary dt', (dts) => dts.map((d) => d.textContent));
  const captions = await page.$$eval('.view', (vs) => vs.map((v) => v.textContent).join(' '));
  // Each symbol a view's caption or control uses is a term of the glossary.
  for (const symbol of ['‖dL/dW‖', 'dL/dz', '||dW|| / ||W||', 'lr / sqrt(G + eps)']) {
    assert.ok(captions.includes(symbol), `a view uses ${symbol}`);
    assert.ok(terms.includes(symbol), `the glossary defines ${symbol}: ${terms.join(' | ')}`);
  }
  assert.equal(await page.isVisible('#glossary dd'), true);
  assert.deepEqual(errors, []);
  await page.close();
});

test('axe finds no accessibility violations, wide or on a phone', async () => {
  for (const viewport of [undefined, { width: 360, height: 740 }]) {
    const { page } = await fresh('?depth=8&clip=norm', viewport);
    await page.evaluate(() => window.gradscope.step(20));
    const result = await new AxeBuilder({ page }).analyze();
    const found = result.violations.map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.length})`);
    assert.deepEqual(found, []);
    assert.ok(result.passes.length > 20, 'axe ran its checks');
    await page.close();
  }
});

test('the layout works on a 360 px phone', async () => {
  const { page, errors } = await fresh('?depth=20&activation=sigmoid&init=standard', { width: 360, height: 740 });
  await page.evaluate(() => window.gradscope.step(40));
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(overflow <= 360, `page is ${overflow} px wide`);
  const colours = await canvasColours(page);
  for (const [id, n] of Object.entries(colours)) assert.ok(n > 8, `${id} looks blank on a phone`);
  await page.screenshot({ path: screenshotPath('phone'), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});
