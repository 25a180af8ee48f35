// gradscope page: controls, the animation loop and window.gradscope. The engine and
// every chart live in wasm (www/pkg, built by `cargo xtask build`); this file only wires
// the DOM to one App handle.
import { loadEngine, isPanic, panicText, showCrash, hideCrash } from './crash.js';

const ACTIVATIONS = ['sigmoid', 'tanh', 'relu', 'leaky_relu', 'elu', 'gelu', 'selu', 'linear'];
const INITS = ['standard', 'xavier_uniform', 'xavier_normal', 'he_uniform', 'he_normal', 'lecun_normal',
  'orthogonal', 'normal', 'zeros'];
const OPTIMIZERS = ['sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adadelta', 'adam', 'adamw'];
const DATASETS = ['circles', 'xor', 'gaussians', 'spiral', 'spiral3', 'sine'];
const VIEWS = ['heatmap', 'flow', 'lr', 'loss', 'saturation', 'data'];

// Every control: what it edits, how it reads, and whether a change restarts the run.
// `log` sliders move the exponent: the value is 10^position.
const CONTROLS = [
  { id: 'dataset', label: 'Dataset', kind: 'select', path: ['dataset', 'kind'], options: DATASETS },
  { id: 'depth', label: 'Depth (hidden layers)', kind: 'range', path: ['network', 'depth'], min: 1, max: 64, step: 1 },
  { id: 'width', label: 'Width (units per layer)', kind: 'range', path: ['network', 'width'], min: 1, max: 256, step: 1 },
  { id: 'activation', label: 'Activation', kind: 'select', path: ['network', 'activation'], options: ACTIVATIONS },
  { id: 'init', label: 'Weight init', kind: 'select', path: ['network', 'init'], options: INITS },
  { id: 'init_std', label: 'Init std (normal init)', kind: 'log', path: ['network', 'init_std'], min: -3, max: 1, step: 0.05,
    show: (c) => c.network.init === 'normal' },
  { id: 'init_gain', label: 'Init gain', kind: 'log', path: ['network', 'init_gain'], min: -1, max: 1, step: 0.05 },
  { id: 'batch_norm', label: 'Batch normalization', kind: 'toggle', path: ['network', 'batch_norm'] },
  { id: 'skip_connections', label: 'Skip connections', kind: 'toggle', path: ['network', 'skip_connections'] },
  { id: 'loss', label: 'Loss', kind: 'select', path: ['loss'], options: (c) => lossesFor(c.dataset.kind) },
  { id: 'optimizer', label: 'Optimizer', kind: 'select', path: ['optimizer', 'kind'], options: OPTIMIZERS },
  { id: 'lr', label: 'Learning rate', kind: 'log', path: ['optimizer', 'lr'], min: -5, max: 2, step: 0.05, continues: true },
  { id: 'clip', label: 'Gradient clipping', kind: 'select', path: ['clip', 'kind'], options: ['none', 'value', 'norm'], continues: true },
  { id: 'threshold', label: 'Clip threshold', kind: 'log', path: ['clip', 'threshold'], min: -3, max: 3, step: 0.05, continues: true,
    show: (c) => c.clip.kind !== 'none' },
  { id: 'batch_size', label: 'Batch size', kind: 'range', path: ['batch_size'], min: 1, max: 128, step: 1 },
  { id: 'speed', label: 'Speed (steps per frame)', kind: 'range', view: true, min: 1, max: 200, step: 1 },
];

function lossesFor(dataset) {
  if (dataset === 'sine') return ['mse'];
  if (dataset === 'spiral3') return ['cross_entropy', 'mse'];
  return ['bce', 'mse', 'cross_entropy'];
}

const $ = (id) => document.getElementById(id);
const fmt = (v) => {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 0.01 || a >= 1e4) ? v.toExponential(1) : String(Number(v.toPrecision(3)));
};
const getPath = (obj, path) => path.reduce((o, k) => (o == null ? undefined : o[k]), obj);
const patchAt = (path, value) => path.reduceRight((inner, key) => ({ [key]: inner }), value);

