// What a shared link or a bug must never do to a student's tab: freeze it, or leave it
// dead. Links with extreme values load and keep answering; a panic inside the wasm module
// shows a banner with the settings that caused it, tells the embedding page, and a button
// starts a fresh run on a fresh module instance.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, screenshotPath, CSP, sharedServerAndBrowser } from './helpers.mjs';

let server;
let browser;
sharedServerAndBrowser((s, b) => { server = s; browser = b; });

async function open(query = '') {
  const page = await browser.context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${server.url}${query}`);
  await page.waitForFunction(() => document.documentElement.dataset.ready === 'true', null, { timeout: 30000 });
  return { page, errors };
}

// Each of these froze the tab or ran it out of memory: plotters' log axis looped forever
// on a one-decade range at an extreme magnitude, or allocated without bound.
const EXTREME_LINKS = [
  '?clip=norm&threshold=1e-200',
  '?clip=norm&threshold=1e-8&init=normal&std=30&activation=relu&depth=20',
  '?gain=0.01&depth=64&activation=tanh&precision=f64',
  '?clip=norm&threshold=1e-300&autoplay=1',
  '?precision=f64&activation=linear&gain=100&depth=40&loss=mse',
  '?precision=f64&activation=linear&gain=0.01&depth=64',
  '?init=normal&std=100&activation=relu&depth=30&precision=f64',
];

test('links with extreme values load, train, draw and keep answering', async () => {
  for (const query of EXTREME_LINKS) {
    const { page, errors } = await open(query);
    // Several steps with a full redraw each: every chart sees the extreme numbers.
    for (let i = 0; i < 5; i += 1) {
      const taken = await page.evaluate(() => window.gradscope.step(1));
      assert.ok(typeof taken === 'number', `${query}: step answered ${JSON.stringify(taken)}`);
    }
    const answer = await page.evaluate(() => window.gradscope.setConfig({ network: { depth: 3 } }));
    assert.deepEqual(answer, { ok: true, restarted: true }, query);
    assert.equal(await page.evaluate(() => window.gradscope.step(2)), 2, query);
    assert.equal(await page.locator('#crash').isHidden(), true, query);
    assert.deepEqual(errors, [], query);
    await page.close();
  }
});

test('a panic shows the crash banner, every call answers, and a fresh run works', async () => {
  const { page, errors } = await open('?depth=9&activation=sigmoid');
  await page.evaluate(() => window.gradscope.step(3));
  await page.evaluate(() => {
    window.crashEvents = [];
    window.addEventListener('gradscope:error', (e) => window.crashEvents.push(e.detail));
  });
  // The page's own module instance (same URL, same module) is told to panic in the next step.
  await page.evaluate(async () => (await import('/www/pkg/gradscope.js')).panic_on_next_step());
  const answer = await page.evaluate(() => window.gradscope.step(1));
  assert.equal(answer.ok, false);
  assert.match(answer.error, /internal error/);
  assert.equal(await page.locator('#crash').isVisible(), true);
  assert.match(await page.locator('#crash-text').textContent(), /a test asked step 3 to panic/);
  const shown = JSON.parse(await page.locator('#crash-config').textContent());
  assert.equal(shown.network.depth, 9);
  assert.match(await page.locator('#crash-link').getAttribute('href'), /depth=9/);
  const events = await page.evaluate(() => window.crashEvents);
  assert.equal(events.length, 1);
  assert.equal(events[0].config.network.activation, 'sigmoid');
  // Every API call answers instead of throwing "recursive use of an object detected".
  const calls = await page.evaluate(() => {
    const g = window.gradscope;
    return [g.setConfig({ network: { depth: 4 } }), g.step(1), g.inspect(), g.diagnosis(), g.config(), g.crashed()];
  });
  assert.equal(calls[0].ok, false);
  assert.equal(calls[1].ok, false);
  assert.deepEqual(calls.slice(2), [null, null, null, true]);
  await page.screenshot({ path: screenshotPath('crash-banner') });
  // The frame loop keeps running without calling the dead module.
  await page.waitForTimeout(300);
  assert.deepEqual(errors, []);

  await page.click('#crash-restart');
  await page.waitForFunction(() => !window.gradscope.crashed());
  assert.equal(await page.locator('#crash').isHidden(), true);
  assert.equal(await page.evaluate(() => window.gradscope.config().network.depth), 9);
  assert.equal(await page.evaluate(() => window.gradscope.inspect().steps), 0);
  assert.equal(await page.evaluate(() => window.gradscope.step(5)), 5);
  const ok = await page.evaluate(() => window.gradscope.setConfig({ network: { depth: 4 } }));
  assert.deepEqual(ok, { ok: true, restarted: true });
  // The controls drive the new instance.
  await page.selectOption('#input-activation', 'relu');
  await page.waitForFunction(() => window.gradscope.config().network.activation === 'relu');
  assert.deepEqual(errors, []);
  await page.close();
});

test('the page works under a strict Content-Security-Policy and keeps to its origin', async () => {
  const page = await browser.context.newPage();
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  const consoleErrors = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  await page.addInitScript(() => {
    window.cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.cspViolations.push(`${e.violatedDirective}: ${e.blockedURI} ${e.sample} at ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  const response = await page.goto(`${server.url}?depth=12&activation=sigmoid&clip=norm`);
  assert.equal(response.headers()['content-security-policy'], CSP);
  await page.waitForFunction(() => document.documentElement.dataset.ready === 'true', null, { timeout: 30000 });
  await page.click('#play');
  await page.waitForTimeout(400);
  await page.click('#play');
  const box = await page.locator('#view-heatmap').boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.selectOption('#input-activation', 'relu');
  await page.evaluate(() => window.gradscope.step(20));
  // A crash and a fresh run load the module again: still within the policy.
  await page.evaluate(async () => (await import('/www/pkg/gradscope.js')).panic_on_next_step());
  await page.evaluate(() => window.gradscope.step(1));
  await page.click('#crash-restart');
  await page.waitForFunction(() => !window.gradscope.crashed());
  assert.equal(await page.evaluate(() => window.gradscope.step(3)), 3);
  assert.deepEqual(await page.evaluate(() => window.cspViolations), []);
  const origin = new URL(server.url).origin;
  const foreign = requests.filter((u) => !u.startsWith(origin) && !u.startsWith('data:'));
  assert.deepEqual(foreign, []);
  assert.deepEqual(await browser.context.cookies(), []);
  assert.deepEqual(await page.evaluate(() => Object.keys(localStorage)), []);
  // The panic itself logs to the console (the panic hook); nothing else may.
  assert.deepEqual(consoleErrors.filter((t) => !/panicked at|a test asked/.test(t)), []);
  await page.close();
});

