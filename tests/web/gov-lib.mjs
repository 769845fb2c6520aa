// Helpers of the governance pages' browser tests (tests/web/gov-*.test.mjs): a demo database,
// the real `envgov serve`, the built UI (build/web) in front of it, headless Debian chromium
// driven by playwright-core, logins per role, API calls for the fixtures, screenshots.
// When `envgov serve` serves the UI itself (src/http/web.c) the tests use it directly;
// otherwise a small static server here serves build/web and passes /api/ to envgov.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = process.env.EG_BIN || path.join(ROOT, 'build/envgov');
export const SHOTS = path.join(ROOT, 'build/screenshots');

function staticServer(webDir, apiPort) {
  const types = { '.js': 'text/javascript', '.css': 'text/css', '.html': 'text/html; charset=utf-8', '.svg': 'image/svg+xml', '.json': 'application/json', '.woff2': 'font/woff2', '.png': 'image/png' };
  const srv = http.createServer((req, res) => {
    if (req.url.startsWith('/api/') || req.url.startsWith('/open311/')) {
      const up = http.request({ host: '127.0.0.1', port: apiPort, path: req.url, method: req.method, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode, r.headers);
        r.pipe(res);
      });
      up.on('error', () => { res.writeHead(502); res.end(); });
      req.pipe(up);
      return;
    }
    const p = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    let f = path.join(webDir, path.normalize(p).replace(/^(\.\.[/\\])+/, ''));
    if (!f.startsWith(webDir) || !fs.existsSync(f) || fs.statSync(f).isDirectory()) f = path.join(webDir, 'index.html');
    res.writeHead(200, { 'Content-Type': types[path.extname(f)] || 'application/octet-stream' });
    fs.createReadStream(f).pipe(res);
  });
  return new Promise((ok) => srv.listen(0, '127.0.0.1', () => ok(srv)));
}

// A demo district in a fresh database, served. Returns {base, apiBase, logins, dir, stop}.
export async function startEnv() {
  if (!fs.existsSync(path.join(ROOT, 'build/web/index.html'))) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eg-webgov-'));
  const db = path.join(dir, 'demo.db');
  const out = execFileSync(BIN, ['demo', '--db', db, '--history-days', '0'], { encoding: 'utf8' });
  const logins = {};
  for (const m of out.matchAll(/^\s+(\S+)\s+(admin|bureau|street|enterprise|steward)\s+(\S+)$/gm)) logins[m[2]] = { username: m[1], password: m[3] };
  const srv = spawn(BIN, ['serve', '--db', db, '--http', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const apiPort = await new Promise((ok, fail) => {
    let buf = '';
    const t = setTimeout(() => fail(new Error('envgov serve did not start: ' + buf)), 30000);
    const on = (d) => {
      buf += d;
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(buf);
      if (m) { clearTimeout(t); ok(Number(m[1])); }
    };
    srv.stdout.on('data', on);
    srv.stderr.on('data', on);
  });
  const apiBase = `http://127.0.0.1:${apiPort}`;
  let base = apiBase;
  let st = null;
  const index = await fetch(apiBase + '/').then((r) => (r.ok ? r.text() : '')).catch(() => '');
  if (!index.includes('id="app"')) {
    st = await staticServer(path.join(ROOT, 'build/web'), apiPort);
    base = `http://127.0.0.1:${st.address().port}`;
  }
  const env = { base, apiBase, logins, dir, tokens: {}, users: {} };
  env.stop = async () => {
    if (st) st.close();
    srv.kill('SIGTERM');
    await new Promise((ok) => srv.once('exit', ok));
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return env;
}

// The API as a role (fixtures): returns the parsed answer; throws with the status on failure.
export async function api(env, who, method, p, body) {
  if (!env.tokens[who]) {
    const r = await fetch(env.apiBase + '/api/v1/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(env.logins[who]) });
    const j = await r.json();
    env.tokens[who] = j.token;
    env.users[who] = j.user;
  }
  const r = await fetch(env.apiBase + '/api/v1' + p, {
    method, headers: { Authorization: 'Bearer ' + env.tokens[who], ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  if (!r.ok) throw Object.assign(new Error(`${method} ${p}: ${r.status} ${text}`), { status: r.status });
  try { return JSON.parse(text); } catch (e) { return text; }
}

export async function browser() {
  return chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
}

// A new page logged in as the role (through the login form).
export async function login(b, env, who, { mobile = false } = {}) {
  const ctx = await b.newContext({ acceptDownloads: true, locale: 'zh-CN', timezoneId: 'UTC', viewport: mobile ? { width: 390, height: 844 } : { width: 1366, height: 900 } });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.log(`  [${who}] page error: ${e.message}`));
  await page.goto(env.base + '/login');
  await page.getByLabel('用户名').fill(env.logins[who].username);
  await page.getByLabel('密码').fill(env.logins[who].password);
  await page.locator('main button[type=submit]').click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  return page;
}

export async function shot(page, name) {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, name + '.png'), fullPage: true });
}

export function assert(cond, msg) {
  if (!cond) throw new Error('assertion failed: ' + msg);
}

// Runs the tests of a file: [{name, fn(env, browser)}], each against one shared environment.
// Used when a test file is run directly (node tests/web/gov-x.test.mjs [NAME…]).
export async function run(tests, filter = process.argv.slice(2)) {
  const sel = tests.filter((t) => !filter.length || filter.some((f) => t.name.includes(f)));
  const env = await startEnv();
  const b = await browser();
  let failed = 0;
  try {
    for (const t of sel) {
      const t0 = Date.now();
      try {
        await t.fn(env, b);
        console.log(`ok   ${t.name} (${Date.now() - t0} ms)`);
      } catch (e) {
        failed++;
        console.log(`FAIL ${t.name}: ${e.stack || e.message}`);
      }
    }
  } finally {
    await b.close();
    await env.stop();
  }
  console.log(`${sel.length - failed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}
export const isMain = (meta) => process.argv[1] && fileURLToPath(meta.url) === path.resolve(process.argv[1]);
