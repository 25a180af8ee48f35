// <gradscope-lab>: gradscope as a web component, for a course page that hosts gradscope's
// folder (this file, www/pkg and www/lab.css) on its own site:
//
//   <script type="module" src="/gradscope/www/gradscope-lab.js"></script>
//   <gradscope-lab lesson="vanishing-sigmoid" query="depth=20" views="heatmap,loss"
//                  controls="activation,bn" autoplay>
//     <p slot="lesson">The teacher's own words above the lab.</p>
//   </gradscope-lab>
//
// Each element is its own run; all share one instance of the wasm module. `lesson` sets up
// one of gradscope's lessons; `query` takes any link parameters of the full page (the
// settings, the seed, metric, speed), which override the lesson's; `views`
// and `controls` name what is shown (names checked by the module, as in embed mode); a bad
// name goes to the console and a small note. Each element has the page's API as
// `element.gradscope` (config, setConfig, step, reset, inspect, diagnosis, query, play,
// pause, setMetric, schema) and fires `gradscope:ready`, `gradscope:step`,
// `gradscope:diagnosis`, `gradscope:diverged`, `gradscope:config` and `gradscope:error`
// events (docs/embedding.md).
import { watch } from './bridge.js';
import { isPanic, panicText } from './crash.js';
import { addNudges, cellText, initHeatmapKeys } from './a11y.js';

const PKG = new URL('./pkg/gradscope.js', import.meta.url).href;
const STYLE = new URL('./lab.css', import.meta.url).href;
const PAGE_STYLE = new URL('./style.css', import.meta.url).href;
const FULL_PAGE = new URL('../', import.meta.url).href;
/** Milliseconds of a frame a lab may spend training (several labs share a frame). */
const STEP_BUDGET_MS = 6;

let enginePromise = null;
/** The one wasm module instance every lab on the page shares. */
function sharedEngine() {
  enginePromise ??= import(PKG).then(async (m) => {
    await m.default();
    return m;
  });
  return enginePromise;
}

const fmt = (v) => {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 0.01 || a >= 1e4) ? v.toExponential(1) : String(Number(v.toPrecision(3)));
};
const patchAt = (path, value) => path.reduceRight((inner, key) => ({ [key]: inner }), value);
const el = (tag, props = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('aria-') || k === 'role' || k === 'for') e.setAttribute(k, v);
    else e[k] = v;
  }
  e.append(...children);
  return e;
};

let labs = 0;

class GradscopeLab extends HTMLElement {
  connectedCallback() {
    if (this.started) return;
    this.started = true;
    labs += 1;
    this.uid = `lab${labs}`;
    this.start().catch((e) => this.fail(e));
  }

  disconnectedCallback() {
    this.stopped = true;
    this.unwatch?.();
    this.resizer?.disconnect();
  }

  /** The link parameters this element stands for. */
  linkQuery() {
    const parts = [(this.getAttribute('query') ?? '').replace(/^\?/, '')];
    for (const name of ['lesson', 'views', 'controls']) {
      const v = this.getAttribute(name);
      if (v !== null) parts.push(`${name}=${encodeURIComponent(v).replace(/%2C/g, ',')}`);
    }
    if (this.hasAttribute('autoplay')) parts.push('autoplay=1');
    return parts.filter(Boolean).join('&');
  }

  async start() {
    const engine = await sharedEngine();
    this.engine = engine;
    const query = this.linkQuery();
    this.app = engine.App.from_query(query);
    this.options = JSON.parse(engine.page_options(`${query}&embed=1`));
    this.fields = JSON.parse(engine.schema()).fields;
    this.build();
    const messages = [...JSON.parse(this.app.messages()), ...this.options.messages];
    for (const m of messages) console.warn(`gradscope-lab: ${m}`);
    if (messages.length) this.note(`${messages.length} parameter(s) not applied as written; see the browser console.`);
    this.api = this.makeApi();
    this.gradscope = this.api;
    this.sync();
    this.dirty = true;
    this.playing = false;
    if (JSON.parse(this.app.view_settings()).autoplay) this.setPlaying(true);
    const emit = (event, data) => this.fire(event, data);
    this.unwatch = watch(this.api, emit);
    requestAnimationFrame(() => this.frame());
    this.dataset.ready = 'true';
    this.fire('ready', { methods: Object.keys(this.api) });
  }

