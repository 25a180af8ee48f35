// The message API's promises to a course page: a bad allow_origin answers no one, a bad
// call shows its error only in the reply, step events are throttled and all alike.
// Run: node --test tests/e2e/embed-api.test.mjs (after `cargo xtask build`).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CSP, startServer, launch } from './helpers.mjs';

let server; // gradscope's site
let course; // a course site on another origin
let browser;

before(async () => {
  server = await startServer();
  course = await startServer(`${CSP}; frame-src ${new URL(server.url).origin}`);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.close();
  await course?.close();
});

/** The course fixture with gradscope at `query` in an iframe; waits for the frame. */
async function embedded(query) {
  const page = await browser.context.newPage();
  const warnings = [];
  page.on('console', (m) => { if (m.type() === 'warning') warnings.push(m.text()); });
  const src = `${server.url}${query}`;
  await page.goto(`${course.url}tests/e2e/fixtures/embed.html?src=${encodeURIComponent(src)}`);
  const frame = page.frameLocator('iframe');
  await frame.locator('html[data-ready="true"]').waitFor({ timeout: 30000 });
  const post = (message) => page.evaluate((m) => document.querySelector('iframe').contentWindow.postMessage(m, '*'), message);
  const messages = () => page.evaluate(() => window.received.map((m) => m.data)
    .filter((m) => m && typeof m.type === 'string' && m.type.startsWith('gradscope:')));
  return { page, frame, post, messages, warnings };
}

