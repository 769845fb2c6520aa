// The shared helpers of the browser tests (tests/web/*.test.mjs, run by run.mjs; `make check-web`):
// a real `envgov serve` on a temporary database filled by `envgov demo --history-days N`, one user
// per role made by `envgov user add … --password-stdin`, last year's credit ratings run and
// the green grade published, Debian's chromium driven headless by
// playwright-core, login through the real form, screenshots into build/screenshots/.
//
// A test file registers its tests with test(name, fn); fn gets { server, env, browser, page,
// login, shot, figure } with a fresh browser context (its own session storage) per test; `env`
// (govEnv) carries the demo's accounts and API tokens made once for the whole run, used by the
// governance tests through api(env, role, …) and loginAs(browser, env, role):
//   import { test } from './lib.mjs';
//   test('the map shows every station', async ({ page, login }) => { await login(page, 'bureau'); … });
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = process.env.EG_BIN || join(ROOT, 'build', 'envgov');
export const SHOTS = join(ROOT, 'build', 'screenshots');
export const CHROMIUM = process.env.EG_CHROMIUM || '/usr/bin/chromium';
// the flags of a headless run on a machine without a desktop or internet (no sandbox in a
// container, no GPU, nothing fetched in the background)
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-dev-shm-usage'];

// The accounts the tests log in with: role -> user name and password. The street officer is in
// 陆家嘴街道 (310115005), the enterprise is the demo's enterprise unit.
export const USERS = {
  admin: { username: 'w_admin', password: 'web-admin-12345' },
  bureau: { username: 'w_bureau', password: 'web-bureau-12345' },
  street: { username: 'w_street', password: 'web-street-12345' },
  enterprise: { username: 'w_enterprise', password: 'web-enterprise-12345' },
  steward: { username: 'w_steward', password: 'web-steward-12345' },
};

export const registry = [];
export function test(name, fn) {
  registry.push({ name, fn });
}

