// Phones and screen readers: the diagnosis announced when its state changes (not every
// frame), the heatmap's values by keyboard, and on a phone a bar at the bottom with Play,
// Step, Reset and a Settings drawer, touch-sized controls and −/+ buttons beside sliders.

const $ = (id) => document.getElementById(id);

let announced = null;

/**
 * Announces the diagnosis `{level, text}` in the polite live region when its level
 * changes. The visible box is rewritten every frame (its numbers move); a screen reader
 * hears only a new state: "Vanishing: ...", then "Learning: ..." after a fix.
 */
export function announceDiagnosis(d) {
  if (!d || d.level === announced) return;
  announced = d.level;
  $('diagnosis-announce').textContent = d.text;
}

/** The words for one heatmap cell (the tooltip's and the keyboard's). */
export function cellText(h) {
  if (h.text) return h.text;
  const v = typeof h.value === 'number' ? h.value.toExponential(2) : h.value;
  return `layer ${h.layer} · step ${h.step} · ${h.measure} = ${v}`;
}

/**
 * The heatmap by keyboard: focus it (Tab), then the arrow keys move between cells (left
 * and right: steps; up and down: layers), Home and End jump to the first and latest step.
 * Each cell's value is shown in the tooltip and read out. `hover(x, y)` is the module's
 * hit test in canvas pixels ("" off the cells).
 */
export function initHeatmapKeys(canvas, hover, tip, readout) {
  canvas.tabIndex = 0;
  if (document.getElementById('heatmap-help')) canvas.setAttribute('aria-describedby', 'heatmap-help');
  let at = null; // {x, y} in CSS pixels, on a cell
  const hit = (x, y) => {
    const dpr = window.devicePixelRatio || 1;
    const text = hover(x * dpr, y * dpr);
    return text ? JSON.parse(text) : null;
  };
  const show = (cell) => {
    const text = cellText(cell);
    tip.textContent = text;
    tip.hidden = false;
    const w = canvas.clientWidth;
    tip.style.left = `${Math.max(0, Math.min(at.x + 12, w - tip.offsetWidth - 4))}px`;
    tip.style.top = `${Math.max(0, at.y - 30)}px`;
    readout.textContent = text;
  };
  /** From `at`, the first point in direction (dx, dy) on another cell; null at the edge. */
  const next = (dx, dy, far = false) => {
    const here = hit(at.x, at.y);
    let found = null;
    for (let i = 1; i < 4000; i += 1) {
      const x = at.x + dx * i;
      const y = at.y + dy * i;
      if (x < 0 || y < 0 || x > canvas.clientWidth || y > canvas.clientHeight) break;
      const c = hit(x, y);
      if (!c) {
        if (found) break;
        continue;
      }
      if (here && c.layer === here.layer && c.step === here.step) continue;
      found = { x, y, c };
      if (!far) break;
      // Far: keep going to the last cell in that direction (centre of the cell later).
    }
    return found;
  };
  const start = () => {
    // The latest step of the first layer: the bottom-right cell.
    for (let x = canvas.clientWidth - 1; x > 0; x -= 1) {
      for (let y = canvas.clientHeight - 1; y > 0; y -= 4) {
        if (hit(x, y)) {
          at = { x, y };
          return true;
        }
      }
    }
    return false;
  };
  canvas.addEventListener('keydown', (e) => {
    const moves = {
      ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1], Home: [-1, 0, true], End: [1, 0, true],
    };
    const move = moves[e.key];
    if (!move) return;
    e.preventDefault();
    if (!at || !hit(at.x, at.y)) {
      if (!start()) {
        readout.textContent = 'No steps yet: press Step or Play first.';
        return;
      }
    } else {
      const n = next(move[0], move[1], move[2]);
      if (n) at = { x: n.x, y: n.y };
    }
    const cell = hit(at.x, at.y);
    if (cell) show(cell);
  });
  canvas.addEventListener('blur', () => { tip.hidden = true; });
}

/**
 * Phones: the Settings button opens the controls as a drawer over the views (the bar with
 * Play, Step and Reset stays at the bottom of the screen); sliders get −/+ buttons that
 * move them by one fine step (a tenth of a decade on a log slider).
 */
export function initPhone(fields = []) {
  const open = $('settings-open');
  const root = document.documentElement;
  const set = (on) => {
    root.classList.toggle('settings-open', on);
    open.setAttribute('aria-expanded', String(on));
    open.textContent = on ? 'Close settings' : 'Settings';
  };
  open.addEventListener('click', () => set(!root.classList.contains('settings-open')));
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && root.classList.contains('settings-open')) {
      set(false);
      open.focus();
    }
  });
  for (const f of fields) {
    const input = document.getElementById(`input-${f.url}`);
    if (input && input.type === 'range') addNudges(input, f);
  }
  // A phone's bar is one row: there "New seed" moves to the top of the settings drawer.
  const seed = $('seed');
  const next = seed.nextElementSibling;
  const narrow = matchMedia('(max-width: 480px)');
  const place = () => {
    if (narrow.matches) $('control-list').before(seed);
    else next.before(seed);
  };
  narrow.addEventListener('change', place);
  place();
}

/**
 * Puts − and + buttons beside the slider `input` of field `f` (from the schema): one step,
 * or a tenth of a decade on a log slider; each click is a change like a drag's end.
 */
export function addNudges(input, f) {
  const row = document.createElement('div');
  row.className = 'slider-row';
  input.replaceWith(row);
  const clicks = f.slider && f.slider.log ? 10 : 1;
  const button = (sign, text, word) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'nudge';
    b.textContent = text;
    b.setAttribute('aria-label', `${word} ${f.label}`);
    b.addEventListener('click', () => {
      const before = input.value;
      if (sign > 0) input.stepUp(clicks); else input.stepDown(clicks);
      if (input.value === before) return;
      input.dispatchEvent(new Event('input', { bubbles: true }));
      input.dispatchEvent(new Event('change', { bubbles: true }));
    });
    return b;
  };
  row.append(button(-1, '−', 'Decrease'), input, button(1, '+', 'Increase'));
}
