// gradscope page: controls, the animation loop and window.gradscope. The engine and
// every chart live in wasm (www/pkg, built by `cargo xtask build`); this file only wires
// the DOM to one App handle.
import { loadEngine, isPanic, panicText, showCrash, hideCrash } from './crash.js';
import { createAdvice } from './advice.js';
import { initLessons } from './lessons.js';
import * as embed from './embed.js';
import { startBridge } from './bridge.js';
import { initShare, shareLinks } from './share.js';
import { initExport } from './export.js';
import { announceDiagnosis, cellText, initPhone, initHeatmapKeys } from './a11y.js';

// Every setting (config fields and view settings) comes from the wasm module's schema:
// labels, kinds, options, slider ranges, whether a change restarts the run, and help.
// What depends on the current config (the losses a dataset allows, the batch size's
// maximum, which hyper-parameters apply) comes from app.field_states(). This file keeps
// no lists, labels, ranges or rules of its own.
let FIELDS = [];
// The views a canvas shows (`view-<name>`), from the wasm module too.
let VIEWS = [];

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
let view = {};
let dirty = true;
let lastNote = '';
/** Measured advice under the banner (www/advice.js). */
let advice;
const frameMs = [];
const stepTimes = [];

/** True while a call from an embedding page's message runs: its errors go only to the
 * reply (and the console), never into the student's view. */
let fromMessage = false;