function run(args, input) {
  return new Promise((resolve, reject) => {
    const p = execFile(BIN, args, { maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`envgov ${args.join(' ')}: ${stderr || err.message}`));
      else resolve(stdout);
    });
    if (input !== undefined) p.stdin.end(input);
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

// Starts `envgov serve` on a fresh demo database; returns { url, port, db, dir, unitId, stop }.
export async function startServer({ historyDays = 2 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'envgov-web-'));
  const db = join(dir, 'web.db');
  const t0 = Date.now();
  const demoOut = await run(['demo', '--db', db, '--history-days', String(historyDays)]);
  // the demo's own accounts (its steward has the demo's contracts): the governance tests use them
  const demoLogins = {};
  for (const m of demoOut.matchAll(/^\s+(\S+)\s+(admin|bureau|street|enterprise|steward)\s+(\S+)$/gm))
    demoLogins[m[2]] = { username: m[1], password: m[3] };
  // last year's credit ratings (national 2013 scheme), the green grade published: the
  // enterprise page explains its grade, the portal lists the published ones
  const lastYear = new Date(Date.now() + 8 * 3600e3).getUTCFullYear() - 1;
  const run1 = JSON.parse(await run(['credit', 'run', '--year', String(lastYear), '--db', db]));
  await run(['credit', 'publish', String(run1.run_id), '--grade', 'green', '--db', db]);
  const tDemo = Date.now() - t0;
  // the demo's own accounts tell the street's region and the enterprise's unit
  const list = await run(['user', 'list', '--db', db]);
  const rows = list.trim().split('\n').slice(1).map((l) => l.split('\t'));
  const street = rows.find((r) => r[2] === 'street');
  const ent = rows.find((r) => r[2] === 'enterprise');
  const scope = { street: ['--region', street[3]], enterprise: ['--unit', ent[4]] };
  await Promise.all(Object.entries(USERS).map(([role, u]) =>
    run(['user', 'add', u.username, '--role', role, ...(scope[role] || []), '--password-stdin',
      '--db', db], u.password + '\n')));
  const port = await freePort();
  const proc = spawn(BIN, ['serve', '--db', db, '--http', `127.0.0.1:${port}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  proc.stderr.on('data', (d) => { log += d; if (log.length > 1 << 20) log = log.slice(-(1 << 19)); });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      const r = await fetch(url + '/healthz');
      if (r.ok) break;
    } catch (e) { /* not yet */ }
    if (i > 200 || proc.exitCode !== null) throw new Error('envgov serve did not start:\n' + log);
    await new Promise((r) => setTimeout(r, 50));
  }
  const stop = async () => {
    if (proc.exitCode === null) {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
  };
  return { url, port, db, dir, demoLogins, unitId: Number(ent[4]), region: street[3], demoMs: tDemo, stop,
    log: () => log };
}

// Logs in through the form as the role's test user and waits for the landing page.
export async function login(page, role, server) {
  const u = USERS[role];
  await page.goto(server.url + '/login');
  await page.getByLabel('用户名').fill(u.username);
  await page.getByLabel('密码').fill(u.password);
  await page.getByRole('button', { name: '登录' }).last().click();
  await page.waitForURL((url) => !url.pathname.startsWith('/login'), { timeout: 15000 });
}

// A token for API calls made by a test itself (to check what the API refuses).
export async function apiToken(server, role) {
  const r = await fetch(server.url + '/api/v1/login', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(USERS[role]),
  });
  if (!r.ok) throw new Error('login ' + role + ': ' + r.status);
  return (await r.json()).token;
}

export function shotPath(name) {
  mkdirSync(SHOTS, { recursive: true });
  return join(SHOTS, name.replace(/[^A-Za-z0-9_.-]/g, '_') + '.png');
}

export async function screenshot(page, name, opts = {}) {
  await page.screenshot({ path: shotPath(name), fullPage: true, ...opts });
}

// Waits until no element of the page shows a loading mask (Element Plus v-loading).
export async function settled(page, timeout = 15000) {
  await page.waitForFunction(() => !document.querySelector('.el-loading-mask'), null, { timeout });
}

export function assert(cond, msg) {
  if (!cond) throw new Error('assertion failed: ' + msg);
}

// The environment the governance tests (gov-*.test.mjs) get as `env`: the one shared server,
// the demo's own accounts (printed by `envgov demo`), and per role the token and user record of an API login, made once.
export function govEnv(server) {
  return { base: server.url, apiBase: server.url, dir: server.dir, logins: server.demoLogins, tokens: {}, users: {} };
}

// The API as a role (fixtures): returns the parsed answer; throws with the status on failure.
export async function api(env, who, method, p, body) {
  if (!env.tokens[who]) {
    const r = await fetch(env.apiBase + '/api/v1/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(env.logins[who]) });
    if (!r.ok) throw new Error('login ' + who + ': ' + r.status);
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

// A new context and page logged in as the role (tests that need two roles at once, or a
// phone-sized screen); the caller closes page.context(). The first time per role and run it
// logs in through the form; later contexts get that tab session (sessionStorage
// 'envgov.session', the same server token) before the app starts, and open the landing page.
export async function loginAs(b, env, who, { mobile = false } = {}) {
  const ctx = await b.newContext({ acceptDownloads: true, locale: 'zh-CN', timezoneId: 'UTC',
    viewport: mobile ? { width: 390, height: 844 } : { width: 1366, height: 900 } });
  ctx.setDefaultTimeout(15000);
  env.sessions = env.sessions || {};
  const saved = env.sessions[who];
  if (saved)
    await ctx.addInitScript((v) => {
      if (!sessionStorage.getItem('envgov.session')) sessionStorage.setItem('envgov.session', v);
    }, saved);
  const page = await ctx.newPage();
  env.errors && page.on('pageerror', (e) => env.errors.push(`[${who}] ${e.stack || e}`));
  if (saved) return page;
  await page.goto(env.base + '/login');
  await page.getByLabel('用户名').fill(env.logins[who].username);
  await page.getByLabel('密码').fill(env.logins[who].password);
  await page.locator('main button[type=submit]').click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  env.sessions[who] = await page.evaluate(() => sessionStorage.getItem('envgov.session'));
  return page;
}

export async function shot(page, name) {
  await screenshot(page, name);
}
