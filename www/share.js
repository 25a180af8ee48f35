// The share dialog: a link that reproduces the run and how it is shown (every setting that
// differs from its default, the seed, the lesson, the views and controls named, playing),
// the iframe snippet and the <gradscope-lab> snippet for the same state, each with a copy
// button. Inside an iframe, where there is no address bar, this is the way out.
import { linkQuery, pageOptions } from './embed.js';

const $ = (id) => document.getElementById(id);

/** An attribute value written safely inside double quotes. */
const attr = (s) => String(s).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The page's own address without its query (where index.html is served). */
function pageUrl() {
  return `${location.origin}${location.pathname}`;
}

/**
 * The three ways to share the setup whose run query is `query` (the module's `query()`):
 * `{link, iframe, component}`.
 */
export function shareLinks(query) {
  const options = pageOptions();
  // The link opens the full page; the iframe snippet the compact embed mode.
  const parts = linkQuery(query).split('&').filter((p) => p && !p.startsWith('embed='));
  // (The full page answers no embedding page: `allow_origin` stays with the iframe.)
  const own = parts.filter((p) => !p.startsWith('allow_origin='));
  const link = `${pageUrl()}${own.length ? `?${own.join('&')}` : ''}`;
  const embedded = `${pageUrl()}?${[...parts, 'embed=1'].join('&')}`;
  const iframe = `<iframe src="${attr(embedded)}" title="gradscope lesson" width="100%" height="640" loading="lazy"></iframe>`;
  const base = new URL('.', new URL(location.pathname, location.origin)).href;
  const attrs = [
    query ? ` query="${attr(query)}"` : '',
    options.views.length ? ` views="${attr(options.views.join(','))}"` : '',
    options.controls ? ` controls="${attr(options.controls.join(','))}"` : '',
  ].join('');
  const component = `<script type="module" src="${attr(`${base}www/gradscope-lab.js`)}"></script>\n<gradscope-lab${attrs}></gradscope-lab>`;
  return { link, iframe, component };
}

/** Wires the Share button and dialog; `query()` gives the run's current query. */
export function initShare({ query }) {
  const dialog = $('share-dialog');
  $('share-open').addEventListener('click', () => {
    const links = shareLinks(query());
    $('share-link').value = links.link;
    $('share-iframe').value = links.iframe;
    $('share-component').value = links.component;
    $('share-status').textContent = '';
    dialog.showModal();
  });
  $('share-close').addEventListener('click', () => dialog.close());
  for (const button of dialog.querySelectorAll('[data-copy]')) {
    button.addEventListener('click', async () => {
      const field = $(button.dataset.copy);
      const what = button.textContent.replace(/^Copy /, '');
      try {
        await navigator.clipboard.writeText(field.value);
        $('share-status').textContent = `Copied the ${what}.`;
      } catch {
        // No clipboard permission (an iframe without allow="clipboard-write"): select the
        // text so that Ctrl+C / Cmd+C copies it.
        field.focus();
        field.select();
        $('share-status').textContent = `Selected the ${what}: press Ctrl+C (Cmd+C on a Mac) to copy it.`;
      }
    });
  }
}