let engine;
let app;
/** Set once the module panicked: nothing calls it again until a fresh run. */
let crashed = false;
/** The last config the module accepted (JSON), to report and restart a crash with. */
let knownConfig = '';
let knownQuery = '';
let playing = false;
let speed = 10;
let dirty = true;
let lastNote = '';
const frameMs = [];
const stepTimes = [];

function showMessage(text) {
  const box = $('messages');
  box.textContent = text;
  box.hidden = !text;
}

function config() {
  return JSON.parse(app.config());
}

/** Applies a partial config; returns {ok, restarted} or {ok: false, error}. */
function setConfig(partial, source = 'api') {
  let patch;
  try {
    patch = JSON.stringify(partial);
  } catch (e) {
    return fail(`setConfig: the value cannot be written as JSON (${e.message})`);
  }
  if (typeof partial !== 'object' || partial === null || Array.isArray(partial) || patch === undefined) {
    return fail('setConfig takes an object, like {network: {depth: 20}}');
  }
  try {
    const { restarted } = JSON.parse(app.set_config(patch));
    showMessage('');
    lastNote = restarted ? 'Restarted: the network or data changed.' : 'Continuing the run with the new setting.';
    afterConfigChange();
    return { ok: true, restarted };
  } catch (e) {
    if (isPanic(e)) throw e;
    return fail(`${source === 'control' ? 'Not applied' : 'setConfig'}: ${errorText(e)}`);
  }
}

function fail(message) {
  showMessage(message);
  syncControls();
  return { ok: false, error: message };
}

function errorText(e) {
  return e && e.message ? e.message : String(e);
}

function afterConfigChange() {
  knownConfig = app.config();
  msPerStep = 0;
  syncControls();
  writeUrl();
  updateText();
  dirty = true;
}

function writeUrl() {
  const q = app.query();
  knownQuery = q;
  const extra = [];
  if (app.metric() !== 'grad_norm') extra.push(`metric=${app.metric()}`);
  if (speed !== 10) extra.push(`speed=${speed}`);
  const query = [q, ...extra].filter(Boolean).join('&');
  $('share').href = `?${query}`;
  try {
    history.replaceState(null, '', `${location.pathname}${query ? `?${query}` : ''}`);
  } catch {
    // Sandboxed frames may refuse; the share link still carries the setup.
  }
}

// ---- controls -------------------------------------------------------------------------

function buildControls() {
  const list = $('control-list');
  for (const c of CONTROLS) {
    const box = document.createElement('div');
    box.className = `control ${c.kind === 'toggle' ? 'toggle' : ''}`;
    box.id = `control-${c.id}`;
    const inputId = `input-${c.id}`;
    const mark = c.view ? '' : c.continues ? '<span class="continue" title="continues the run">→</span>'
      : '<span class="restart" title="restarts the run">↻</span>';
    if (c.kind === 'toggle') {
      box.innerHTML = `<label for="${inputId}"><input type="checkbox" id="${inputId}"> ${c.label} ${mark}</label>`;
    } else {
      const field = c.kind === 'select' ? `<select id="${inputId}"></select>`
        : `<input type="range" id="${inputId}" min="${c.min}" max="${c.max}" step="${c.step}">`;
      box.innerHTML = `<label for="${inputId}"><span>${c.label} ${mark}</span><output id="out-${c.id}"></output></label>${field}`;
    }
    list.appendChild(box);
    const input = $(inputId);
    const commit = guarded(() => onControl(c, input));
    if (c.kind === 'range' || c.kind === 'log') {
      input.addEventListener('input', () => { $(`out-${c.id}`).textContent = fmt(readInput(c, input)); });
      input.addEventListener('change', commit);
    } else {
      input.addEventListener('change', commit);
    }
  }
}

function readInput(c, input) {
  if (c.kind === 'toggle') return input.checked;
  if (c.kind === 'select') return input.value;
  const v = Number(input.value);
  return c.kind === 'log' ? Number((10 ** v).toPrecision(3)) : v;
}