  fire(event, data) {
    this.dispatchEvent(new CustomEvent(`gradscope:${event}`, { detail: data, bubbles: true, composed: true }));
  }

  /** Calls into the module; a panic stops this lab (the module is shared, so all do). */
  guard(fn, fallback) {
    if (this.crashed) return fallback;
    try {
      return fn();
    } catch (e) {
      if (!isPanic(e)) throw e;
      this.crashed = true;
      this.setPlaying(false);
      const message = panicText(e);
      this.note(`gradscope stopped after an internal error: ${message}. Reload the page to start again.`);
      this.fire('error', { type: 'gradscope:error', message, config: null, started: true });
      return fallback;
    }
  }

  fail(e) {
    const message = String(e && e.message ? e.message : e).slice(0, 300);
    console.error(`gradscope-lab could not start: ${message}`);
    const root = this.shadowRoot ?? this.attachShadow({ mode: 'open' });
    root.replaceChildren(el('p', { role: 'alert' }, `gradscope could not start here: ${message}`));
    this.fire('error', { type: 'gradscope:error', message, config: null, started: false });
  }

  note(text) {
    this.noteText.textContent = text;
    this.noteBox.hidden = !text;
  }

  build() {
    const root = this.attachShadow({ mode: 'open' });
    const id = (name) => `${this.uid}-${name}`;
    this.diagnosisBox = el('div', { class: 'diagnosis idle' });
    this.announce = el('p', { class: 'sr-only', role: 'status', 'aria-live': 'polite' });
    this.noteText = el('span');
    const close = el('button', { type: 'button', 'aria-label': 'Dismiss this note' }, '×');
    close.addEventListener('click', () => { this.noteBox.hidden = true; });
    this.noteBox = el('div', { class: 'note', role: 'note', hidden: true }, this.noteText, close);
    this.playButton = el('button', { type: 'button', class: 'play' }, 'Play');
    this.playButton.setAttribute('aria-pressed', 'false');
    const step = el('button', { type: 'button' }, 'Step');
    const reset = el('button', { type: 'button' }, 'Reset');
    this.status = el('span', { class: 'status' }, 'step 0');
    this.openLink = el('a', { class: 'open', target: '_blank', rel: 'noopener' }, 'Open in gradscope ↗');
    this.playButton.addEventListener('click', () => this.guard(() => this.setPlaying(!this.playing)));
    step.addEventListener('click', () => this.guard(() => { this.setPlaying(false); this.app.step(1); this.dirty = true; }));
    reset.addEventListener('click', () => this.guard(() => { this.app.reset(); this.dirty = true; }));
    const bar = el('div', { class: 'bar' }, this.playButton, step, reset, this.status, this.openLink);
    const controls = el('div', { class: 'controls' });
    this.inputs = new Map();
    for (const name of this.options.shown_controls) {
      const f = this.fields.find((x) => x.url === name);
      if (f) controls.append(this.control(f, id(`input-${f.url}`)));
    }
    const views = el('div', { class: 'views' });
    this.canvases = [];
    for (const name of this.options.shown_views) {
      const canvas = el('canvas', { 'aria-label': this.options.titles[name] });
      const box = el('div', { class: `canvas-box ${name}` }, canvas);
      views.append(el('figure', { class: `view ${name === 'heatmap' ? 'wide' : ''}` },
        el('figcaption', {}, this.options.titles[name]), box));
      this.app.attach(name, canvas);
      this.canvases.push(canvas);
      if (name === 'heatmap') this.heatmapKeys(canvas, box);
    }
    root.append(
      el('link', { rel: 'stylesheet', href: PAGE_STYLE }),
      el('link', { rel: 'stylesheet', href: STYLE }),
      el('div', { class: 'lab' },
        el('div', { class: 'lesson' }, el('slot', { name: 'lesson' })),
        this.diagnosisBox, this.announce, this.noteBox, bar,
        controls.childElementCount ? controls : '', views),
    );
    this.resizer = new ResizeObserver(() => this.size());
    this.resizer.observe(views);
  }

