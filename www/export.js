// The export dialog: a PNG of any view shown, the run's history as CSV and JSON (the
// summary trace's encoding), the full trace of a short run, and the "continue in
// PyTorch" script. The files and their names come from the wasm module (src/export.rs,
// src/pytorch.rs); this module hands them to the browser as downloads.

const $ = (id) => document.getElementById(id);

/** Steps a PyTorch script reproduces when the run has taken none yet (the CLI's default). */
const PYTORCH_DEFAULT_STEPS = 100;

/** Offers `blob` as a download named `name`. */
export function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/**
 * The file an export button makes: `{name, blob}` or `{error}`. `kind` is "csv", "json",
 * "trace", "pytorch", or "png:VIEW".
 */
export async function makeExport(app, kind) {
  try {
    if (kind.startsWith('png:')) {
      const name = kind.slice(4);
      const canvas = document.getElementById(`view-${name}`);
      const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/png'));
      if (!blob) return { error: `the ${name} view has nothing drawn yet` };
      return { name: app.file_name(name, 'png'), blob };
    }
    if (kind === 'csv') return { name: app.file_name('history', 'csv'), blob: text(app.history_csv(), 'text/csv') };
    if (kind === 'json') return { name: app.file_name('history', 'json'), blob: text(app.history_json(), 'application/json') };
    if (kind === 'trace') return { name: app.file_name('trace', 'json'), blob: text(app.full_trace(), 'application/json') };
    if (kind === 'pytorch') {
      const steps = app.steps() || PYTORCH_DEFAULT_STEPS;
      return { name: app.file_name('pytorch', 'py'), blob: text(app.pytorch_script(steps), 'text/x-python') };
    }
    return { error: `no export ${kind}` };
  } catch (e) {
    return { error: String(e && e.message ? e.message : e) };
  }
}

const text = (s, type) => new Blob([s], { type: `${type};charset=utf-8` });

/**
 * Wires the Export button and dialog. `app()` gives the current App handle (a fresh one
 * after a crash), `views` the views shown, `guard` the page's panic guard.
 */
export function initExport({ app, views, guard }) {
  const dialog = $('export-dialog');
  const status = $('export-status');
  const run = (kind) => async () => {
    status.textContent = 'Preparing…';
    const made = await guard(() => makeExport(app(), kind), { error: 'gradscope stopped after an internal error' });
    if (made.error) {
      status.textContent = `Not exported: ${made.error}`;
      return;
    }
    download(made.blob, made.name);
    status.textContent = `Saved ${made.name}`;
  };
  const list = $('export-views');
  for (const name of views) {
    const button = document.createElement('button');
    button.type = 'button';
    button.dataset.view = name;
    button.textContent = `PNG: ${document.getElementById(`view-${name}`).closest('.view').querySelector('h2').textContent}`;
    button.addEventListener('click', run(`png:${name}`));
    list.appendChild(button);
  }
  for (const kind of ['csv', 'json', 'trace', 'pytorch']) $(`export-${kind}`).addEventListener('click', run(kind));
  $('export-open').addEventListener('click', () => {
    status.textContent = '';
    dialog.showModal();
  });
  $('export-close').addEventListener('click', () => dialog.close());
}