function onControl(c, input) {
  const value = readInput(c, input);
  if (c.view) {
    speed = value;
    $(`out-${c.id}`).textContent = String(value);
    writeUrl();
    return;
  }
  setConfig(patchAt(c.path, value), 'control');
}

function syncControls() {
  const cfg = config();
  for (const c of CONTROLS) {
    const input = $(`input-${c.id}`);
    const box = $(`control-${c.id}`);
    box.hidden = c.show ? !c.show(cfg) : false;
    const value = c.view ? speed : getPath(cfg, c.path);
    if (c.kind === 'select') {
      const options = typeof c.options === 'function' ? c.options(cfg) : c.options;
      if (input.dataset.options !== options.join()) {
        input.innerHTML = options.map((o) => `<option value="${o}">${o}</option>`).join('');
        input.dataset.options = options.join();
      }
      input.value = value;
      $(`out-${c.id}`).textContent = '';
    } else if (c.kind === 'toggle') {
      input.checked = Boolean(value);
    } else {
      input.value = c.kind === 'log' ? Math.log10(value) : value;
      $(`out-${c.id}`).textContent = fmt(value);
    }
  }
  const kind = cfg.optimizer.kind;
  $('lr-caption').textContent = kind === 'adagrad'
    ? "Adagrad's effective learning rate lr / sqrt(G + eps) per layer (line: mean over the layer's weights; band: min to max). G only grows, so it only shrinks."
    : ['sgd', 'momentum', 'nesterov'].includes(kind)
      ? `${kind} uses the same learning rate for every weight at every step: a flat line.`
      : `${kind}'s effective step size per layer (line: mean; band: min to max).`;
}

// ---- drawing and the loop ---------------------------------------------------------------

function sizeCanvases() {
  const dpr = window.devicePixelRatio || 1;
  for (const name of VIEWS) {
    const canvas = $(`view-${name}`);
    const w = Math.max(1, Math.round(canvas.clientWidth * dpr));
    const h = Math.max(1, Math.round(canvas.clientHeight * dpr));
    if (canvas.width !== w || canvas.height !== h) {
      canvas.width = w;
      canvas.height = h;
      dirty = true;
    }
  }
}

function draw() {
  try {
    app.draw(window.devicePixelRatio || 1);
  } catch (e) {
    if (isPanic(e)) throw e;
    showMessage(`Drawing failed: ${errorText(e)}`);
  }
  updateText();
  dirty = false;
}

function updateText() {
  const d = JSON.parse(app.diagnosis());
  const box = $('diagnosis');
  box.textContent = d.text;
  box.className = `diagnosis ${d.level}`;
  const s = JSON.parse(app.inspect());
  const rate = stepTimes.length > 1
    ? (stepTimes.reduce((a, b) => a + b.n, 0) / ((stepTimes.at(-1).t - stepTimes[0].t) / 1000 || 1)) : 0;
  const parts = [`step ${s.steps}`];
  if (s.loss !== null && s.loss !== undefined) parts.push(`loss ${typeof s.loss === 'number' ? fmt(s.loss) : s.loss}`);
  if (playing && rate > 0) parts.push(`${Math.round(rate)} steps/s`);
  if (lastNote) parts.push(lastNote);
  $('status').textContent = parts.join(' · ');
}

function doSteps(n) {
  const taken = app.step(n);
  stepTimes.push({ t: performance.now(), n: taken });
  while (stepTimes.length > 60) stepTimes.shift();
  if (taken < n) setPlaying(false);
  dirty = true;
  return taken;
}

// Training gets at most this many milliseconds of a frame, so a huge network (64 layers of
// 256 units) slows down training, not the page: the speed slider is a maximum.
const STEP_BUDGET_MS = 10;
/** Measured milliseconds per step of the current run (0 until measured). */
let msPerStep = 0;

/**
 * Trains up to `speed` steps within the frame's budget. Steps go in chunks sized by the
 * measured time per step, so no chunk overruns the budget by more than one step; the
 * first chunk of a run is a single step, which measures it.
 */
