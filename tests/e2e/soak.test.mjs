// A long run with every view on: wasm memory, the JavaScript heap and frame time stay
// flat. GRADSCOPE_SOAK_STEPS sets the length (default 100,000 steps: the whole soak runs
// in the suite, in chunks of 1,000 steps, each followed by a full redraw).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedServerAndBrowser } from './helpers.mjs';

const STEPS = Number(process.env.GRADSCOPE_SOAK_STEPS ?? 100000);
const CHUNK = 1000;

let server;
let browser;
sharedServerAndBrowser((s, b) => { server = s; browser = b; });

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

test(`a ${STEPS}-step soak keeps memory and frame time flat`, async () => {
  const page = await browser.context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  // Adagrad on the default network: every view has something to draw the whole time.
  await page.goto(`${server.url}?depth=8&optimizer=adagrad&clip=norm&threshold=5`);
  await page.waitForFunction(() => document.documentElement.dataset.ready === 'true', null, { timeout: 30000 });
  const early = await page.evaluate(() => window.gradscope.timeFrames(40, 10));
  const samples = [];
  for (let done = 0; done < STEPS; done += CHUNK) {
    const sample = await page.evaluate((n) => {
      const taken = window.gradscope.step(n);
      return { taken, ...window.gradscope.memory() };
    }, CHUNK);
    assert.equal(sample.taken, CHUNK, `step ${done}: the run stopped (${JSON.stringify(sample)})`);
    samples.push(sample);
  }
  const late = await page.evaluate(() => window.gradscope.timeFrames(40, 10));
  assert.equal(await page.evaluate(() => window.gradscope.inspect().steps), STEPS + 400 + 400);
  // wasm memory: once the history buffer is full (2,000 steps) it must not grow at all.
  const wasm = samples.map((s) => s.wasmBytes);
  assert.ok(wasm.every((b) => typeof b === 'number' && b > 0), 'wasm memory is readable');
  assert.equal(Math.max(...wasm.slice(5)), wasm[5], `wasm memory grew: ${wasm[5]} -> ${Math.max(...wasm)}`);
  // The JavaScript heap: the last tenth no more than 1.5 times the second tenth.
  const heap = samples.map((s) => s.jsHeapBytes);
  const tenth = Math.max(1, Math.floor(heap.length / 10));
  const settled = mean(heap.slice(tenth, 2 * tenth));
  const end = mean(heap.slice(-tenth));
  assert.ok(end < settled * 1.5, `JavaScript heap grew from ${settled} to ${end} bytes`);
  // Frame time: late frames (full history) within twice the early ones plus 5 ms.
  assert.ok(late.medianMs < early.medianMs * 2 + 5,
    `frames slowed from ${early.medianMs.toFixed(2)} to ${late.medianMs.toFixed(2)} ms`);
  console.log(`soak ${STEPS} steps: wasm ${wasm[0]} -> ${wasm.at(-1)} bytes, heap ${settled.toFixed(0)} -> ${end.toFixed(0)}, `
    + `frame median ${early.medianMs.toFixed(2)} -> ${late.medianMs.toFixed(2)} ms`);
  assert.deepEqual(errors, []);
  await page.close();
});
