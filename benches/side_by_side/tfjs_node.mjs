// One measurement of TensorFlow.js (the pinned @tensorflow/tfjs, cpu or wasm backend) in
// Node on the benchmark's network: tanh MLP, 2 inputs, 1 output, sigmoid cross-entropy,
// `tf.train.adagrad(0.1).minimize` on minibatches of a fixed 160-row data set.
// Usage: node tfjs_node.mjs BACKEND DEPTH WIDTH BATCH WARM_MS TIMED_MS
// Prints {"stepsPerSecond": N, "backend": ..., "simd": ..., "threads": ...}.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { stepsPerSecond } from './timing.js';

const [backend, ...rest] = process.argv.slice(2);
const [depth, width, batch, warmMs, timedMs] = rest.map(Number);
if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend ${backend} did not start`);
await tf.ready();

// Xavier-uniform weights, zero biases; inputs in [-1, 1], labels 0 or 1.
const params = [];
let nIn = 2;
for (let l = 0; l <= depth; l += 1) {
  const nOut = l < depth ? width : 1;
  const limit = Math.sqrt(6 / (nIn + nOut));
  params.push({
    w: tf.variable(tf.randomUniform([nIn, nOut], -limit, limit, 'float32', 1 + l)),
    b: tf.variable(tf.zeros([nOut])),
  });
  nIn = nOut;
}
const rows = 160;
const x = tf.randomUniform([rows, 2], -1, 1, 'float32', 7);
const y = tf.tidy(() => tf.cast(tf.less(tf.sum(tf.square(x), 1, true), 0.5), 'float32'));
// Twenty fixed minibatches of random rows, taken in turn.
const batches = Array.from({ length: 20 }, (_, i) => {
  const idx = tf.tensor1d(Array.from({ length: batch }, (_, r) => (i * 7919 + r * 104729) % rows), 'int32');
  return { x: tf.gather(x, idx), y: tf.gather(y, idx) };
});
const optimizer = tf.train.adagrad(0.1);
let next = 0;
const step = (n) => {
  for (let s = 0; s < n; s += 1) {
    const b = batches[next];
    next = (next + 1) % batches.length;
    tf.tidy(() => {
      optimizer.minimize(() => {
        let h = b.x;
        params.forEach((p, l) => {
          const z = tf.add(tf.matMul(h, p.w), p.b);
          h = l < depth ? tf.tanh(z) : z;
        });
        return tf.losses.sigmoidCrossEntropy(b.y, h);
      }, false);
    });
  }
  return n;
};
const rate = stepsPerSecond(step, warmMs, timedMs, () => performance.now());
const flags = backend === 'wasm' ? { simd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'), threads: await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT') } : {};
console.log(JSON.stringify({ stepsPerSecond: rate, backend: tf.getBackend(), ...flags, tensors: tf.memory().numTensors }));