function playSteps(t0) {
  let done = 0;
  while (playing && done < speed) {
    const left = STEP_BUDGET_MS - (performance.now() - t0);
    if (done > 0 && left <= 0) break;
    const fit = msPerStep > 0 ? Math.floor(left / msPerStep) : 1;
    const n = Math.max(1, Math.min(speed - done, fit));
    const started = performance.now();
    const taken = doSteps(n);
    if (taken > 0) {
      const each = (performance.now() - started) / taken;
      msPerStep = msPerStep > 0 ? 0.7 * msPerStep + 0.3 * each : each;
    }
    done += taken;
    if (taken < n) break;
  }
}

function frame() {
  const t0 = performance.now();
  guard(() => {
    if (playing) playSteps(t0);
    if (dirty || app.needs_redraw()) draw();
  });
  frameMs.push(performance.now() - t0);
  while (frameMs.length > 120) frameMs.shift();
  requestAnimationFrame(frame);
}

// ---- panics ----------------------------------------------------------------------------

const STOPPED = 'gradscope stopped after an internal error; press "Start a fresh run"';

/**
 * Runs `fn`, which calls into the module. A panic there stops the page's use of the module
 * and shows the crash banner; `fallback` is returned instead. Other errors pass through.
 */
function guard(fn, fallback) {
  if (crashed) return fallback;
  try {
    return fn();
  } catch (e) {
    if (!isPanic(e)) throw e;
    onPanic(e);
    return fallback;
  }
}

/** An event handler or API call that is safe after a panic. */
const guarded = (fn, fallback) => (...args) => guard(() => fn(...args), fallback);

function onPanic(e) {
  crashed = true;
  playing = false;
  $('play').textContent = 'Play';
  $('play').setAttribute('aria-pressed', 'false');
  showCrash({ text: panicText(e), configJson: knownConfig, query: knownQuery, onRestart: restartFresh });
}

/** A fresh module instance and a fresh run of the settings that were in use. */
async function restartFresh() {
  engine = await loadEngine();
  try {
    app = new engine.App(knownConfig || '{}');
    lastNote = 'Started a fresh run after the error.';
  } catch (e) {
    app = new engine.App('{}');
    lastNote = 'Started a fresh run with the default settings after the error.';
  }
  crashed = false;
  hideCrash();
  for (const name of VIEWS) app.attach(name, $(`view-${name}`));
  const metric = document.querySelector('input[name="metric"]:checked');
  if (metric) app.set_metric(metric.value);
  afterConfigChange();
}

function setPlaying(on) {
  playing = on;
  $('play').textContent = on ? 'Pause' : 'Play';
  $('play').setAttribute('aria-pressed', String(on));
  if (on) lastNote = '';
}

/** Runs `frames` frames of `stepsPerFrame` steps plus a full redraw, timing each part. */
function timeFrames(frames, stepsPerFrame) {
  const total = [];
  let stepMs = 0;
  let drawMs = 0;
  for (let i = 0; i < frames; i += 1) {
    const t0 = performance.now();
    app.step(stepsPerFrame);
    const t1 = performance.now();
    app.draw(window.devicePixelRatio || 1);
    const t2 = performance.now();
    stepMs += t1 - t0;
    drawMs += t2 - t1;
    total.push(t2 - t0);
  }
  total.sort((a, b) => a - b);
  const mean = total.reduce((a, b) => a + b, 0) / total.length;
  return {
    frames,
    stepsPerFrame,
    meanMs: mean,
    medianMs: total[total.length >> 1],
    p95Ms: total[Math.floor(total.length * 0.95)],
    stepMsPerFrame: stepMs / frames,
    drawMsPerFrame: drawMs / frames,
    lastDrawMsPerView: JSON.parse(app.draw_timings()),
    stepsPerSecond: (frames * stepsPerFrame) / (stepMs / 1000),
  };
}

