// The one timing loop every engine of `cargo xtask bench` runs (gradscope in Node and in
// Chromium, TF.js in Node): warm up, then count the steps taken in a fixed wall-clock
// window. `step(n)` trains n steps and returns how many it took.

/**
 * Steps per second of `step`: `warmMs` of warm-up (which also sizes the chunk of steps
 * per call to about 5 ms, so the clock is read rarely), then every step taken in the
 * following `timedMs`, divided by the time they took. `now()` is a millisecond clock.
 */
export function stepsPerSecond(step, warmMs, timedMs, now) {
  let chunk = 1;
  const warmStart = now();
  while (now() - warmStart < warmMs) {
    const t = now();
    if (step(chunk) < chunk) throw new Error('the run stopped (diverged) during warm-up');
    if (now() - t < 5 && chunk < 1 << 20) chunk *= 2;
  }
  let steps = 0;
  const start = now();
  let end;
  do {
    const taken = step(chunk);
    if (taken < chunk) throw new Error('the run stopped (diverged) while timed');
    steps += taken;
    end = now();
  } while (end - start < timedMs);
  return steps / ((end - start) / 1000);
}

/** The benchmark's network: tanh, 2 inputs, 1 output, Adagrad(0.1), bce, as the page runs it. */
export function gradscopeConfig({ depth, width, batch, records }) {
  return {
    network: { depth, width, activation: 'tanh' },
    optimizer: { kind: 'adagrad', lr: 0.1 },
    batch_size: batch,
    eval_every: records ? 25 : 0,
  };
}

/** Parameters of the network: per layer `n_in x n_out` weights and `n_out` biases. */
export function paramCount({ depth, width }) {
  let total = 0;
  let nIn = 2;
  for (let l = 0; l <= depth; l += 1) {
    const nOut = l < depth ? width : 1;
    total += nIn * nOut + nOut;
    nIn = nOut;
  }
  return total;
}