test('restarting frees what the old run held, and extreme runs draw within a frame budget', async () => {
  const { page, errors } = await open('?depth=64&width=256&batch=64');
  const big = { network: { depth: 64, width: 256 }, batch_size: 64 };
  const small = { network: { depth: 3, width: 8 }, batch_size: 16 };
  await page.evaluate(() => window.gradscope.step(2));
  const first = await page.evaluate(() => window.gradscope.memory().wasmBytes);
  // Small, then the same large run again, three times: the old runs' memory is reused,
  // so wasm memory (which never shrinks) does not grow.
  for (let i = 0; i < 3; i += 1) {
    assert.deepEqual(await page.evaluate((c) => window.gradscope.setConfig(c), small), { ok: true, restarted: true });
    await page.evaluate(() => window.gradscope.step(5));
    assert.deepEqual(await page.evaluate((c) => window.gradscope.setConfig(c), big), { ok: true, restarted: true });
    await page.evaluate(() => window.gradscope.step(2));
  }
  const last = await page.evaluate(() => window.gradscope.memory().wasmBytes);
  assert.ok(last <= first, `wasm memory grew over restarts: ${first} -> ${last}`);
  // Drawing is bounded whatever the numbers: a generous budget that a looping axis or an
  // unbounded allocation (seconds per frame, as before) would break.
  for (const query of ['?precision=f64&activation=linear&gain=100&depth=40&loss=mse',
    '?init=normal&std=100&activation=relu&depth=30&precision=f64', '?gain=0.01&depth=64&activation=tanh']) {
    const p = (await open(query)).page;
    const t = await p.evaluate(() => window.gradscope.timeFrames(5, 1));
    assert.ok(t.drawMsPerFrame < 250, `${query}: drawing took ${t.drawMsPerFrame.toFixed(0)} ms per frame`);
    await p.close();
  }
  assert.deepEqual(errors, []);
  await page.close();
});

test('an embedding page on another origin hears of a failed start and of a panic', async () => {
  // A course site with the same strict policy, allowing frames from the lesson's origin.
  const course = await startServer(`${CSP}; frame-src ${new URL(server.url).origin}`);
  try {
    const page = await browser.context.newPage();
    const lesson = `${server.url}?depth=5`;
    // 1. The engine cannot be downloaded: the frame says so in words and the course page
    //    gets a gradscope:error message.
    await page.route('**/gradscope_bg.wasm', (r) => r.abort());
    await page.goto(`${course.url}tests/e2e/fixtures/embed.html?src=${encodeURIComponent(lesson)}`);
    await page.waitForFunction(() => window.received.some((m) => m.data && m.data.type === 'gradscope:error'), null, { timeout: 30000 });
    const failed = (await page.evaluate(() => window.received)).find((m) => m.data.type === 'gradscope:error');
    assert.equal(failed.origin, new URL(server.url).origin);
    assert.equal(failed.data.started, false);
    const frame = page.frames().find((f) => f.url().startsWith(server.url));
    assert.equal(await frame.locator('#crash').isVisible(), true);
    assert.match(await frame.locator('#crash-heading').textContent(), /could not start/);
    assert.equal(await frame.locator('#play').isDisabled(), true);
    await page.screenshot({ path: screenshotPath('embed-start-failed') });
    // 2. It loads; then a panic inside a step reaches the course page too, with the config.
    await page.unroute('**/gradscope_bg.wasm');
    await page.goto(`${course.url}tests/e2e/fixtures/embed.html?src=${encodeURIComponent(lesson)}`);
    const live = await (async () => {
      for (let i = 0; i < 100; i += 1) {
        const f = page.frames().find((x) => x.url().startsWith(server.url));
        if (f && await f.evaluate(() => document.documentElement.dataset.ready === 'true').catch(() => false)) return f;
        await page.waitForTimeout(100);
      }
      throw new Error('the lesson did not start');
    })();
    await live.evaluate(async () => (await import('/www/pkg/gradscope.js')).panic_on_next_step());
    await live.evaluate(() => window.gradscope.step(1));
    await page.waitForFunction(() => window.received.some((m) => m.data && m.data.type === 'gradscope:error'));
    const panic = (await page.evaluate(() => window.received)).find((m) => m.data.type === 'gradscope:error');
    assert.equal(panic.data.started, true);
    assert.equal(panic.data.config.network.depth, 5);
    assert.match(panic.data.message, /a test asked step 0 to panic/);
    await page.close();
  } finally {
    await course.close();
  }
});