function showMessage(text) {
  if (fromMessage) return;
  if (embed.showNote(text)) return;
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

/** Applies one measured change and restarts, so the run is the one the advice measured. */
function applyAdvice(patch, label) {
  const result = setConfig(patch, 'advice');
  if (result.ok) {
    app.reset();
    lastNote = `Applied ${label}; restarted from step 0, as in the trial.`;
    dirty = true;
    updateText();
  }
  return result;
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
  syncControls();
  writeUrl();
  updateText();
  if (showLesson) showLesson(app.lesson());
  dirty = true;
}

/** Sets up a lesson by name (its config and view); returns {ok: true} or {ok: false, error}. */
function setLesson(name) {
  try {
    app.set_lesson(String(name));
  } catch (e) {
    if (isPanic(e)) throw e;
    return fail(errorText(e));
  }
  showMessage('');
  view = JSON.parse(app.view_settings());
  // A lesson starts paused at step 0, even when chosen while the last run played.
  if (playing) setPlaying(false);
  lastNote = LESSON_NOTE;
  afterConfigChange();
  if (showLesson) showLesson(app.lesson());
  embed.showLessonSlot();
  return { ok: true };
}
let showLesson = null;
/** The status note after a lesson is set up; the first step taken clears it. */
const LESSON_NOTE = 'Lesson set up: press Play.';

/** Applies partial view settings; returns {ok: true} or {ok: false, error}. */
function setView(partial) {
  try {
    app.set_view(JSON.stringify(partial));
  } catch (e) {
    if (isPanic(e)) throw e;
    return fail(errorText(e));
  }
  view = JSON.parse(app.view_settings());
  syncControls();
  writeUrl();
  dirty = true;
  return { ok: true };
}

function writeUrl() {
  const own = app.query();
  embed.updateOpenLink(own);
  const query = embed.linkQuery(own);
  knownQuery = query;
  $('share').href = `?${query}`;
  try {
    history.replaceState(null, '', `${location.pathname}${query ? `?${query}` : ''}`);
  } catch {
    // Sandboxed frames may refuse; the share link still carries the setup.
  }
}

// ---- controls -------------------------------------------------------------------------

function mark(f) {
  if (f.effect === 'continues') return '<span class="continue" title="continues the run">→</span>';
  if (f.effect === 'restarts') return '<span class="restart" title="restarts the run">↻</span>';
  return '';
}

function buildControls() {
  const lists = { settings: $('control-list'), more: $('control-list-more') };
  for (const f of FIELDS) {
    if (f.place === 'heatmap' || f.place === 'radios') {
      buildRadios(f);
      continue;
    }
    const list = lists[f.place];
    if (!list) continue;
    const box = document.createElement('div');
    box.className = `control ${f.kind === 'bool' ? 'toggle' : ''}`;
    box.id = `control-${f.url}`;
    box.title = f.help;
    const inputId = `input-${f.url}`;
    if (f.kind === 'bool') {
      box.innerHTML = `<label for="${inputId}"><input type="checkbox" id="${inputId}"> ${f.label} ${mark(f)}</label>`;
    } else {
      let field;
      if (f.kind === 'choice') field = `<select id="${inputId}"></select>`;
      else if (f.slider) field = `<input type="range" id="${inputId}" step="${f.slider.log ? 0.01 : f.slider.step}">`;
      else field = `<input type="number" id="${inputId}">`;
      box.innerHTML = `<label for="${inputId}"><span>${f.label} ${mark(f)}</span><output id="out-${f.url}"></output></label>${field}`;
    }
    list.appendChild(box);
    const input = $(inputId);
    if (f.slider) {
      input.addEventListener('input', () => { $(`out-${f.url}`).textContent = fmt(readInput(f, input)); });
    }
    input.addEventListener('change', guarded(() => onControl(f, readInput(f, input))));
  }
}

/** A choice shown as radio buttons (the heatmap's measure). */
function buildRadios(f) {
  const group = $(`control-${f.url}`);
  group.setAttribute('aria-label', f.label);
  group.title = f.help;
  for (const o of f.options) {
    const label = document.createElement('label');
    const radio = document.createElement('input');
    Object.assign(radio, { type: 'radio', name: f.url, value: o.value });
    radio.addEventListener('change', guarded(() => onControl(f, radio.value)));
    label.append(radio, ` ${o.label}`);
    group.appendChild(label);
  }
}

function readInput(f, input) {
  if (f.kind === 'bool') return input.checked;
  if (f.kind === 'choice') return input.value;
  const v = Number(input.value);
  if (f.slider && f.slider.log) {
    const x = 10 ** v;
    return f.kind === 'int' ? Math.round(x) : Number(x.toPrecision(3));
  }
  return f.kind === 'int' ? Math.round(v) : Number(v.toPrecision(6));
}

function onControl(f, value) {
  if (f.section === 'view') setView({ [f.path]: value });
  else setConfig(patchAt(f.path.split('.'), value), 'control');
}

function syncControls() {
  const states = JSON.parse(app.field_states());
  for (const f of FIELDS) {
    const st = states[f.url];
    if (f.place === 'heatmap' || f.place === 'radios') {
      document.querySelectorAll(`input[name="${f.url}"]`).forEach((r) => { r.checked = r.value === st.value; });
      continue;
    }
    const input = $(`input-${f.url}`);
    if (!input) continue;
    $(`control-${f.url}`).hidden = !st.shown;
    if (!st.shown) continue;
    if (f.kind === 'choice') {
      const labels = Object.fromEntries(f.options.map((o) => [o.value, o.label]));
      if (input.dataset.options !== st.options.join()) {
        input.replaceChildren(...st.options.map((o) => new Option(labels[o] ?? o, o)));
        input.dataset.options = st.options.join();
      }
      input.value = st.value;
      $(`out-${f.url}`).textContent = '';
    } else if (f.kind === 'bool') {
      input.checked = Boolean(st.value);
    } else {
      const log = f.slider && f.slider.log;
      const pos = (x) => (log ? Math.log10(x) : x);
      if (f.slider) {
        input.min = String(pos(st.min));
        input.max = String(pos(st.max));
      }
      input.value = String(pos(st.value));
      $(`out-${f.url}`).textContent = fmt(st.value);
    }
  }
  showOptimizerNote();
}

/** What the last optimizer switch did to the learning rate, with the offer of the new
 * optimizer's default (text and patch from the module), beside the control it names. */
function showOptimizerNote() {
  const note = JSON.parse(app.optimizer_note());
  let box = $('optimizer-note');
  if (!note) {
    if (box) box.hidden = true;
    return;
  }
  const host = $(`control-${note.beside}`);
  if (!host) return;
  if (!box) {
    box = document.createElement('p');
    box.id = 'optimizer-note';
    box.className = 'control-note';
    box.setAttribute('role', 'status');
  }
  if (box.parentElement !== host) host.appendChild(box);
  box.hidden = false;
  const text = document.createElement('span');
  text.textContent = note.text;
  const parts = [text];
  if (note.offer) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'link-button';
    button.id = 'optimizer-default-lr';
    button.textContent = note.offer.label;
    button.addEventListener('click', guarded(() => setConfig(note.offer.patch, 'control')));
    parts.push(' ', button);
  }
  box.replaceChildren(...parts);
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

/** Titles and captions that depend on the run (optimizer, task, divergence), from Rust. */
function updateCaptions() {
  for (const [name, c] of Object.entries(JSON.parse(app.captions()))) {
    const article = $(`view-${name}`).closest('.view');
    const title = article.querySelector('h2');
    const caption = article.querySelector('.caption');
    if (title.textContent !== c.title) title.textContent = c.title;
    if (caption.textContent !== c.caption) caption.textContent = c.caption;
  }
}

function updateText() {
  updateCaptions();
  const d = JSON.parse(app.diagnosis());
  const box = $('diagnosis');
  box.textContent = d.text;
  box.className = `diagnosis ${d.level}`;
  announceDiagnosis(d);
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
  if (taken > 0 && lastNote === LESSON_NOTE) lastNote = '';
  stepTimes.push({ t: performance.now(), n: taken });
  while (stepTimes.length > 60) stepTimes.shift();
  if (taken < n) setPlaying(false);
  dirty = true;
  return taken;
}

/**
 * Trains the steps of one frame: chunks sized by the engine's step budget
 * (src/view/budget.rs: at most about 10 ms of training a frame, at most `speed` steps),
 * each chunk's time reported back so the next one is sized by the measured speed.
 */
function playSteps(t0) {
  let done = 0;
  while (playing) {
    const n = app.plan_steps(done, performance.now() - t0);
    if (n === 0) break;
    const started = performance.now();
    const taken = doSteps(n);
    app.record_steps(taken, performance.now() - started);
    done += taken;
    if (taken < n) break;
  }
}

function frame() {
  const t0 = performance.now();
  guard(() => {
    if (playing) playSteps(t0);
    if (dirty || app.needs_redraw()) draw();
    advice.frame();
  });
  // When the first frame was drawn, for tests/e2e/bench.mjs (time since navigation).
  if (frameMs.length === 0) performance.mark('gradscope-first-frame');
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
  const settings = JSON.stringify(view);
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
  try {
    app.set_view(settings);
  } catch {
    // The new run keeps its default view settings.
  }
  view = JSON.parse(app.view_settings());
  if (view.autoplay) setView({ autoplay: false });
  afterConfigChange();
}

function setPlaying(on) {
  playing = on;
  $('play').textContent = on ? 'Pause' : 'Play';
  $('play').setAttribute('aria-pressed', String(on));
  if (on) lastNote = '';
  // A link to a playing page plays when opened.
  if (view.autoplay !== on) setView({ autoplay: on });
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
  tip.textContent = cellText(JSON.parse(hit));
  tip.hidden = false;
  tip.style.left = `${Math.min(x + 12, rect.width - tip.offsetWidth - 4)}px`;
  tip.style.top = `${Math.max(0, y - 30)}px`;
}

async function main() {
  engine = await loadEngine();
  FIELDS = JSON.parse(engine.schema()).fields;
  app = engine.App.from_query(location.search);
  knownConfig = app.config();
  view = JSON.parse(app.view_settings());
  const messages = JSON.parse(app.messages());
  const options = embed.readOptions(engine, location.search);
  buildControls();
  const allViews = JSON.parse(engine.views());
  embed.applyOptions(allViews);
  VIEWS = embed.shownViews(allViews);
  for (const name of VIEWS) app.attach(name, $(`view-${name}`));
  advice = createAdvice({ anchor: $('diagnosis'), getApp: () => app, apply: guarded(applyAdvice) });
  $('play').addEventListener('click', guarded(() => setPlaying(!playing)));
  $('step').addEventListener('click', guarded(() => { setPlaying(false); doSteps(1); }));
  $('reset').addEventListener('click', guarded(() => { app.reset(); lastNote = 'Reset: same seed, same numbers.'; dirty = true; }));
  $('seed').addEventListener('click', guarded(() => setConfig({ seed: Math.floor(Math.random() * 1e9) })));
  $('view-heatmap').addEventListener('mousemove', guarded(hover));
  $('view-heatmap').addEventListener('mouseleave', () => { $('tooltip').hidden = true; });
  new ResizeObserver(guarded(sizeCanvases)).observe(document.querySelector('.views'));
  showLesson = initLessons(JSON.parse(engine.lessons()), app.lesson(), guarded(setLesson, { ok: false }), () => guard(() => app.lesson_left(), false));
  embed.showLessonSlot();
  syncControls();
  writeUrl();
  if (!embed.reportToAuthor([...messages, ...options.messages])) showMessage([...messages, ...options.messages].join('\n'));
  embed.initNote();
  initPhone(FIELDS);
  initHeatmapKeys($('view-heatmap'), (x, y) => guard(() => app.hover(x, y), ''), $('tooltip'), $('heatmap-readout'));
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
    advice: guarded(() => advice.state(), null),
    query: guarded(() => app.query(), null),
    /** The share dialog's link, iframe and component snippets for the current state. */
    share: guarded(() => shareLinks(app.query()), null),
    schema: () => JSON.parse(engine.schema()),
    view: guarded(() => JSON.parse(app.view_settings()), null),
    play: guarded(() => setPlaying(true)),
    pause: guarded(() => setPlaying(false)),
    setMetric: guarded((m) => setView({ metric: m }), stopped),
    lessons: () => JSON.parse(engine.lessons()),
    lesson: guarded(() => app.lesson(), null),
    setLesson: guarded((name) => setLesson(name), stopped),
    featureLr: guarded(() => JSON.parse(app.input_feature_lr()), null),
    timeFrames: guarded(timeFrames, stopped),
    frameMs: () => [...frameMs],
    crashed: () => crashed,
    /** Bytes of wasm memory and of JavaScript heap in use (for soak tests). */
    memory: () => ({
      wasmBytes: engine.memory ? engine.memory.buffer.byteLength : null,
      jsHeapBytes: performance.memory ? performance.memory.usedJSHeapSize : null,
    }),
  };

  const current = () => app;
  initShare({ query: guarded(() => app.query(), '') });
  initExport({ app: current, views: VIEWS, guard });
  startBridge(window.gradscope, {
    allowOrigin: options.allow_origin,
    answerNone: options.answer_none,
    log: (t) => console.warn(t),
    quietly: (fn) => {
      fromMessage = true;
      try {
        return fn();
      } finally {
        fromMessage = false;
      }
    },
  });
  if (view.autoplay) setPlaying(true);
  requestAnimationFrame(frame);
  document.documentElement.dataset.ready = 'true';
}

main().catch((e) => {
  if (engine && isPanic(e)) {
    knownConfig = '';
    onPanic(e);
    return;
  }
  // The module could not be loaded or started (a policy that forbids WebAssembly, a
  // failed download, a sandboxed frame): nothing will run, so say so, and tell an
  // embedding page.
  crashed = true;
  for (const id of ['play', 'step', 'reset', 'seed']) $(id).disabled = true;
  $('diagnosis').textContent = 'gradscope could not start.';
  showCrash({
    text: errorText(e).slice(0, 300),
    configJson: '',
    query: location.search.replace(/^\?/, ''),
    onRestart: async () => location.reload(),
    startFailed: true,
  });
});
