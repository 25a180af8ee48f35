// gradscope page: what happens when the wasm module panics. A panic leaves the module's
// state unusable (every later call throws "recursive use of an object detected"), so the
// page stops calling it, shows what happened and the settings that led there, tells an
// embedding page, and offers a fresh run on a fresh instance of the module.

/** Where the module's panic hook (src/web.rs) leaves the panic message. */
const PANIC_GLOBAL = '__gradscopePanic';
let instances = 0;

/**
 * Loads and instantiates the wasm module. The first load is the page's own module; each
 * later one imports the glue under another URL, which gives a new module instance with
 * new memory (the crashed one is dropped).
 */
export async function loadEngine() {
  delete globalThis[PANIC_GLOBAL];
  instances += 1;
  const url = instances === 1 ? './pkg/gradscope.js' : `./pkg/gradscope.js?instance=${instances}`;
  const engine = await import(url);
  const exports = await engine.default();
  return { ...engine, memory: exports.memory };
}

/** Whether `e`, thrown by a call into the module, means that the module panicked or trapped. */
export function isPanic(e) {
  return e instanceof WebAssembly.RuntimeError
    || globalThis[PANIC_GLOBAL] !== undefined
    || /recursive use of an object|unreachable/.test(String(e && e.message));
}

/** The panic's own message when the hook left one, else the error's. */
export function panicText(e) {
  const text = globalThis[PANIC_GLOBAL] || (e && e.message) || String(e);
  return String(text).slice(0, 600);
}

/**
 * Shows the crash banner: what happened, the settings (a link that reproduces them and the
 * config as JSON) and a button that starts a fresh run. Tells the page (a `gradscope:error`
 * event) and an embedding page (a `postMessage`).
 */
export function showCrash({ text, configJson, query, onRestart, startFailed = false }) {
  const $ = (id) => document.getElementById(id);
  if (startFailed) {
    $('crash-heading').textContent = 'gradscope could not start in this page';
    $('crash-why').textContent = ' (the browser refused or could not load its engine)';
    $('crash-restart').textContent = 'Try again';
  }
  $('crash-text').textContent = text;
  $('crash-link').href = `?${query || ''}`;
  $('crash-config').textContent = configJson || '(the default settings)';
  $('crash').hidden = false;
  const button = $('crash-restart');
  button.onclick = () => {
    button.disabled = true;
    onRestart().finally(() => { button.disabled = false; });
  };
  const detail = {
    type: 'gradscope:error', message: text, config: configJson ? JSON.parse(configJson) : null, started: !startFailed,
  };
  window.dispatchEvent(new CustomEvent('gradscope:error', { detail }));
  if (window.parent !== window) {
    try {
      window.parent.postMessage(detail, '*');
    } catch {
      // A parent that cannot be reached has nothing to be told.
    }
  }
  button.focus();
}

export function hideCrash() {
  document.getElementById('crash').hidden = true;
}
