// Measured advice under the diagnosis banner. The wasm App decides everything (which
// changes to try, how long, whether one helped, every sentence shown); this module only spends a
// few milliseconds of each frame on `app.advisor_step(steps)` and shows the result: a
// progress line while the counterfactual runs train, then one button per change that
// measurably helped. A click hands the change's config patch to `apply`.

/** Milliseconds of a frame the advice may take. */
const BUDGET_MS = 4;

/**
 * Sets up the advice box after `anchor` (the diagnosis banner). `getApp()` returns the
 * current App; `apply(patch, label)` applies one change. Returns `{frame, state}`: call
 * `frame()` once per animation frame; `state()` is the last advice JSON.
 */
export function createAdvice({ anchor, getApp, apply }) {
  const box = document.createElement('section');
  box.id = 'advice';
  box.className = 'advice';
  box.setAttribute('aria-label', 'Measured advice');
  box.hidden = true;
  anchor.after(box);
  // What a screen reader hears: one sentence when the status changes (never the progress).
  const said = document.createElement('p');
  said.className = 'sr-only';
  said.setAttribute('role', 'status');
  said.setAttribute('aria-live', 'polite');
  box.after(said);
  let status = '';

  let msPerStep = 0;
  let last = { status: 'none' };
  let shown = '';

  function render(r) {
    // Redraw only when what is shown changes (progress in whole percent).
    const key = JSON.stringify([r.status, r.trouble, Math.floor((r.progress || 0) * 100), r.offers]);
    if (key === shown) return;
    shown = key;
    box.replaceChildren();
    box.hidden = r.status === 'none';
    const now = `${r.status} ${r.trouble ?? ''}`;
    if (now !== status) {
      status = now;
      said.textContent = r.status === 'running' ? 'Asking the network which fixes help…'
        : r.status === 'none' ? '' : `${r.offers.length} measured fix${r.offers.length === 1 ? '' : 'es'} found.`;
    }
    if (box.hidden) return;
    const head = document.createElement('p');
    head.className = 'advice-head';
    head.textContent = r.summary;
    if (r.status === 'running') {
      const bar = document.createElement('progress');
      bar.max = 1;
      bar.value = r.progress;
      bar.setAttribute('aria-label', 'advice progress');
      box.append(head, bar);
      return;
    }
    if (!r.offers.length) {
      box.append(head);
      return;
    }
    const list = document.createElement('ul');
    list.className = 'advice-offers';
    for (const o of r.offers) {
      const item = document.createElement('li');
      const text = document.createElement('span');
      text.className = 'advice-text';
      text.textContent = o.text;
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'advice-apply';
      button.textContent = 'Apply';
      button.setAttribute('aria-label', `Apply ${o.label}`);
      button.addEventListener('click', () => apply(o.patch, o.label));
      item.append(text, button);
      list.append(item);
    }
    if (document.documentElement.classList.contains('embed')) {
      // Embedded, the frame is small: the offers fold away under one line.
      const fold = document.createElement('details');
      const summary = document.createElement('summary');
      summary.textContent = `${r.offers.length} measured fix${r.offers.length === 1 ? '' : 'es'}: open to see and apply`;
      fold.append(summary, head, list);
      box.append(fold);
      return;
    }
    box.append(head, list);
  }

  function frame() {
    const app = getApp();
    const steps = msPerStep > 0 ? Math.min(5000, Math.max(1, Math.floor(BUDGET_MS / msPerStep))) : 1;
    const t0 = performance.now();
    last = JSON.parse(app.advisor_step(steps));
    if (last.used > 0) {
      const each = (performance.now() - t0) / last.used;
      msPerStep = msPerStep > 0 ? 0.7 * msPerStep + 0.3 * each : each;
    }
    render(last);
  }

  return { frame, state: () => last };
}
