// The page options of a link (src/view/embed.rs reads and checks them): embed mode
// (`embed=1`, a compact layout for an iframe), the views and controls shown (`views=`,
// `controls=`) and `allow_origin=` for the message API. (`lesson=` sets up the run: the
// run's own query carries it.) This module applies them to the full page's DOM; it decides nothing the
// wasm module has not said.

const $ = (id) => document.getElementById(id);

/** The options as read from this page's link (set by `readOptions`). */
let options = {
  embed: false, views: [], controls: null, allow_origin: null, answer_none: false, messages: [], query: '',
};

/** Reads the page options of `query` through the wasm module (names checked there). */
export function readOptions(engine, query) {
  options = JSON.parse(engine.page_options(query));
  return options;
}

export const pageOptions = () => options;

/** The views to draw, of `all` (the module's view names). */
export const shownViews = (all) => all.filter((name) => options.shown_views.includes(name));

/**
 * Applies the options to the full page: embed layout, the named views and controls in the
 * order named, the lesson slot and the "open in gradscope" link.
 */
export function applyOptions(allViews) {
  const embed = options.embed;
  document.documentElement.classList.toggle('embed', embed);
  const views = document.querySelector('.views');
  for (const name of allViews) {
    $(`view-${name}`).closest('.view').classList.toggle('off', !options.shown_views.includes(name));
  }
  for (const name of options.shown_views) views.appendChild($(`view-${name}`).closest('.view'));
  const shown = options.shown_controls;
  for (const box of document.querySelectorAll('.controls .control, #control-metric')) {
    box.classList.toggle('off', !shown.includes(box.id.replace(/^control-/, '')));
  }
  if (embed) {
    // The named controls in one list, in the order named; nothing folded away.
    const list = $('control-list');
    for (const name of shown) {
      const box = $(`control-${name}`);
      if (box && box.closest('.controls')) list.appendChild(box);
    }
    document.querySelector('details.more').classList.add('off');
    document.querySelector('.controls').classList.toggle('off',
      !shown.some((n) => $(`control-${n}`)?.closest('.controls')));
    $('open-full').hidden = false;
    // The bar out of the header, so that it can stick to the top of the whole frame.
    // (A landmark of its own there, as everything outside the header and main must be.)
    const bar = document.querySelector('.playbar');
    bar.setAttribute('role', 'region');
    bar.setAttribute('aria-label', 'Play, step and share');
    document.querySelector('main').before(bar);
  }
  showLessonSlot();
}

/** Shows the lesson slot when a lesson module has put text in it. */
export function showLessonSlot() {
  // The full page always offers the lesson menu; an embedded one shows only a lesson's text.
  const text = $('lesson-text');
  $('lesson').hidden = options.embed && !(text && !text.hidden && text.textContent.trim());
}

/** `query` (the run's link) with the page options appended. */
export function linkQuery(query) {
  return [query, options.query].filter(Boolean).join('&');
}

/** Keeps the "open in gradscope" link on the current setup (the full page; the run's
 * query names the lesson). */
export function updateOpenLink(query) {
  $('open-full').href = `${location.pathname}${query ? `?${query}` : ''}`;
}

/**
 * Reports messages about the link to the page's author: in embed mode on the console and
 * in a small note a student can dismiss (returns true); on the full page the caller shows
 * them (returns false). Always on the console.
 */
export function reportToAuthor(messages) {
  for (const m of messages) console.warn(`gradscope: ${m}`);
  if (!options.embed) return false;
  const n = messages.length - 1;
  const more = n > 0 ? ` (and ${n} more problem${n === 1 ? '' : 's'}; see the browser console)` : '; see the browser console';
  showNote(messages.length ? `${short(messages[0])}${more}.` : '');
  return true;
}

/** At most NOTE_MAX characters of `text`, cut at a word. */
const NOTE_MAX = 110;
function short(text) {
  if (text.length <= NOTE_MAX) return text;
  return `${text.slice(0, text.lastIndexOf(' ', NOTE_MAX))} …`;
}

/** Embed mode: `text` in the small note (empty hides it); returns false on the full page. */
export function showNote(text) {
  if (!options.embed) return false;
  $('note-text').textContent = text;
  $('note').hidden = !text;
  return true;
}

/** Wires the note's dismiss button. */
export function initNote() {
  $('note-close').addEventListener('click', () => { $('note').hidden = true; });
}
