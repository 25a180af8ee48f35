// Runs the wasm32 build of examples/fingerprint_wasm.rs (through its wasm-bindgen glue
// for the web, initialized synchronously in Node) and compares its trace fingerprints
// with the native ones (a JSON array of decimal strings in argv[3]). Prints
// "N passed, M failed" and exits non-zero on any mismatch, and on any config the wasm32
// build cannot fingerprint (it throws: a fixture that does not parse fails, it does not
// agree with itself).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [gluePath, nativeJson] = process.argv.slice(2);
const native = JSON.parse(nativeJson);
const glue = await import(pathToFileURL(resolve(gluePath)).href);
glue.initSync({ module: readFileSync(resolve(gluePath).replace(/\.js$/, '_bg.wasm')) });
const { fingerprint } = glue;
let passed = 0;
let failed = 0;
if (!Array.isArray(native) || native.length === 0) {
  console.log(`FAILED: no native fingerprints in ${nativeJson}`);
  process.exit(1);
}
native.forEach((want, i) => {
  let got;
  try {
    got = fingerprint(i);
  } catch (e) {
    failed += 1;
    console.log(`FAILED config ${i}: wasm32 threw ${e.message ?? e}`);
    return;
  }
  if (got === want) {
    passed += 1;
    console.log(`ok config ${i}: wasm32 fingerprint ${got} equals native`);
  } else {
    failed += 1;
    console.log(`FAILED config ${i}: wasm32 ${got}, native ${want}`);
  }
});
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
