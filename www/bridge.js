// gradscope's message API: an embedding page drives a gradscope frame with postMessage
// and hears its events. The protocol (docs/embedding.md):
//
//   course page -> frame  {type: 'gradscope:call', id, method, args: [...]}
//   frame -> course page  {type: 'gradscope:reply', id, ok: true, result}
//                         {type: 'gradscope:reply', id, ok: false, error}
//   frame -> course page  {type: 'gradscope:event', event, data}
//
// Every window.gradscope method can be called. Only the frame's parent window is
// answered; with `allow_origin=` in the frame's link, only that origin; with an
// `allow_origin=` that is not an origin, no one (it fails closed, and sends no event). Events go to the
// origin that sent the first call (or to `allow_origin` from the start); `ready` alone is
// announced to any parent, since it says nothing but that the frame can be called.
//
// `watch` turns any API object (the page's window.gradscope, one <gradscope-lab>) into
// events; the web component uses it too.

/** Milliseconds between two step summaries, at most 4 a second. */
export const STEP_EVENT_MS = 250;
const ID_MAX = 200;
/** Milliseconds between two looks at the run (diagnosis and divergence are sent at once). */
const POLL_MS = 100;

/**
 * Calls `emit(event, data)` when the run behind `api` changes: `step` (a summary, at most
 * every STEP_EVENT_MS while steps are taken), `diagnosis` (its level changed), `diverged`,
 * `config` (the setup's link changed). Returns a function that stops watching.
 */
export function watch(api, emit) {
  let steps = null;
  let level = null;
  let diverged = false;
  let query = null;
  let lastStep = -Infinity;
  const poll = () => {
    const s = api.inspect();
    if (!s) return; // stopped after an internal error
    // A summary only when the steps changed and STEP_EVENT_MS have passed since the last
    // one (timed here, not by the timer: timers late behind long frames fire in bursts).
    const now = performance.now();
    if (s.steps !== steps && now - lastStep >= STEP_EVENT_MS) {
      steps = s.steps;
      lastStep = now;
      // The same fields every time: null for what no step has given yet.
      emit('step', {
        step: s.step ?? null,
        steps: s.steps ?? 0,
        loss: s.loss ?? null,
        grad_norm: s.grad_norm ?? null,
        diverged: s.diverged ?? false,
      });
    }
    if (s.diverged && !diverged) emit('diverged', { step: s.diverged_at });
    diverged = s.diverged;
    const d = api.diagnosis();
    if (d && d.level !== level) {
      if (level !== null) emit('diagnosis', d);
      level = d.level;
    }
    const q = api.query();
    if (q !== query) {
      if (query !== null) emit('config', { config: api.config(), query: q });
      query = q;
    }
  };
  poll();
  const timer = setInterval(poll, POLL_MS);
  return () => clearInterval(timer);
}

/**
 * Calls `api[method](...args)` for a message; returns the reply (without `type`/`id`).
 * An API answer `{ok: false, error}` becomes a failed reply.
 */
export function callApi(api, method, args) {
  if (typeof method !== 'string' || !Object.hasOwn(api, method) || typeof api[method] !== 'function') {
    return { ok: false, error: `no method ${JSON.stringify(String(method).slice(0, 40))}; methods: ${Object.keys(api).join(', ')}` };
  }
  if (args !== undefined && !Array.isArray(args)) return { ok: false, error: 'args must be an array' };
  try {
    const result = api[method](...(args ?? []));
    if (result && typeof result === 'object' && result.ok === false && typeof result.error === 'string') {
      return { ok: false, error: result.error };
    }
    // Only plain data crosses: what JSON can say.
    return { ok: true, result: result === undefined ? null : JSON.parse(JSON.stringify(result)) };
  } catch (e) {
    return { ok: false, error: String(e && e.message ? e.message : e).slice(0, 500) };
  }
}

/**
 * Answers the parent window's calls on `api` and sends it events. `allowOrigin` (a string
 * or null) restricts both to one origin; `answerNone` (an `allow_origin` that is not an
 * origin) answers no one and sends nothing; `log(text)` tells the page's author about a
 * refused message (once per origin) and a failed call. `quietly(fn)` runs a call from a
 * message: its errors go to the reply and the console, not the student's view.
 */
export function startBridge(api, {
  allowOrigin = null, answerNone = false, log = () => {}, quietly = (fn) => fn(),
} = {}) {
  const parent = window.parent;
  if (parent === window) return () => {};
  if (answerNone) {
    let told = false;
    const refuse = (e) => {
      if (told || !e.data || e.data.type !== 'gradscope:call') return;
      told = true;
      log(`gradscope: a call from ${e.origin} was refused; this frame's allow_origin is not an origin, so it answers no page`);
    };
    window.addEventListener('message', refuse);
    return () => window.removeEventListener('message', refuse);
  }
  let eventOrigin = allowOrigin;
  const refused = new Set();
  const post = (message, origin) => {
    try {
      parent.postMessage(message, origin);
    } catch {
      // A parent that cannot be reached has nothing to be told.
    }
  };
  const emit = (event, data) => {
    if (eventOrigin) post({ type: 'gradscope:event', event, data }, eventOrigin);
  };
  const onMessage = (e) => {
    const m = e.data;
    if (!m || typeof m !== 'object' || m.type !== 'gradscope:call') return;
    if (e.source !== parent) return;
    if (allowOrigin && e.origin !== allowOrigin) {
      if (!refused.has(e.origin)) {
        refused.add(e.origin);
        log(`gradscope: a call from ${e.origin} was refused; this frame answers only ${allowOrigin} (allow_origin)`);
      }
      return;
    }
    const id = typeof m.id === 'string' || typeof m.id === 'number' ? String(m.id).slice(0, ID_MAX) : null;
    if (!eventOrigin) eventOrigin = e.origin === 'null' ? '*' : e.origin;
    const reply = quietly(() => callApi(api, m.method, m.args));
    if (!reply.ok) log(`gradscope: ${String(m.method).slice(0, 40)} from ${e.origin} failed: ${reply.error}`);
    post({ type: 'gradscope:reply', id, ...reply }, e.origin === 'null' ? '*' : e.origin);
  };
  window.addEventListener('message', onMessage);
  const onError = (e) => emit('error', e.detail);
  window.addEventListener('gradscope:error', onError);
  post({ type: 'gradscope:event', event: 'ready', data: { methods: Object.keys(api) } }, allowOrigin ?? '*');
  const stop = watch(api, emit);
  return () => {
    stop();
    window.removeEventListener('message', onMessage);
    window.removeEventListener('gradscope:error', onError);
  };
}
