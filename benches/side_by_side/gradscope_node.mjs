// One measurement of gradscope's wasm engine in Node: the page's own build (www/pkg, as
// `cargo xtask build` writes it), one `App` of the benchmark's network.
// Usage: node gradscope_node.mjs DEPTH WIDTH BATCH RECORDS(0|1) WARM_MS TIMED_MS
// Prints {"stepsPerSecond": N}.
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { stepsPerSecond, gradscopeConfig } from './timing.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const [depth, width, batch, records, warmMs, timedMs] = process.argv.slice(2).map(Number);
// GRADSCOPE_PKG: another build of the glue (e.g. one with function names, for a profile).
const PKG = process.env.GRADSCOPE_PKG ?? join(ROOT, 'www', 'pkg');
const glue = await import(pathToFileURL(join(PKG, 'gradscope.js')).href);
glue.initSync({ module: readFileSync(join(PKG, 'gradscope_bg.wasm')) });
const app = new glue.App(JSON.stringify(gradscopeConfig({ depth, width, batch, records: records === 1 })));
if (records !== 1) app.set_records(false);
const rate = stepsPerSecond((n) => app.step(n), warmMs, timedMs, () => performance.now());
console.log(JSON.stringify({ stepsPerSecond: rate }));
