// Shared set-up for the page tests: a static server for the repository root on a free
// loopback port, and Debian's Chromium driven by playwright-core with a fresh profile.
import { before, after } from 'node:test';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, statSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, normalize, extname, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = normalize(join(dirname(fileURLToPath(import.meta.url)), '..', '..'));
export const OUTPUT = join(ROOT, 'tests', 'e2e', 'output');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
};

/**
 * The strict policy every test page is served with, as a careful course site would: no
 * inline script or style, no other origin, wasm compiled only from our own files.
 */
export const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'";

/**
 * Serves the repository root on 127.0.0.1 with the strict [CSP] (or `csp`); returns
 * {url, close}.
 */
export async function startServer(csp = CSP) {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const file = normalize(join(ROOT, path.endsWith('/') ? `${path}index.html` : path));
    if (!file.startsWith(ROOT)) {
      res.writeHead(403).end();
      return;
    }
    try {
      if (!statSync(file).isFile()) throw new Error('not a file');
      res.writeHead(200, {
        'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
        'Content-Security-Policy': csp,
        // Public static files, as `cargo xtask serve` sends them: a course page on another
        // origin may load the web component (module scripts and wasm are fetched with CORS).
        'Access-Control-Allow-Origin': '*',
      });
      res.end(readFileSync(file));
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((r) => server.close(r)) };
}

/** Chromium with the project's flags and a fresh user-data-dir. */
export async function launch(viewport = { width: 1400, height: 1000 }) {
  const profile = mkdtempSync(join(tmpdir(), 'gradscope-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const close = async () => {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  };
  return { context, close };
}

/** Opens the page at `query`, collecting console errors and page errors. */
export async function openPage(context, baseUrl, query = '') {
  const page = context.pages()[0] ?? await context.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${baseUrl}${query}`);
  await page.waitForFunction(() => document.documentElement.dataset.ready === 'true' || !document.getElementById('messages').hidden,
    null, { timeout: 30000 });
  return { page, errors };
}

/**
 * A new tab of `browser` (from `launch`) on the page at `query`, sized to `viewport` if
 * given, once the page says it is ready; `errors` collects console errors and page errors.
 */
export async function freshPage(browser, baseUrl, query = '', viewport = undefined) {
  const page = await browser.context.newPage();
  if (viewport) await page.setViewportSize(viewport);
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${baseUrl}${query}`);
  await page.waitForFunction(() => document.documentElement.dataset.ready === 'true', null, { timeout: 30000 });
  return { page, errors };
}

export function screenshotPath(name) {
  mkdirSync(OUTPUT, { recursive: true });
  return join(OUTPUT, `${name}.png`);
}

/**
 * One static server and one Chromium for a whole test file: started before its first test,
 * closed after its last; `set(server, browser)` hands them to the file.
 */
export function sharedServerAndBrowser(set) {
  let server;
  let browser;
  before(async () => {
    server = await startServer();
    browser = await launch();
    set(server, browser);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });
}
