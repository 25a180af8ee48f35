// In-browser frame timings, side by side with native speed: for each case, trains and
// redraws every view for 120 frames in Debian's Chromium and reports the frame time
// (mean, median, 95th percentile), its step and draw parts, per-view draw times, and the
// wasm steps/s next to the native steps/s of the same config (examples/step_rate.rs).
// Run after `cargo xtask build`: node tests/e2e/bench.mjs
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, startServer, launch, openPage } from './helpers.mjs';

// `--page-only`: only the playing page's table.
const PAGE_ONLY = process.argv.includes('--page-only');
const ALL_CASES = [
  { depth: 20, width: 16, batch: 32, stepsPerFrame: 50 },
  { depth: 50, width: 32, batch: 64, stepsPerFrame: 5 },
  { depth: 10, width: 128, batch: 128, stepsPerFrame: 1 },
  { depth: 64, width: 256, batch: 16, stepsPerFrame: 1 },
];
const CASES = PAGE_ONLY ? [] : ALL_CASES;

const native = (c) => Number(execFileSync('cargo', ['run', '--quiet', '--release', '--example', 'step_rate', '--',
  String(c.depth), String(c.width), String(c.batch), String(Math.max(200, 40000 / c.depth))], { cwd: ROOT, encoding: 'utf8' }));

// The page as a student sees it: autoplay, every view drawn, the loop's own step budget.
// Frame times are the training and drawing inside each animation frame (the page's own
// record); the first frame is timed from navigation start; a script call's wait is how
// long a timer set while training runs waits for the page's thread.
async function playing(context, url, query, seconds) {
  const page = await context.newPage();
  await page.goto(`${url}${query}`);
  await page.waitForFunction(() => performance.getEntriesByName('gradscope-first-frame').length > 0, null, { timeout: 60000 });
  const firstFrameMs = await page.evaluate(() => performance.getEntriesByName('gradscope-first-frame')[0].startTime);
  const waits = await page.evaluate(async (ms) => {
    const out = [];
    const end = performance.now() + ms;
    while (performance.now() < end) {
      const t = performance.now();
      // eslint-disable-next-line no-await-in-loop
      await new Promise((r) => { setTimeout(r, 0); });
      out.push(performance.now() - t);
      // eslint-disable-next-line no-await-in-loop
      await new Promise((r) => { setTimeout(r, 37); });
    }
    return out;
  }, seconds * 1000);
  const frames = await page.evaluate(() => window.gradscope.frameMs());
  const steps = await page.evaluate(() => window.gradscope.inspect().steps);
  await page.close();
  const sorted = (xs) => [...xs].sort((a, b) => a - b);
  const p95 = (xs) => sorted(xs)[Math.floor(xs.length * 0.95)];
  return { query, firstFrameMs, frames: frames.length, frameMean: frames.reduce((a, b) => a + b, 0) / frames.length,
    frameP95: p95(frames), frameMax: sorted(frames).at(-1), waitP95: p95(waits), waitMax: sorted(waits).at(-1), steps };
}

const server = await startServer();
const { context, close } = await launch({ width: 1400, height: 1000 });
const rows = [];
for (const c of CASES) {
  const { page } = await openPage(context, server.url,
    `?depth=${c.depth}&width=${c.width}&batch=${c.batch}&optimizer=adagrad&activation=tanh`);
  const r = await page.evaluate((spf) => {
    window.gradscope.timeFrames(20, spf);
    return window.gradscope.timeFrames(120, spf);
  }, c.stepsPerFrame);
  const nativeRate = native(c);
  rows.push({ ...c, ...r, nativeRate });
  await page.close();
}
const pages = [];
for (const q of ['?depth=50&width=32&batch=64&optimizer=adagrad&activation=tanh&speed=10&autoplay=1',
  '?depth=64&width=256&batch=16&optimizer=adagrad&activation=tanh&speed=200&autoplay=1']) {
  pages.push(await playing(context, server.url, q, 4));
}
await close();
await server.close();

const f = (v, d = 1) => Number(v).toFixed(d);
console.log('| depth, width, batch | steps/frame | frame ms mean / median / p95 | step ms | draw ms | slowest views (ms) | wasm steps/s | native steps/s | native / wasm |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) {
  const views = Object.entries(r.lastDrawMsPerView).sort((a, b) => b[1] - a[1]).slice(0, 3)
    .map(([k, v]) => `${k} ${f(v)}`).join(', ');
  console.log(`| ${r.depth}, ${r.width}, ${r.batch} | ${r.stepsPerFrame} | ${f(r.meanMs)} / ${f(r.medianMs)} / ${f(r.p95Ms)} | ${f(r.stepMsPerFrame)} | ${f(r.drawMsPerFrame)} | ${views} | ${f(r.stepsPerSecond, 0)} | ${f(r.nativeRate, 0)} | ${f(r.nativeRate / r.stepsPerSecond, 2)} |`);
}

console.log();
console.log('| page (autoplay, all views) | first frame after load ms | frame ms mean / p95 / max (last 120) | a script call waits ms p95 / max | steps in about 5 s |');
console.log('| --- | --- | --- | --- | --- |');
for (const p of pages) {
  console.log(`| \`${p.query}\` | ${f(p.firstFrameMs, 0)} | ${f(p.frameMean)} / ${f(p.frameP95)} / ${f(p.frameMax)} | ${f(p.waitP95)} / ${f(p.waitMax)} | ${p.steps} |`);
}
