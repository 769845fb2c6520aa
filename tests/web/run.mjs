// The browser tests' runner (`make check-web`): starts one `envgov serve` on a demo database and
// one headless chromium, imports every tests/web/*.test.mjs, runs each registered test in a fresh
// browser context, prints "ok NAME (ms)" or "FAIL NAME: why" (with a screenshot of the page at
// the failure in build/screenshots/FAIL-NAME.png), the figures the tests measured, and the
// totals; exits 1 when a test failed. Arguments filter tests by a substring of their name.
//   node tests/web/run.mjs [SUBSTRING...]     EG_BIN=build/envgov  EG_HISTORY_DAYS=2
import { readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { registry, startServer, login, screenshot, govEnv, CHROMIUM, CHROMIUM_ARGS } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
for (const f of readdirSync(here).filter((f) => f.endsWith('.test.mjs')).sort())
  await import(pathToFileURL(join(here, f)).href);
const chosen = registry.filter((t) => !filters.length || filters.some((f) => t.name.includes(f)));

const t0 = Date.now();
const server = await startServer({ historyDays: Number(process.env.EG_HISTORY_DAYS || 2) });
console.log(`web: envgov serve at ${server.url} (demo loaded in ${server.demoMs} ms)`);
let browser;
let failed = 0;
const figures = [];
const env = govEnv(server); // API logins made once, shared by the tests
try {
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  console.log(`web: chromium ${browser.version()}`);
  for (const t of chosen) {
    const context = await browser.newContext({ baseURL: server.url, locale: 'zh-CN',
      timezoneId: 'Europe/London', viewport: { width: 1366, height: 900 } });
    context.setDefaultTimeout(15000);
    const page = await context.newPage();
    const errors = [];
    env.errors = errors;
    page.on('pageerror', (e) => errors.push(e.stack || String(e)));
    const s = Date.now();
    try {
      await t.fn({
        server, env, browser, context, page,
        login: (p, role) => login(p, role, server),
        shot: (p, name, o) => screenshot(p, name, o),
        figure: (name, value, unit) => figures.push({ name, value, unit }),
        errors,
      });
      if (errors.length) throw new Error('the page threw: ' + errors.join('; '));
      console.log(`ok   ${t.name} (${Date.now() - s} ms)`);
    } catch (e) {
      failed++;
      console.log(`FAIL ${t.name} (${Date.now() - s} ms): ${e.stack || e}`);
      await screenshot(page, 'FAIL-' + t.name).catch(() => {});
    } finally {
      await context.close();
    }
  }
} finally {
  if (browser) await browser.close();
  await server.stop();
}
for (const f of figures) console.log(`figure: ${f.name}: ${f.value} ${f.unit || ''}`);
console.log(`web: ${chosen.length - failed} passed, ${failed} failed (${((Date.now() - t0) / 1000).toFixed(1)} s; screenshots in build/screenshots/)`);
process.exit(failed ? 1 : 0);