test('an allow_origin that is not an origin answers no page and sends no event', async () => {
  const { page, frame, post, messages, warnings } = await embedded(
    `?embed=1&allow_origin=${encodeURIComponent('https://course.example/path')}`,
  );
  await post({ type: 'gradscope:call', id: 'x', method: 'step', args: [5] });
  await post({ type: 'gradscope:call', id: 'y', method: 'play', args: [] });
  await page.waitForTimeout(1000);
  assert.deepEqual(await messages(), [], 'no reply, no event (not even ready)');
  assert.equal(await frame.locator('#status').textContent(), 'step 0', 'the call did nothing');
  assert.match(await frame.locator('#note-text').textContent(), /allow_origin/);
  assert.ok(warnings.some((w) => /refused; this frame's allow_origin is not an origin/.test(w)), warnings.join('\n'));
  await page.close();
});

test('a bad call from the course page answers with its error and leaves the student\'s view alone', async () => {
  const { page, frame, post, messages, warnings } = await embedded('?embed=1&views=loss');
  await page.waitForFunction(() => window.received.some((m) => m.data?.event === 'ready'));
  await post({ type: 'gradscope:call', id: 1, method: 'step', args: ['x'] });
  await post({ type: 'gradscope:call', id: 2, method: 'setConfig', args: ['str'] });
  await post({ type: 'gradscope:call', id: 3, method: 'setConfig', args: [{ network: { depth: 999 } }] });
  await post({ type: 'gradscope:call', id: 4, method: 'setMetric', args: ['nope'] });
  await page.waitForFunction(() => window.received.filter((m) => m.data?.type === 'gradscope:reply').length === 4);
  const replies = (await messages()).filter((m) => m.type === 'gradscope:reply');
  assert.deepEqual(replies.map((r) => r.ok), [false, false, false, false]);
  assert.match(replies[0].error, /whole number of steps/);
  assert.match(replies[1].error, /setConfig takes an object/);
  assert.equal(await frame.locator('#note').isVisible(), false, 'no note in the frame');
  assert.equal(await frame.locator('#messages').isVisible(), false, 'no banner in the frame');
  assert.ok(warnings.some((w) => /step from .* failed: step takes a whole number/.test(w)), warnings.join('\n'));
  await page.close();
});

test('step events come at most 4 a second, each with the same fields', async () => {
  // allow_origin: events from the start, so the first is the summary before any step.
  const { page, post, messages } = await embedded(
    `?embed=1&views=loss,heatmap&depth=30&width=32&speed=5&allow_origin=${encodeURIComponent(new URL(course.url).origin)}`,
  );
  await page.waitForFunction(() => window.received.some((m) => m.data?.event === 'ready'));
  await post({ type: 'gradscope:call', id: 1, method: 'inspect', args: [] });
  await page.waitForFunction(() => window.received.some((m) => m.data?.type === 'gradscope:reply'));
  const start = await page.evaluate(() => window.received.length);
  await post({ type: 'gradscope:call', id: 2, method: 'play', args: [] });
  const seconds = 4;
  await page.waitForTimeout(seconds * 1000);
  await post({ type: 'gradscope:call', id: 3, method: 'pause', args: [] });
  const all = (await messages()).filter((m) => m.type === 'gradscope:event' && m.event === 'step');
  const after = await page.evaluate((n) => window.received.slice(n).map((m) => m.data)
    .filter((m) => m?.type === 'gradscope:event' && m.event === 'step').length, start);
  assert.ok(after >= 4, `${after} step events while playing`);
  assert.ok(after <= seconds * 4 + 1, `${after} step events in ${seconds} s (at most ${seconds * 4 + 1})`);
  for (const e of all) assert.deepEqual(Object.keys(e.data).sort(), ['diverged', 'grad_norm', 'loss', 'step', 'steps'], JSON.stringify(e.data));
  assert.equal(all[0].data.steps, 0);
  assert.equal(all[0].data.grad_norm, null);
  await page.close();
});

test('the author\'s note counts the other problems as problems', async () => {
  const { page, frame } = await embedded('?embed=1&views=bogus1,bogus2&controls=bogus3,bogus4');
  assert.match(await frame.locator('#note-text').textContent(), /\(and 3 more problems; see the browser console\)\.$/);
  await page.close();
});

test('layouts: the embed bar sticks on top over views that come first; a phone\'s bar is one row; wide settings reach their end', async () => {
  const page = await browser.context.newPage();
  const go = async (viewport, query) => {
    await page.setViewportSize(viewport);
    await page.goto(`${server.url}${query}`);
    await page.waitForFunction(() => document.documentElement.dataset.ready === 'true');
  };
  const box = (sel) => page.locator(sel).boundingBox();
  // Embed, 700 x 640, no lesson, four controls: the first view on the first screen, the
  // controls below the views, Play still there after scrolling.
  await go({ width: 700, height: 640 }, '?embed=1&views=heatmap,loss&controls=depth,activation,optimizer,lr');
  const first = await box('#view-heatmap');
  assert.ok(first.y < 320, `the first view starts at ${first.y} px`);
  assert.ok((await box('.controls')).y > first.y, 'the controls below the views');
  await page.evaluate(() => window.scrollTo(0, 600));
  const play = await box('#play');
  assert.ok(play.y >= 0 && play.y + play.height <= 80, `Play at ${play.y} px after scrolling`);
  assert.equal(await page.evaluate(() => { const r = document.getElementById('step').getBoundingClientRect(); return document.elementFromPoint(r.x + 5, r.y + 5)?.id; }), 'step');
  // Phone, 360 x 740: one row of buttons, no wider than the screen, and the page's end
  // (the footer) is not under it.
  await go({ width: 360, height: 740 }, '?depth=20');
  const bar = await box('.playbar');
  assert.ok(bar.height <= 64, `the bar is ${bar.height} px tall`);
  const tops = await page.$$eval('.playbar button', (bs) => bs.filter((b) => b.offsetParent).map((b) => Math.round(b.getBoundingClientRect().top)));
  assert.equal(new Set(tops).size, 1, `one row: ${tops}`);
  assert.ok(await page.evaluate(() => [...document.querySelectorAll('.playbar button')].filter((b) => b.offsetParent)
    .every((b) => b.getBoundingClientRect().right <= innerWidth)), 'every button on screen');
  await page.evaluate(() => window.scrollTo(0, 1e6));
  const footer = await box('footer');
  const status = await box('#status');
  assert.ok(footer.y + footer.height <= status.y, `the footer ends at ${footer.y + footer.height}, the bar's tab starts at ${status.y}`);
  // Full page, 1400 x 900, adam, more settings open: the settings' last line is reachable.
  await go({ width: 1400, height: 900 }, '?optimizer=adam');
  await page.click('details.more summary');
  await page.evaluate(() => window.scrollTo(0, 1e6));
  await page.locator('#share').scrollIntoViewIfNeeded();
  const share = await box('#share');
  assert.ok(share.y >= 0 && share.y + share.height <= 900, `"Link to this setup" at ${share.y}`);
  assert.equal(await page.evaluate(() => { const r = document.getElementById('share').getBoundingClientRect(); return document.elementFromPoint(r.x + 5, r.y + 5)?.id; }), 'share');
  await page.close();
});
