// Runs the wasm32 build of examples/fingerprint.rs in Node and compares its trace
// fingerprints with the native ones (JSON array of decimal strings on stdin or in argv[3]).
// Prints "N passed, M failed" and exits non-zero on any mismatch.
import { readFileSync } from 'node:fs';

const [wasmPath, nativeJson] = process.argv.slice(2);
const native = JSON.parse(nativeJson ?? readFileSync(0, 'utf8'));
const { instance } = await WebAssembly.instantiate(readFileSync(wasmPath), {});
let passed = 0;
let failed = 0;
native.forEach((want, i) => {
  const got = BigInt.asUintN(64, instance.exports.gradscope_fingerprint(i)).toString();
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