  /** One setting's control, from the schema (as on the full page). */
  control(f, inputId) {
    const mark = f.effect === 'restarts' ? el('span', { class: 'restart', title: 'restarts the run' }, ' ↻')
      : f.effect === 'continues' ? el('span', { class: 'continue', title: 'continues the run' }, ' →') : '';
    let input;
    if (f.kind === 'bool') input = el('input', { type: 'checkbox', id: inputId });
    else if (f.kind === 'choice') input = el('select', { id: inputId });
    else if (f.slider) input = el('input', { type: 'range', id: inputId, step: String(f.slider.log ? 0.01 : f.slider.step) });
    else input = el('input', { type: 'number', id: inputId });
    const out = el('output');
    const box = el('div', { class: `control ${f.kind === 'bool' ? 'toggle' : ''}`, title: f.help });
    if (f.kind === 'bool') box.append(el('label', { for: inputId }, input, ` ${f.label}`, mark));
    else box.append(el('label', { for: inputId }, el('span', {}, f.label, mark), out), input);
    const read = () => {
      if (f.kind === 'bool') return input.checked;
      if (f.kind === 'choice') return input.value;
      const v = Number(input.value);
      if (f.slider && f.slider.log) {
        const x = 10 ** v;
        return f.kind === 'int' ? Math.round(x) : Number(x.toPrecision(3));
      }
      return f.kind === 'int' ? Math.round(v) : Number(v.toPrecision(6));
    };
    if (f.slider) input.addEventListener('input', () => { out.textContent = fmt(read()); });
    input.addEventListener('change', () => this.guard(() => {
      const r = f.section === 'view' ? this.setView({ [f.path]: read() }) : this.setConfig(patchAt(f.path.split('.'), read()));
      if (!r.ok) this.note(r.error);
    }));
    if (f.slider) addNudges(input, f);
    this.inputs.set(f.url, { f, input, out, box });
    return box;
  }

  /** The controls follow the config (options, bounds, which apply). */
  sync() {
    const states = JSON.parse(this.app.field_states());
    for (const { f, input, out, box } of this.inputs.values()) {
      const st = states[f.url];
      box.hidden = !st.shown;
      if (f.kind === 'choice') {
        const labels = Object.fromEntries(f.options.map((o) => [o.value, o.label]));
        if (input.dataset.options !== st.options.join()) {
          input.replaceChildren(...st.options.map((o) => new Option(labels[o] ?? o, o)));
          input.dataset.options = st.options.join();
        }
        input.value = st.value;
      } else if (f.kind === 'bool') {
        input.checked = Boolean(st.value);
      } else {
        const pos = (x) => (f.slider && f.slider.log ? Math.log10(x) : x);
        if (f.slider) {
          input.min = String(pos(st.min));
          input.max = String(pos(st.max));
        }
        input.value = String(pos(st.value));
        out.textContent = fmt(st.value);
      }
    }
    const q = this.app.query();
    this.openLink.href = `${FULL_PAGE}${q ? `?${q}` : ''}`;
  }

  setConfig(partial) {
    let patch;
    try {
      patch = JSON.stringify(partial);
    } catch (e) {
      return { ok: false, error: `setConfig: the value cannot be written as JSON (${e.message})` };
    }
    if (typeof partial !== 'object' || partial === null || Array.isArray(partial) || patch === undefined) {
      return { ok: false, error: 'setConfig takes an object, like {network: {depth: 20}}' };
    }
    try {
      const { restarted } = JSON.parse(this.app.set_config(patch));
      this.note('');
      this.afterChange();
      return { ok: true, restarted };
    } catch (e) {
      if (isPanic(e)) throw e;
      this.sync();
      return { ok: false, error: `setConfig: ${e.message ?? e}` };
    }
  }

  setView(partial) {
    try {
      this.app.set_view(JSON.stringify(partial));
    } catch (e) {
      if (isPanic(e)) throw e;
      this.sync();
      return { ok: false, error: String(e.message ?? e) };
    }
    this.afterChange();
    return { ok: true };
  }

  afterChange() {
    this.msPerStep = 0;
    this.sync();
    this.dirty = true;
  }

  setPlaying(on) {
    this.playing = on;
    this.playButton.textContent = on ? 'Pause' : 'Play';
    this.playButton.setAttribute('aria-pressed', String(on));
  }

