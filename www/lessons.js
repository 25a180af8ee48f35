// The lesson menu: a select of every lesson (from the wasm module's `lessons()`), and the
// chosen lesson's text (title, what to watch, its claim, what to try next) with its views
// marked. Choosing a lesson asks app.js to set it up (`apply`); the lesson data, its
// settings and its claim live in src/lessons.rs only.

const $ = (id) => document.getElementById(id);

/**
 * Builds the menu. `lessons`: the module's lesson list; `current`: the name the page was
 * set up by ('' for none); `apply(name)`: sets the lesson up, returns {ok, error}.
 * `left()`: whether the run has left the lesson's settings (its numbers then no longer
 * describe the run). Returns `show(name)`, which shows a lesson's text ('' hides it).
 */
export function initLessons(lessons, current, apply, left = () => false) {
  const select = $('lesson-select');
  const none = new Option('Choose a lesson…', '');
  select.replaceChildren(none, ...lessons.map((l) => new Option(l.title, l.name)));
  const byName = Object.fromEntries(lessons.map((l) => [l.name, l]));

  function show(name) {
    const lesson = byName[name];
    select.value = lesson ? name : '';
    $('lesson-text').hidden = !lesson;
    for (const el of document.querySelectorAll('.view.lesson-focus')) el.classList.remove('lesson-focus');
    if (!lesson) return;
    $('lesson-left').hidden = !left();
    $('lesson-title').textContent = lesson.title;
    $('lesson-watch').textContent = lesson.watch;
    $('lesson-claim').textContent = lesson.claim;
    $('lesson-next').textContent = lesson.try_next;
    $('lesson-source').textContent = lesson.source ? `Source: ${lesson.source}.` : '';
    $('lesson-views').textContent = `Watch: ${lesson.views.map((v) => viewTitle(v)).join(', ')}.`;
    for (const v of lesson.views) {
      const canvas = $(`view-${v}`);
      const article = canvas && canvas.closest('.view');
      if (article) article.classList.add('lesson-focus');
    }
  }

  select.addEventListener('change', () => {
    if (!select.value) {
      show('');
      return;
    }
    const result = apply(select.value);
    if (result && result.ok) show(select.value);
  });
  $('lesson-restore').addEventListener('click', () => {
    const result = apply(select.value);
    if (result && result.ok) show(select.value);
  });
  show(current);
  return show;
}

/** A view's heading on the page, for "Watch: ...". */
function viewTitle(name) {
  const canvas = $(`view-${name}`);
  const heading = canvas && canvas.closest('.view') && canvas.closest('.view').querySelector('h2');
  return heading ? heading.textContent.toLowerCase() : name;
}
