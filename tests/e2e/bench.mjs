// In-browser frame timings, side by side with native speed: for each case, trains and
// redraws every view for 120 frames in Debian's Chromium and reports the frame time
// (mean, median, 95th percentile), its step and draw parts, per-view draw times, and the
// wasm steps/s next to the native steps/s of the same config (examples/step_rate.rs).
// Run after `cargo xtask build`: node tests/e2e/bench.mjs
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, startServer, launch, openPage } from './helpers.mjs';

const CASES = [
  { depth: 20, width: 16, batch: 32, stepsPerFrame: 50 },
  { depth: 50, width: 32, batch: 64, stepsPerFrame: 5 },
  { depth: 10, width: 128, batch: 128, stepsPerFrame: 1 },
  { depth: 64, width: 256, batch: 16, stepsPerFrame: 1 },
];

const native = (c) => Number(execFileSync('cargo', ['run', '--quiet', '--release', '--example', 'step_rate', '--',
  String(c.depth), String(c.width), String(c.batch), String(Math.max(200, 40000 / c.depth))], { cwd: ROOT, encoding: 'utf8' }));

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
