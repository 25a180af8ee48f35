// The example course page's own script: it puts lesson 1 in an iframe from gradscope's
// site (`?gradscope=ORIGIN/PATH/`, by default this repository's index.html) in embed mode,
// and drives it with postMessage; lessons 2 and 3 are <gradscope-lab> elements, driven
// through their `gradscope` property. Every text it shows is set with textContent.
const $ = (id) => document.getElementById(id);
const here = new URL(location.href);
const gradscope = new URL(here.searchParams.get('gradscope') ?? '../../', here);

// ---- the web component, from gradscope's site (its server sends
// Access-Control-Allow-Origin; this page's policy allows that origin's scripts) ----
const component = document.createElement('script');
component.type = 'module';
component.src = new URL('www/gradscope-lab.js', gradscope).href;
document.head.appendChild(component);

// ---- lesson 1: an iframe on gradscope's origin, driven by messages ----
const lesson = new URLSearchParams({
  embed: '1', lesson: 'vanishing-sigmoid', views: 'heatmap,loss', controls: 'activation,init,bn',
  allow_origin: location.origin,
});
const frame = document.createElement('iframe');
frame.src = `${gradscope.href}?${lesson.toString().replace(/%2C/g, ',')}`;
frame.title = 'gradscope: the gradient vanishes';
$('frame-slot').appendChild(frame);

/** Messages the frame sent (the end-to-end test reads them). */
window.received = [];
const pending = new Map();
let nextId = 1;
window.addEventListener('message', (e) => {
  if (e.source !== frame.contentWindow || e.origin !== gradscope.origin) return;
  const m = e.data;
  window.received.push(m);
  if (m.type === 'gradscope:reply' && pending.has(m.id)) {
    pending.get(m.id)(m);
    pending.delete(m.id);
  } else if (m.type === 'gradscope:event') {
    if (m.event === 'ready') $('log-1').textContent = 'The lab is ready: press Play in it.';
    if (m.event === 'diagnosis') $('log-1').textContent = `The lab now says: ${m.data.text}`;
    if (m.event === 'diverged') $('log-1').textContent = `The run diverged at step ${m.data.step}.`;
  }
});

/** Calls a window.gradscope method in the frame; resolves to the reply. */
function call(method, ...args) {
  const id = String(nextId);
  nextId += 1;
  return new Promise((resolve) => {
    pending.set(id, resolve);
    frame.contentWindow.postMessage({ type: 'gradscope:call', id, method, args }, gradscope.origin);
  });
}
window.callLesson1 = call;

$('fix-1').addEventListener('click', async () => {
  const r = await call('setConfig', { network: { batch_norm: true } });
  if (!r.ok) $('log-1').textContent = `Not applied: ${r.error}`;
  await call('play');
});
$('undo-1').addEventListener('click', () => call('setConfig', { network: { batch_norm: false } }));

// ---- lessons 2 and 3: web components, driven through element.gradscope ----
function watchLab(lab, log) {
  lab.addEventListener('gradscope:ready', () => { $(log).textContent = 'The lab is ready.'; });
  lab.addEventListener('gradscope:diagnosis', (e) => { $(log).textContent = `The lab now says: ${e.detail.text}`; });
  lab.addEventListener('gradscope:diverged', (e) => { $(log).textContent = `The run diverged at step ${e.detail.step}.`; });
}
watchLab($('lab-2'), 'log-2');
watchLab($('lab-3'), 'log-3');
$('fix-2').addEventListener('click', () => {
  $('lab-2').gradscope?.setConfig({ clip: { kind: 'norm', threshold: 1 } });
  $('lab-2').gradscope?.play();
});
let firstRate = null;
$('run-3').addEventListener('click', () => {
  const lab = $('lab-3').gradscope;
  if (!lab) return;
  const rate = () => lab.inspect().layers[0].eff_lr_mean;
  if (lab.inspect().steps === 0) {
    lab.step(1);
    firstRate = rate();
  }
  lab.step(100);
  const then = firstRate === null ? '' : ` (after the first step: ${firstRate.toExponential(2)})`;
  $('result-3').textContent = `After ${lab.inspect().steps} steps, layer 1's mean effective learning rate is ${rate().toExponential(2)}${then}.`;
});