  makeApi() {
    const g = (fn, fallback) => (...args) => this.guard(() => fn(...args), fallback);
    const stopped = { ok: false, error: 'gradscope stopped after an internal error; reload the page' };
    return {
      config: g(() => JSON.parse(this.app.config()), null),
      setConfig: g((partial) => this.setConfig(partial), stopped),
      step: g((n = 1) => {
        if (!Number.isInteger(n) || n < 1 || n > 100000) return { ok: false, error: 'step takes a whole number of steps from 1 to 100000' };
        const taken = this.app.step(n);
        this.draw();
        return taken;
      }, stopped),
      reset: g(() => { this.app.reset(); this.draw(); }, stopped),
      inspect: g(() => JSON.parse(this.app.inspect()), null),
      diagnosis: g(() => JSON.parse(this.app.diagnosis()), null),
      query: g(() => this.app.query(), null),
      view: g(() => JSON.parse(this.app.view_settings()), null),
      schema: () => JSON.parse(this.engine.schema()),
      play: g(() => this.setPlaying(true)),
      pause: g(() => this.setPlaying(false)),
      setMetric: g((m) => this.setView({ metric: m }), stopped),
    };
  }

  size() {
    const dpr = window.devicePixelRatio || 1;
    for (const c of this.canvases) {
      const w = Math.max(1, Math.round(c.clientWidth * dpr));
      const h = Math.max(1, Math.round(c.clientHeight * dpr));
      if (c.width !== w || c.height !== h) {
        c.width = w;
        c.height = h;
        this.dirty = true;
      }
    }
  }

  draw() {
    try {
      this.app.draw(window.devicePixelRatio || 1);
    } catch (e) {
      if (isPanic(e)) throw e;
      this.note(`Drawing failed: ${e.message ?? e}`);
    }
    const d = JSON.parse(this.app.diagnosis());
    this.diagnosisBox.textContent = d.text;
    this.diagnosisBox.className = `diagnosis ${d.level}`;
    if (d.level !== this.level) {
      this.level = d.level;
      this.announce.textContent = d.text;
    }
    const s = JSON.parse(this.app.inspect());
    this.status.textContent = `step ${s.steps}${typeof s.loss === 'number' ? ` · loss ${fmt(s.loss)}` : ''}`;
    this.dirty = false;
  }

  frame() {
    if (this.stopped) return;
    this.guard(() => {
      if (this.playing) {
        const t0 = performance.now();
        const { speed } = JSON.parse(this.app.view_settings());
        let done = 0;
        while (this.playing && done < speed && (done === 0 || performance.now() - t0 < STEP_BUDGET_MS)) {
          const fit = this.msPerStep > 0 ? Math.floor((STEP_BUDGET_MS - (performance.now() - t0)) / this.msPerStep) : 1;
          const n = Math.max(1, Math.min(speed - done, fit));
          const started = performance.now();
          const taken = this.app.step(n);
          if (taken > 0) {
            const each = (performance.now() - started) / taken;
            this.msPerStep = this.msPerStep > 0 ? 0.7 * this.msPerStep + 0.3 * each : each;
          }
          done += taken;
          if (taken < n) this.setPlaying(false);
        }
        if (done > 0) this.dirty = true;
      }
      if (this.dirty || this.app.needs_redraw()) this.draw();
    });
    requestAnimationFrame(() => this.frame());
  }

  /** The heatmap's cells under the pointer and by keyboard (as on the full page). */
  heatmapKeys(canvas, box) {
    const tip = el('div', { class: 'tooltip', hidden: true });
    const readout = el('p', { class: 'sr-only', role: 'status', 'aria-live': 'polite' });
    box.append(tip, readout);
    const hover = (x, y) => this.guard(() => this.app.hover(x, y), '');
    initHeatmapKeys(canvas, hover, tip, readout);
    canvas.addEventListener('mousemove', (e) => {
      const r = canvas.getBoundingClientRect();
      const dpr = window.devicePixelRatio || 1;
      const x = e.clientX - r.left;
      const y = e.clientY - r.top;
      const t = hover(x * dpr, y * dpr);
      if (!t) {
        tip.hidden = true;
        return;
      }
      tip.textContent = cellText(JSON.parse(t));
      tip.hidden = false;
      tip.style.left = `${Math.max(0, Math.min(x + 12, r.width - tip.offsetWidth - 4))}px`;
      tip.style.top = `${Math.max(0, y - 30)}px`;
    });
    canvas.addEventListener('mouseleave', () => { tip.hidden = true; });
  }
}

if (!customElements.get('gradscope-lab')) customElements.define('gradscope-lab', GradscopeLab);
