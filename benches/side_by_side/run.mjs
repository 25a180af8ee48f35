// `cargo xtask bench`: gradscope's wasm engine (the page's build, in Node and in headless
// Chromium), gradscope native, and TensorFlow.js (pinned in package.json; wasm and cpu
// backends, in Node) train the same network side by side: tanh MLP, 2 inputs, 1 output,
// minibatches, Adagrad(0.1). Every measurement is a fresh process (a fresh page in
// Chromium) that warms up, then counts steps in a fixed window (timing.js); the engines
// run interleaved, in a rotated order per repeat, and the table gives the median of the
// repeats. gradscope runs as the page runs it (per-step records, evaluation every 25
// steps); the "bare" columns switch both off, to price them.
//
// Usage (after `cargo xtask build` and `cargo build --release --example step_rate`):
//   node benches/side_by_side/run.mjs [--quick] [--repeats N] [--warm MS] [--timed MS]
//                                      [--cases 20x16x32,10x128x128] [--no-tfjs]
import { execFile } from 'node:child_process';
import { cpus } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { paramCount, gradscopeConfig } from './timing.js';

const run = promisify(execFile);
const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : dflt;
};
const quick = args.includes('--quick');
const repeats = Number(opt('--repeats', quick ? 3 : 5));
const warmMs = Number(opt('--warm', quick ? 300 : 1000));
const timedMs = Number(opt('--timed', quick ? 300 : 1000));
const withTfjs = !args.includes('--no-tfjs');
// The sizes, and the largest network the page's sliders allow.
const CASES = opt('--cases', '4x8x10,20x16x32,50x32x64,10x128x128,64x256x16').split(',').map((s) => {
  const [depth, width, batch] = s.split('x').map(Number);
  return { depth, width, batch };
});

/** The last line of a child's stdout, as JSON (TF.js prints a banner before it). */
async function child(cmd, argv) {
  const { stdout } = await run(cmd, argv, { cwd: ROOT, maxBuffer: 1 << 20 });
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]).stepsPerSecond;
}

const size = (c) => [String(c.depth), String(c.width), String(c.batch)];
const ENGINES = [
  { key: 'wasmNode', label: 'gradscope wasm (Node)', run: (c) => child('node', [join(HERE, 'gradscope_node.mjs'), ...size(c), '1', warmMs, timedMs].map(String)) },
  { key: 'wasmChromium', label: 'gradscope wasm (Chromium)', run: (c) => inChromium(c) },
  { key: 'native', label: 'gradscope native', run: (c) => child(join(ROOT, 'target/release/examples/step_rate'), [...size(c), '--ms', String(warmMs), String(timedMs)]) },
  { key: 'wasmBare', label: 'gradscope wasm bare (Node)', run: (c) => child('node', [join(HERE, 'gradscope_node.mjs'), ...size(c), '0', warmMs, timedMs].map(String)) },
  { key: 'nativeBare', label: 'gradscope native bare', run: (c) => child(join(ROOT, 'target/release/examples/step_rate'), [...size(c), '--ms', String(warmMs), String(timedMs), '--bare']) },
  ...(withTfjs ? [
    { key: 'tfWasm', label: 'TF.js wasm', run: (c) => child('node', [join(HERE, 'tfjs_node.mjs'), 'wasm', ...size(c), warmMs, timedMs].map(String)) },
    { key: 'tfCpu', label: 'TF.js cpu', run: (c) => child('node', [join(HERE, 'tfjs_node.mjs'), 'cpu', ...size(c), warmMs, timedMs].map(String)) },
  ] : []),
];

// Chromium: one browser, a fresh page (a fresh wasm instance) per measurement, served
// from the repository by the end-to-end tests' server (with their strict CSP).
const { startServer, launch } = await import('../../tests/e2e/helpers.mjs');
const server = await startServer();
const browser = await launch({ width: 800, height: 600 });
async function inChromium(c) {
  const page = await browser.context.newPage();
  try {
    await page.goto(`${server.url}benches/side_by_side/blank.html`);
    return await page.evaluate(async ({ config, warm, timed }) => {
      const timing = await import('/benches/side_by_side/timing.js');
      const glue = await import('/www/pkg/gradscope.js');
      await glue.default();
      const app = new glue.App(JSON.stringify(config));
      return timing.stepsPerSecond((n) => app.step(n), warm, timed, () => performance.now());
    }, { config: gradscopeConfig({ ...c, records: true }), warm: warmMs, timed: timedMs });
  } finally {
    await page.close();
  }
}

const results = new Map(); // `${case}|${engine}` -> [steps/s]
const key = (c, e) => `${c.depth}x${c.width}x${c.batch}|${e.key}`;
const started = Date.now();
for (let r = 0; r < repeats; r += 1) {
  for (const c of CASES) {
    // Rotate the order per repeat, so no engine always runs first or last.
    const order = ENGINES.map((_, i) => ENGINES[(i + r) % ENGINES.length]);
    for (const e of order) {
      const rate = await e.run(c);
      const k = key(c, e);
      results.set(k, [...(results.get(k) ?? []), rate]);
      process.stderr.write(`repeat ${r + 1}/${repeats} ${c.depth}x${c.width}x${c.batch} ${e.label}: ${rate.toFixed(1)} steps/s\n`);
    }
  }
}
await browser.close();
await server.close();

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const get = (c, k) => median(results.get(`${c.depth}x${c.width}x${c.batch}|${k}`) ?? [NaN]);
const int = (v) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '-');
const dec = (v, d = 1) => (Number.isFinite(v) ? (v >= 100 && d === 1 ? v.toFixed(0) : v.toFixed(d)) : '-');
const rate = (v) => (v >= 100 ? int(v) : dec(v, 1));

const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(`gradscope side by side, ${new Date().toISOString().slice(0, 10)}, ${cpus().length} x ${cpu}, Node ${process.version}, `
  + `median of ${repeats} interleaved runs (${warmMs} ms warm-up, ${timedMs} ms timed), in ${Math.round((Date.now() - started) / 1000)} s; steps per second:`);
console.log();
console.log('| depth, width, batch | gradscope wasm (Node) | wasm (Chromium) | native | TF.js wasm | TF.js cpu | wasm / TF.js wasm | wasm / native | wasm GFLOP/s | native GFLOP/s | records + eval cost (wasm, native) |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const c of CASES) {
  const flops = 6 * paramCount(c) * c.batch;
  const w = get(c, 'wasmNode');
  const n = get(c, 'native');
  const cost = (withRecords, bare) => `${dec(100 * (1 - withRecords / bare), 0)}%`;
  console.log(`| ${c.depth}, ${c.width}, ${c.batch} | ${rate(w)} | ${rate(get(c, 'wasmChromium'))} | ${rate(n)} | ${rate(get(c, 'tfWasm'))} | ${rate(get(c, 'tfCpu'))} `
    + `| ${dec(w / get(c, 'tfWasm'))} | ${dec(w / n, 2)} | ${dec(w * flops / 1e9)} | ${dec(n * flops / 1e9)} `
    + `| ${cost(w, get(c, 'wasmBare'))}, ${cost(n, get(c, 'nativeBare'))} |`);
}
console.log();
console.log('FLOPs per step = 6 x parameters x batch. "records + eval cost" = 1 - (steps/s as the page runs) / (steps/s with per-step records and evaluation off).');
