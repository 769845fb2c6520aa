// Random draws in the browser (issue 15 item 4: "run a draw and verify it"; the algorithm is
// eg-draw-1 of src/govern/govern.h). The draw is run by `envgov draw run` and verified in the page by its
// own JavaScript implementation of eg-draw-1, which must reproduce the C draw exactly: 300
// objects in 3 categories, Chinese and ASCII keys, 30 inspectors, 60 recusal pairs, teams of 3.
// A published list with two inspectors swapped is refused, naming the position.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BIN, api, assert, loginAs, shot, test } from './lib.mjs';

function input() {
  let s = 7;
  const rnd = (n) => ((s = (Math.imul(s, 1103515245) + 12345) >>> 1), s % n); // fixed LCG: same input every run
  const cats = ['key', 'general', 'special'];
  const objects = Array.from({ length: 300 }, (_, i) => ({ key: `${['沪', 'u:', 'Z'][rnd(3)]}${String(i).padStart(4, '0')}${['甲', '乙', ''][rnd(3)]}`, category: cats[rnd(3)], unit_id: i + 1 }));
  const inspectors = Array.from({ length: 30 }, (_, j) => ({ key: j % 2 ? `检查员${String(j).padStart(2, '0')}` : `insp-${j}`, id: 100 + j }));
  const recusals = Array.from({ length: 60 }, () => [100 + rnd(30), 1 + rnd(300)]);
  return { seed: '2026-12-03 浦东新区 第12期 双随机', team_size: 3, quotas: { key: 12, general: 20, special: 5 }, objects, inspectors, recusals };
}

