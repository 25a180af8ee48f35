// Screenshots of every view at 360, 700 and 1,400 px wide for a few setups, for a person
// to look at (not a test): `node tests/e2e/screenshots.mjs [outdir]` after `cargo xtask
// build`. Each view's article is saved as <setup>-<width>-<view>.png.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, launch, openPage } from './helpers.mjs';

const out = process.argv[2] ?? '/tmp/shots';
mkdirSync(out, { recursive: true });
const SETUPS = {
  fresh: ['', 0],
  default: ['', 60],
  sigmoid: ['?depth=30&activation=sigmoid&init=standard&optimizer=adagrad', 3000],
  adam: ['?depth=8&optimizer=adam&lr=0.01', 400],
  diverged: ['?depth=30&activation=relu&init=normal&std=10', 5],
  sine: ['?dataset=sine&clip=norm&threshold=0.1', 300],
  dead: ['?depth=10&width=4&activation=relu&init=he_normal', 200],
};
const only = process.env.SETUPS ? process.env.SETUPS.split(',') : Object.keys(SETUPS);
const widths = process.env.WIDTHS ? process.env.WIDTHS.split(',').map(Number) : [360, 700, 1400];
const server = await startServer();
try {
  for (const width of widths) {
    const { context, close } = await launch({ width, height: 900 });
    try {
      for (const name of only) {
        const [query, steps] = SETUPS[name];
        const { page, errors } = await openPage(context, server.url, query);
        if (steps > 0) await page.evaluate((n) => window.gradscope.step(n), steps);
        await page.waitForTimeout(300);
        const views = await page.locator('.view').count();
        for (let i = 0; i < views; i += 1) {
          const article = page.locator('.view').nth(i);
          const id = await article.locator('canvas').getAttribute('id');
          await article.screenshot({ path: join(out, `${name}-${width}-${id.replace('view-', '')}.png`) });
        }
        if (width === 1400) await page.screenshot({ path: join(out, `${name}-${width}-page.png`), fullPage: true });
        if (errors.length) console.log(name, width, errors);
      }
    } finally {
      await close();
    }
  }
} finally {
  await server.close();
}
console.log(`screenshots in ${out}`);
