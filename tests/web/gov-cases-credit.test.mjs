// Cases and credit in the browser (issue 15 item 2: "cases with the penalty computation shown step
// by step", "credit ratings"; item 4: "an enterprise sees only its own credit and cases").
// The bureau takes a case to 告知 through the page: the notify dialog's discretion facts give the
// worked case of 广东省生态环境行政处罚自由裁量权规定 (2022) — impact 中 +6 %, 3–6 months +5 %,
// second violation +5 %, verified complaint +15 % on a 10 % start = 41 % × 1,000,000 = 410,000,
// less 30 % for a public apology = 287,000 yuan — shown step by step on the case page.
import { api, assert, loginAs, shot, test } from './lib.mjs';

const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');

test('gov_case_notify_shows_penalty_steps_287000', async ({ env, browser: b }) => {
  await api(env, 'enterprise', 'GET', '/cases');
  const own = env.users.enterprise.unit_id;
  const c = await api(env, 'bureau', 'POST', '/cases', { title: '超标排放大气污染物（测试）', unit_id: own, origin: 'other', violation: 'air_exceedance', violation_date: '2024-05-01' });
  const page = await loginAs(b, env, 'bureau');
  await page.goto(env.base + '/gov/cases/' + c.id);
  await page.locator('button[data-action="investigate"]').click();
  await page.locator('[data-test="confirm"]').click();
  await page.locator('[data-test="state"]', { hasText: '调查取证' }).waitFor();
  await page.locator('[data-test="file"]').setInputFiles({ name: '询问笔录.pdf', mimeType: 'application/pdf', buffer: PDF });
  await page.getByText('询问笔录.pdf').waitFor();
  await page.locator('button[data-action="notify"]').click();
  const dlg = page.locator('.el-dialog');
  for (const [f, v] of [['impact', '中'], ['duration', '3个月以上不满6个月'], ['count', '2次'], ['complaint', '经查实的信访投诉']])
    await dlg.locator(`[data-test="factor-${f}"]`).getByText(v, { exact: true }).click();
  await dlg.locator('[data-test="circ-apology"]').click();
  await page.locator('[data-test="confirm"]').click();
  await page.locator('[data-test="state"]', { hasText: '告知' }).waitFor();
  const steps = page.locator('[data-test="penalty"]');
  await steps.getByText('410000.00 元').first().waitFor();
  await steps.locator('[data-test="fine"]', { hasText: '287,000' }).waitFor();
  await page.emulateMedia({ media: 'print' });
  await shot(page, 'gov-case-penalty-print');
  await page.context().close();
  const rec = await api(env, 'bureau', 'GET', '/cases/' + c.id);
  assert(rec.fine === 287000, 'the stored fine is 287,000: ' + rec.fine);
});
test('gov_enterprise_sees_only_its_own_cases_and_credit', async ({ env, browser: b }) => {
  await api(env, 'enterprise', 'GET', '/cases');
  const own = env.users.enterprise.unit_id;
  const year = new Date(Date.now() + 8 * 3600e3).getUTCFullYear() - 1;
  const r = await api(env, 'bureau', 'POST', '/credit/runs', { year });
  for (const g of Object.keys(r.by_grade)) if (r.by_grade[g]) await api(env, 'bureau', 'POST', `/credit/runs/${r.run_id}/publish`, { grade: g });
  const other = (await api(env, 'bureau', 'GET', `/credit/published?year=${year}`)).items.find((u) => u.unit_id !== own).unit_id;
  await api(env, 'bureau', 'POST', '/cases', { title: '本企业的案件', unit_id: own, origin: 'other', violation: 'water_exceedance', violation_date: '2024-06-01' });
  const theirs = await api(env, 'bureau', 'POST', '/cases', { title: '他企业的案件', unit_id: other, origin: 'other', violation: 'water_exceedance', violation_date: '2024-06-01' });
  const ownName = (await api(env, 'bureau', 'GET', `/credit/units/${own}?year=${year}`)).unit;
  const otherName = (await api(env, 'bureau', 'GET', `/credit/units/${other}?year=${year}`)).unit;

  const page = await loginAs(b, env, 'enterprise');
  await page.goto(env.base + '/gov/cases');
  await page.getByText('本企业的案件').first().waitFor();
  await page.waitForLoadState('networkidle');
  assert(!(await page.getByText('他企业的案件').count()), 'another unit\'s case is not listed');
  await shot(page, 'gov-cases-enterprise');
  await page.goto(env.base + '/gov/cases/' + theirs.id); // typed URL
  await page.getByText('找不到该记录，或您无权查看').waitFor();
  await page.goto(`${env.base}/gov/credit?unit=${other}&year=${year}`); // another unit asked in the URL
  await page.locator('[data-test="rating"]').getByText(ownName).first().waitFor();
  assert(!(await page.locator('[data-test="rating"]').getByText(otherName).count()), 'another unit\'s rating is not shown (published grades are public, in their own tab)');
  assert(!(await page.getByLabel('单位编号').count()), 'an enterprise has no unit field');
  await page.locator('[data-test="grade"]').waitFor();
  await shot(page, 'gov-credit-enterprise');
  // the penalty calculator and the positive list are staff pages
  await page.goto(env.base + '/gov/penalty');
  await page.waitForURL(/\/forbidden/);
  await page.context().close();
});
