// Every governance page opens for the roles it is meant for, without an error, with its Chinese
// title; a screenshot of each goes to build/screenshots/ (issue 15 item 4). Figures printed, not
// asserted (issue 15 "Performance": every list page of 50 rows within 300 ms): the time from
// navigation to a task list of 50 rendered rows, and to the other lists' first render.
import fs from 'node:fs';
import { api, assert, loginAs, shot, test } from './lib.mjs';

const PAGES = [
  ['/gov/alerts', '预警'], ['/gov/tasks', '三监联动任务'], ['/gov/complaints', '投诉举报'],
  ['/gov/inspections', '环保管家检查'], ['/gov/draws', '双随机抽查'], ['/gov/cases', '行政处罚案件'],
  ['/gov/penalty', '罚款裁量计算'], ['/gov/poslist', '执法正面清单'], ['/gov/credit', '环境信用评价'],
  ['/gov/credit-repairs', '信用修复申请'], ['/gov/pilot', '试点示范评选'], ['/gov/plans', '行动计划'],
  ['/gov/suggestions', '建议办理'],
];

test('gov_pages_open_for_the_bureau_with_screenshots_and_list_timing', async ({ env, browser: b }) => {
  for (let i = 0; i < 60; i++) await api(env, 'bureau', 'POST', '/tasks', { title: `巡查任务 ${i + 1}`, task_type: 'supervision', origin: 'person', place: `浦东新区 ${i + 1} 号` });
  const page = await loginAs(b, env, 'bureau');
  for (const [p, title] of PAGES) {
    const t0 = Date.now();
    await page.goto(env.base + p);
    await page.locator('h2', { hasText: title }).first().waitFor();
    await page.waitForLoadState('networkidle');
    const ms = Date.now() - t0;
    const errors = await page.locator('.el-alert--error').count();
    assert(!errors, `${p} shows no error: ${errors ? await page.locator('.el-alert--error').first().innerText() : ''}`);
    console.log(`  figure: ${p} ready in ${ms} ms`);
    await shot(page, 'gov' + p.replaceAll('/', '-').replace(/^-gov/, ''));
  }
  // the page of 50: from a click in the menu (the app already loaded, as an officer works)
  // until 50 rows are drawn, best of 3; and a full load of the page by its URL
  let best = Infinity;
  for (let k = 0; k < 3; k++) {
    await page.locator('aside .el-menu').getByText('罚款裁量计算', { exact: true }).click();
    await page.locator('h2', { hasText: '罚款裁量计算' }).waitFor();
    // measured inside the page (click event to the 50th row in the DOM), without the
    // test driver's round trips
    await page.evaluate(() => {
      window.__t = {};
      document.addEventListener('click', () => { window.__t.click ??= performance.now(); }, { capture: true, once: true });
      const mo = new MutationObserver(() => {
        if (document.querySelectorAll('.el-table__body tr.el-table__row').length >= 50 && window.__t.click) {
          window.__t.rows = performance.now();
          mo.disconnect();
        }
      });
      mo.observe(document.body, { childList: true, subtree: true });
    });
    await page.locator('aside .el-menu').getByText('三监联动任务', { exact: true }).click();
    await page.locator('.el-table__body tr.el-table__row').nth(49).waitFor();
    const t = await page.evaluate(() => window.__t.rows - window.__t.click);
    best = Math.min(best, Math.round(t));
  }
  const t1 = Date.now();
  await page.goto(env.base + '/gov/tasks');
  await page.locator('.el-table__body tr.el-table__row').nth(49).waitFor();
  const full = Date.now() - t1;
  console.log(`  figure: /gov/tasks page of 50 rows drawn ${best} ms after the menu click (best of 3; target 300 ms), ${full} ms on a full load by URL`);
  // the next page by cursor, and the URL keeps it
  await page.getByRole('button', { name: '下一页' }).click();
  await page.waitForURL(/page=2/);
  await page.locator('.el-table__body').getByText('巡查任务 10', { exact: true }).waitFor();
  await page.reload();
  await page.locator('.el-table__body').getByText('巡查任务 10', { exact: true }).waitFor();
  // a filter goes into the URL and to the API
  await page.goto(env.base + '/gov/tasks?q=' + encodeURIComponent('巡查任务 7'));
  await page.locator('.el-table__body').getByText('巡查任务 7', { exact: true }).waitFor();
  await page.waitForLoadState('networkidle');
  assert((await page.locator('.el-table__body tr.el-table__row').count()) === 1, 'the filter narrows to one task');
  // the street filter (bureau): 泥城镇 has none of these tasks; the empty state says why
  await page.goto(env.base + '/gov/tasks?region=310115140');
  await page.getByText('没有符合条件的记录，请调整筛选条件').waitFor();
  await page.locator('.el-form-item', { hasText: '街镇' }).getByText('泥城镇').waitFor(); // the select shows the URL's street
  await page.context().close();
});
test('gov_pages_menu_per_role', async ({ env, browser: b }) => {
  const expect = {
    street: { has: ['三监联动任务', '投诉举报', '行动计划'], not: ['罚款裁量计算', '执法正面清单', '信用修复'] },
    enterprise: { has: ['三监联动任务', '行政处罚案件', '环境信用评价'], not: ['投诉举报', '预警', '罚款裁量计算', '行动计划'] },
    steward: { has: ['三监联动任务', '环保管家检查'], not: ['行政处罚案件', '环境信用评价', '执法正面清单'] },
    admin: { has: ['预警', '三监联动任务', '罚款裁量计算', '执法正面清单', '试点示范评选', '建议办理'], not: [] },
  };
  for (const [who, e] of Object.entries(expect)) {
    const page = await loginAs(b, env, who);
    await page.goto(env.base + '/gov/tasks');
    const menu = page.locator('aside .el-menu');
    await menu.getByText('三监联动任务').waitFor();
    for (const t of e.has) assert(await menu.getByText(t, { exact: true }).count(), `${who} has ${t} in the menu`);
    for (const t of e.not) assert(!(await menu.getByText(t, { exact: true }).count()), `${who} has no ${t} in the menu`);
    await shot(page, 'gov-tasks-' + who);
    await page.context().close();
  }
  // the public: a governance page asks for a login first, and comes back after it
  const ctx = await b.newContext({ locale: 'zh-CN' });
  const anon = await ctx.newPage();
  await anon.goto(env.base + '/gov/cases');
  await anon.waitForURL(/\/login\?next=(%2F|\/)gov(%2F|\/)cases/);
  await ctx.close();
});
test('gov_datatable_hostile_url_state_answers_in_chinese', async ({ env, browser: b }) => {
  await api(env, 'bureau', 'POST', '/tasks', { title: '<img src=x onerror=window.__pwned=1>', task_type: 'supervision', origin: 'person', place: '=HYPERLINK("http://evil")' });
  const page = await loginAs(b, env, 'bureau');
  // a forged cursor: the API refuses it, the table says so in Chinese and offers a retry
  await page.goto(env.base + '/gov/tasks?page=2&cur=' + encodeURIComponent("'; DROP TABLE flow_records;--"));
  const err = page.locator('.dt-error');
  await err.waitFor();
  assert(/请求有误|请检查/.test(await err.innerText()), 'the bad cursor is answered in Chinese: ' + (await err.innerText()));
  await err.getByRole('button', { name: '重试' }).waitFor();
  // a state the API does not know
  await page.goto(env.base + '/gov/tasks?state=' + encodeURIComponent('not_a_state'));
  await page.locator('.dt-error').waitFor();
  // an oversized filter text
  await page.goto(env.base + '/gov/tasks?q=' + 'x'.repeat(5000));
  await page.locator('.dt-error, .dt-empty').first().waitFor();
  // markup in a record is shown as text, never run
  await page.goto(env.base + '/gov/tasks');
  await page.getByText('<img src=x onerror=window.__pwned=1>').first().waitFor();
  assert(!(await page.evaluate(() => window.__pwned)), 'the title was not run as markup');
  // export: the API's CSV (UTF-8 BOM, Chinese headers), the formula in a cell defused
  await page.locator('[data-test="export"]').click();
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByText('导出 CSV').click()]);
  const csv = fs.readFileSync(await dl.path(), 'utf8');
  assert(csv.startsWith('\uFEFF') && csv.includes('标题') && csv.includes('状态'), 'a CSV with Chinese headers');
  assert(csv.includes("'=HYPERLINK") && !/(^|,)=HYPERLINK/m.test(csv), 'the formula cell is written with an apostrophe');
  assert(dl.suggestedFilename() === '三监联动任务.csv', 'the file is named after the page: ' + dl.suggestedFilename());
  // a wrong-type page number falls back to the first page
  await page.goto(env.base + '/gov/tasks?page=abc');
  await page.getByText('第 1 页').waitFor();
  await page.context().close();
});