function hover(event) {
  const canvas = event.currentTarget;
  const dpr = window.devicePixelRatio || 1;
  const rect = canvas.getBoundingClientRect();
  const x = event.clientX - rect.left;
  const y = event.clientY - rect.top;
  const tip = $('tooltip');
  const hit = app.hover(x * dpr, y * dpr);
  if (!hit) {
    tip.hidden = true;
    return;
  }
  const h = JSON.parse(hit);
  const v = typeof h.value === 'number' ? h.value.toExponential(2) : h.value;
  tip.textContent = `layer ${h.layer} · step ${h.step} · ${h.metric === 'delta' ? 'rms dL/dz' : '‖dL/dW‖'} = ${v}`;
  tip.hidden = false;
  tip.style.left = `${Math.min(x + 12, rect.width - tip.offsetWidth - 4)}px`;
  tip.style.top = `${Math.max(0, y - 30)}px`;
}

async function main() {
  engine = await loadEngine();
  app = engine.App.from_query(location.search);
  knownConfig = app.config();
  const view = JSON.parse(app.view_settings());
  const messages = JSON.parse(app.messages());
  if (view.speed !== undefined) {
    const s = Number(view.speed);
    if (Number.isInteger(s) && s >= 1 && s <= 200) speed = s;
    else messages.push('URL parameter \'speed\' ignored: it must be a whole number from 1 to 200');
  }
  buildControls();
  for (const name of VIEWS) app.attach(name, $(`view-${name}`));
  document.querySelector(`input[name="metric"][value="${app.metric()}"]`).checked = true;
  document.querySelectorAll('input[name="metric"]').forEach((r) => r.addEventListener('change', guarded(() => {
    app.set_metric(r.value);
    writeUrl();
    dirty = true;
  })));
  $('play').addEventListener('click', () => { if (!crashed) setPlaying(!playing); });
  $('step').addEventListener('click', guarded(() => { setPlaying(false); doSteps(1); }));
  $('reset').addEventListener('click', guarded(() => { app.reset(); lastNote = 'Reset: same seed, same numbers.'; dirty = true; }));
  $('seed').addEventListener('click', guarded(() => setConfig({ seed: Math.floor(Math.random() * 1e9) })));
  $('view-heatmap').addEventListener('mousemove', guarded(hover));
  $('view-heatmap').addEventListener('mouseleave', () => { $('tooltip').hidden = true; });
  new ResizeObserver(guarded(sizeCanvases)).observe(document.querySelector('.views'));
  syncControls();
  writeUrl();
  showMessage(messages.join('\n'));
  sizeCanvases();
  const stopped = { ok: false, error: STOPPED };
  window.gradscope = {
    config: guarded(config, null),
    setConfig: guarded((partial) => setConfig(partial), stopped),
    step: guarded((n = 1) => {
      if (!Number.isInteger(n) || n < 1 || n > 100000) {
        const message = 'step takes a whole number of steps from 1 to 100000';
        showMessage(message);
        return { ok: false, error: message };
      }
      const taken = doSteps(n);
      draw();
      return taken;
    }, stopped),
    reset: guarded(() => { app.reset(); dirty = true; draw(); }, stopped),
    inspect: guarded(() => JSON.parse(app.inspect()), null),
    diagnosis: guarded(() => JSON.parse(app.diagnosis()), null),
    query: guarded(() => app.query(), null),
    play: () => { if (!crashed) setPlaying(true); },
    pause: () => setPlaying(false),
    setMetric: guarded((m) => {
      try { app.set_metric(m); dirty = true; return { ok: true }; } catch (e) { if (isPanic(e)) throw e; return fail(errorText(e)); }
    }, stopped),
    timeFrames: guarded(timeFrames, stopped),
    frameMs: () => [...frameMs],
    /** Bytes of wasm memory and of JavaScript heap in use (for soak tests). */
    memory: () => ({
      wasmBytes: engine.memory ? engine.memory.buffer.byteLength : null,
      jsHeapBytes: performance.memory ? performance.memory.usedJSHeapSize : null,
    }),
    crashed: () => crashed,
  };

  if (view.autoplay === true || view.autoplay === 1) setPlaying(true);
  requestAnimationFrame(frame);
  document.documentElement.dataset.ready = 'true';
}

main().catch((e) => {
  if (engine && isPanic(e)) {
    knownConfig = '';
    onPanic(e);
  } else {
    showMessage(`gradscope could not start: ${errorText(e)}`);
  }
});