test('gov_draws_verify_in_browser_matches_envgov_draw_run', async ({ env, browser: b }) => {
  const inFile = path.join(env.dir, 'draw-in.json');
  fs.writeFileSync(inFile, JSON.stringify(input()));
  const published = execFileSync(BIN, ['draw', 'run', inFile], { encoding: 'utf8' });
  const doc = JSON.parse(published);
  assert(doc.result.length === 37, 'the C draw picks 12 + 20 + 5: ' + doc.result.length);
  const page = await loginAs(b, env, 'bureau');
  await page.goto(env.base + '/gov/draws?tab=verify');
  await page.locator('[data-test="draw-file"]').setInputFiles({ name: 'published.json', mimeType: 'application/json', buffer: Buffer.from(published) });
  const verdict = page.locator('[data-test="verdict"]');
  await verdict.getByText('核验一致：37 个检查对象').waitFor();
  await shot(page, 'gov-draws-verified');
  // tamper: swap two inspectors of the 6th team
  const bad = JSON.parse(published);
  [bad.result[5].team[0], bad.result[5].team[1]] = [bad.result[5].team[1], bad.result[5].team[0]];
  await page.locator('[data-test="draw-file"]').setInputFiles({ name: 'tampered.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(bad)) });
  await verdict.getByText('第 6 位').waitFor();
  assert((await verdict.getAttribute('class')).includes('error'), 'the tampered list is shown as an error');
  // malformed input: a plain Chinese message, no crash
  await page.getByLabel('抽查结果 JSON').fill('{"seed": "x", "team_size": 1}');
  await page.locator('[data-test="verify"]').click();
  await verdict.getByText('至少 2 人').waitFor();
  await page.getByLabel('抽查结果 JSON').fill('{not json');
  await page.locator('[data-test="verify"]').click();
  await verdict.getByText('不是有效的 JSON').waitFor();
  await page.context().close();
});

// A draw on the server's routes (docs/draws.md "A draw run", "Secret until the date", 一公开):
// the bureau puts three officers in the inspector pool, runs a draw through the form (the
// shipped plan sh-draw-plan-2024, a seed it chooses, teams of 2 as 行政处罚法 Art. 42 asks), sees
// the list and teams, verifies it in the browser (eg-draw-1 in drawVerify.js) and by the
// server's re-check. Before its inspection date a street and an enterprise get 404 and do not
// see it in their list; a run dated today is public: its document verifies and a recorded
// result appears in the public results.
test('run a draw and verify it', async ({ env, browser: b }) => {
  const users = (await api(env, 'admin', 'GET', '/users?limit=200')).items || [];
  const officers = users.filter((u) => ['admin', 'bureau'].includes(u.role)).slice(0, 3);
  const pool = await api(env, 'bureau', 'GET', '/draws/inspectors');
  const have = new Set((pool.items || []).map((i) => i.user_id));
  for (const [k, u] of officers.entries())
    if (!have.has(u.id)) await api(env, 'bureau', 'POST', '/draws/inspectors', { user_id: u.id, cert_no: `沪执0199000${k}`, org: '浦东新区生态环境局执法大队' });
  const page = await loginAs(b, env, 'bureau');
  await page.goto(env.base + '/gov/draws?tab=run');
  const form = page.locator('[data-test="run-form"]');
  await form.getByLabel('抽查事项').fill('浏览器测试 2099 年第一季度双随机抽查');
  await form.getByLabel('检查日期').fill('2099-03-31');
  await form.getByLabel('随机种子').fill('浏览器测试种子 2026-12-03');
  await form.getByLabel('每组人数').fill('二');
  await page.locator('[data-test="run-draw"]').click();
  await page.getByText('每组人数应为整数').waitFor(); // refused before sending
  await form.getByLabel('每组人数').fill('2');
  await page.locator('[data-test="run-draw"]').click();
  const summary = page.locator('[data-test="run-summary"]');
  await summary.getByText('浏览器测试种子 2026-12-03').waitFor();
  await summary.getByText('检查日前保密').waitFor();
  const rows = page.locator('[data-test="run-items"] .el-table__body tr');
  await rows.first().waitFor();
  assert(/沪执0199000\d、沪执0199000\d/.test(await rows.first().innerText()), 'a team of two certificates is shown');
  await shot(page, 'gov-draws-run');
  await page.locator('[data-test="verify-server"]').click();
  await page.locator('[data-test="server-verdict"]').getByText('复核一致').waitFor();
  await page.locator('[data-test="verify-run"]').click();
  await page.locator('[data-test="verdict"]').getByText('核验一致').waitFor();
  const runs = await api(env, 'bureau', 'GET', '/draws/runs');
  const run = runs.items.find((r) => r.title === '浏览器测试 2099 年第一季度双随机抽查');
  assert(run && run.secret, 'the run is listed, secret until its date');
  await page.goto(env.base + '/gov/draws?tab=list');
  await page.getByText('浏览器测试 2099 年第一季度双随机抽查').waitFor();
  await page.context().close();
  // other roles: 404 and absent from the list until 2099-03-31
  for (const who of ['street', 'enterprise']) {
    const e = await api(env, who, 'GET', '/draws/runs/' + run.id).catch((x) => x);
    assert(e.status === 404, `${who} gets 404 for the secret run: ${e.status || 'a document'}`);
    const d = await fetch(env.apiBase + '/api/v1/draws/runs/' + run.id + '/document');
    assert(d.status === 404, 'the public gets 404 for the document before the date: ' + d.status);
    const p = await loginAs(b, env, who);
    await p.goto(env.base + '/gov/draws?tab=list');
    await p.locator('h2', { hasText: '双随机抽查' }).waitFor();
    await p.waitForLoadState('networkidle');
    assert(!(await p.getByText('浏览器测试 2099 年第一季度双随机抽查').count()), `${who} does not see the secret run`);
    await p.context().close();
  }
  // a run dated today (Beijing) is public: document, re-check, and a result in 一公开
  const today = new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
  const pub = await api(env, 'bureau', 'POST', '/draws/runs', { title: '浏览器测试 今日抽查', inspect_on: today, seed: 'today' });
  const doc = await fetch(env.apiBase + '/api/v1/draws/runs/' + pub.id + '/document');
  assert(doc.ok, 'the document of a run dated today is public: ' + doc.status);
  const ver = await (await fetch(env.apiBase + '/api/v1/draws/runs/' + pub.id + '/verify')).json();
  assert(ver.ok === true, 'the public re-check agrees: ' + JSON.stringify(ver));
  await api(env, 'bureau', 'POST', '/draws/items/' + pub.items[0].id + '/result', { outcome: 'not_found', finding: '未发现问题（浏览器测试）' });
  const results = await (await fetch(env.apiBase + '/api/v1/draws/results')).json();
  assert(JSON.stringify(results).includes('未发现问题（浏览器测试）'), 'the result is published');
  // and the public portal shows it, without a login (双随机、一公开)
  const ctx = await b.newContext({ locale: 'zh-CN', timezoneId: 'Europe/London' });
  const pp = await ctx.newPage();
  await pp.goto(env.base + '/portal');
  await pp.locator('[data-test="draw-results"]').getByText('未发现问题（浏览器测试）').waitFor();
  await ctx.close();
});
