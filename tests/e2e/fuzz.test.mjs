// Generated links and setConfig calls, tried in Chromium as a hostile or careless user
// would: extreme numbers, wrong words, markup, prototype keys, repeated and unknown
// parameters. Seeded (GRADSCOPE_FUZZ_SEED); a failure names the input that caused it.
// Every input must leave no dialog, no page error, no injected element and no polluted
// prototype; each parameter is applied as written or gets a visible message that names
// it; and the page still trains afterwards.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch } from './helpers.mjs';

const SEED = Number(process.env.GRADSCOPE_FUZZ_SEED ?? 20261202);
const URLS = Number(process.env.GRADSCOPE_FUZZ_URLS ?? 300);
const CALLS = Number(process.env.GRADSCOPE_FUZZ_CALLS ?? 200);

let server;
let browser;
let page;
const dialogs = [];
const pageErrors = [];

before(async () => {
  server = await startServer();
  browser = await launch();
  page = await browser.context.newPage();
  page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
  page.on('pageerror', (e) => pageErrors.push(String(e)));
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** mulberry32: a small seeded generator. */
function generator(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    below: (n) => Math.floor(next() * n),
    pick: (xs) => xs[Math.floor(next() * xs.length)],
    chance: (p) => next() < p,
  };
}

const HOSTILE = ['<img src=x onerror=alert(1)>', '"><script>alert(1)</script>', 'javascript:alert(1)',
  '__proto__', 'constructor', 'NaN', 'Infinity', '-Infinity', '1e400', '-0', '1e-400', '0x10', '',
  ' ', 'true', 'null', '%00', '\u202e', '🙂', 'x'.repeat(3000), '1,5', '2.5e', '+3', '0.0000001'];
const NUMBERS = ['0', '1', '2', '3', '7', '8', '16', '20', '30', '64', '65', '256', '257', '0.5', '0.1',
  '0.01', '1e-8', '1e-3', '100', '1000', '20000', '-1', '1e9', '1e300', '5e-324'];

async function schemaFields() {
  return page.evaluate(async () => JSON.parse((await import('/www/pkg/gradscope.js')).schema()));
}

function valueFor(g, field) {
  if (g.chance(0.2)) return g.pick(HOSTILE);
  if (field.kind === 'choice' && field.options) return g.chance(0.8) ? g.pick(field.options).value : 'swish';
  if (field.kind === 'bool') return g.pick(['true', 'false', '1', '0', 'on', 'off', 'yes', 'no', '2', '-0', 'maybe']);
  return g.pick(NUMBERS);
}

/** Whether the config holds `written` at `path` as a person would read the link. */
function appliedAsWritten(config, field, written) {
  const path = field.section === 'view' ? ['view', field.path] : field.path.split('.');
  const got = path.reduce((o, k) => (o == null ? undefined : o[k]), config);
  if (field.kind === 'bool') {
    if (['true', '1', 'on', 'yes'].includes(written)) return got === true;
    if (['false', '0', 'off', 'no'].includes(written)) return got === false;
    return false;
  }
  if (field.kind === 'choice') return got === written;
  const n = Number(written);
  return written.trim() !== '' && Number.isFinite(n) && got === n;
}

async function pageState() {
  return page.evaluate(() => ({
    injected: document.querySelectorAll('script:not([src]), img, iframe, [onerror], [onload]').length,
    polluted: ({}).polluted !== undefined || Object.prototype.toString.call({}) !== '[object Object]'
      || Object.keys(Object.prototype).length > 0,
    messages: [...document.querySelectorAll('[role="alert"], .messages, .notes, [data-messages]')]
      .filter((e) => !e.hidden).map((e) => e.textContent).join('\n'),
    crashed: window.gradscope.crashed(),
  }));
}

test('generated links: applied as written or explained, and the page keeps working', async () => {
  await page.goto(server.url);
  await page.waitForFunction(() => document.documentElement.dataset.ready === 'true', null, { timeout: 30000 });
  const schema = await schemaFields();
  const fields = (schema.fields ?? schema).filter((f) => f.url);
  assert.ok(fields.length >= 25, `schema has ${fields.length} URL fields`);
  const g = generator(SEED);
  const failures = [];
  for (let i = 0; i < URLS; i += 1) {
    const params = [];
    const used = new Set();
    for (let k = 0, n = 1 + g.below(5); k < n; k += 1) {
      const field = g.pick(fields);
      if (used.has(field.url)) continue;
      used.add(field.url);
      params.push([field, valueFor(g, field)]);
    }
    const extra = [];
    if (g.chance(0.1)) extra.push(`${encodeURIComponent(g.pick(['__proto__[polluted]', 'constructor', '<b>', 'depht']))}=1`);
    if (g.chance(0.05)) extra.push(`config=${encodeURIComponent('{"__proto__": {"polluted": 1}, "seed": 3}')}`);
    const query = `?${[...params.map(([f, v]) => `${f.url}=${encodeURIComponent(v)}`), ...extra].join('&')}`;
    const before = dialogs.length + pageErrors.length;
    try {
      await page.goto(`${server.url}${query}`);
      await page.waitForFunction(() => document.documentElement.dataset.ready === 'true', null, { timeout: 30000 });
      const state = await pageState();
      const config = await page.evaluate(() => ({ ...window.gradscope.config(), view: window.gradscope.view() }));
      const problems = [];
      if (state.injected) problems.push(`${state.injected} injected elements`);
      if (state.polluted) problems.push('Object.prototype polluted');
      if (state.crashed) problems.push('crashed');
      for (const [field, written] of params) {
        if (!appliedAsWritten(config, field, written) && !state.messages.includes(field.url)) {
          problems.push(`'${field.url}=${written.slice(0, 40)}' neither applied nor explained`);
        }
      }
      const taken = await page.evaluate(() => window.gradscope.step(2));
      if (typeof taken !== 'number') problems.push(`step answered ${JSON.stringify(taken)}`);
      if (dialogs.length + pageErrors.length > before) problems.push(`dialog or page error: ${[...dialogs, ...pageErrors].slice(-1)}`);
      if (problems.length) failures.push(`${query.slice(0, 300)}: ${problems.join('; ')}`);
    } catch (e) {
      failures.push(`${query.slice(0, 300)}: ${String(e).slice(0, 200)}`);
    }
  }
  assert.deepEqual(failures.slice(0, 15), [], `${failures.length} of ${URLS} links failed (seed ${SEED})`);
});

test('generated setConfig calls: applied, or refused with a message and no change', async () => {
  await page.goto(server.url);
  await page.waitForFunction(() => document.documentElement.dataset.ready === 'true', null, { timeout: 30000 });
  const schema = await schemaFields();
  const fields = (schema.fields ?? schema).filter((f) => f.path && f.section !== 'view');
  const g = generator(SEED + 1);
  const failures = [];
  for (let i = 0; i < CALLS; i += 1) {
    const patch = {};
    for (let k = 0, n = 1 + g.below(3); k < n; k += 1) {
      const field = g.pick(fields);
      const text = valueFor(g, field);
      const n2 = Number(text);
      const value = g.chance(0.3) ? text : (field.kind === 'bool' ? text === 'true' : (text.trim() !== '' && Number.isFinite(n2) ? n2 : text));
      const keys = field.path.split('.');
      let at = patch;
      for (const key of keys.slice(0, -1)) at = (at[key] ??= {});
      at[keys.at(-1)] = value;
    }
    if (g.chance(0.05)) patch.__proto__polluted = { polluted: 1 };
    const label = JSON.stringify(patch).slice(0, 300);
    try {
      const result = await page.evaluate((p) => {
        const before = JSON.stringify(window.gradscope.config());
        const r = window.gradscope.setConfig(p);
        const afterConfig = JSON.stringify(window.gradscope.config());
        return { r, unchanged: before === afterConfig, steps: window.gradscope.step(1) };
      }, patch);
      const state = await pageState();
      const problems = [];
      if (!result.r || typeof result.r.ok !== 'boolean') problems.push(`answered ${JSON.stringify(result.r)}`);
      else if (!result.r.ok) {
        if (!result.unchanged) problems.push('refused but the config changed');
        if (typeof result.r.error !== 'string' || result.r.error.length > 400 || /[\u0000-\u001f]/.test(result.r.error)) {
          problems.push(`message not one short line: ${JSON.stringify(result.r.error).slice(0, 200)}`);
        }
        if (!state.messages) problems.push('no visible message');
      }
      if (typeof result.steps !== 'number') problems.push(`step answered ${JSON.stringify(result.steps)}`);
      if (state.injected || state.polluted || state.crashed) problems.push(JSON.stringify(state).slice(0, 200));
      if (problems.length) failures.push(`${label}: ${problems.join('; ')}`);
    } catch (e) {
      failures.push(`${label}: ${String(e).slice(0, 200)}`);
    }
  }
  assert.deepEqual(failures.slice(0, 15), [], `${failures.length} of ${CALLS} calls failed (seed ${SEED + 1})`);
  assert.deepEqual(dialogs, []);
  assert.deepEqual(pageErrors, []);
});
