// Pilot rounds in the browser (issue 15 item 4: "score a pilot application"; scoring per
// docs/plans.md and seed 000's 附件1: three criteria of 0–20 points each, mandatory items 40/n
// each, ranked per kind and cut to the quota): an expert assigned to the round scores through the
// page (the form refuses a score over 20), the bureau evaluates, the recommended list shows the
// unit in the 附表 layout.
import { api, assert, loginAs, shot, test } from './lib.mjs';

test('gov_pilot_expert_scores_and_recommended_list', async ({ env, browser: b }) => {
  const round = await api(env, 'bureau', 'POST', '/pilot/rounds', { name: '浏览器测试批次', deadline: '2099-09-30', rule: 'mean', quotas: { enterprise: 1 } });
  await api(env, 'enterprise', 'GET', '/pilot/rounds'); // logs the enterprise in: its unit_id
  const unitId = env.users.enterprise.unit_id;
  const app = await api(env, 'bureau', 'POST', '/pilot/applications', { round_id: round.id, unit_id: unitId, conditions: '111', mandatory: '11111111', directions: '1,2', innovation: '排污许可与在线监测联动（测试）' });
  await api(env, 'bureau', 'POST', `/pilot/applications/${app.id}/actions/submit`, {});
  await api(env, 'bureau', 'POST', `/pilot/rounds/${round.id}/experts`, { user_id: env.users.bureau.id });

  const page = await loginAs(b, env, 'bureau');
  await page.goto(`${env.base}/gov/pilot/${round.id}?tab=score`);
  const row = page.locator('[data-test="scoring"] .el-table__row', { hasText: '排污许可与在线监测联动（测试）' });
  await row.waitFor();
  const inputs = row.locator('.el-input-number input');
  await inputs.nth(0).fill('25'); // over 20: the number input clamps it to 20
  await inputs.nth(0).blur();
  assert((await inputs.nth(0).inputValue()) === '20', 'a score above 20 is clamped to 20');
  await inputs.nth(0).fill('16');
  await inputs.nth(1).fill('15');
  await inputs.nth(2).fill('14');
  await inputs.nth(2).blur();
  await row.locator('[data-test="save-score"]').click();
  await row.getByText('已保存').waitFor();
  await shot(page, 'gov-pilot-scoring');
  const stored = await api(env, 'bureau', 'GET', `/pilot/applications/${app.id}`);
  assert(JSON.stringify(stored.scores.map((s) => s.scores)) === '[[16,15,14]]', 'the expert\'s scores are stored: ' + JSON.stringify(stored.scores));

  await page.goto(`${env.base}/gov/pilot/${round.id}?tab=evaluate`);
  await page.locator('[data-test="evaluate"]').click();
  await page.locator('[data-test="eval-result"]').waitFor();
  await page.goto(`${env.base}/gov/pilot/${round.id}?tab=list`);
  const list = page.locator('[data-test="recommended"]');
  await list.getByText('排污许可与在线监测联动（测试）').waitFor();
  // 40 (mandatory, all 8 done) + 16 + 15 + 14 = 85
  await list.locator('td', { hasText: /^85$/ }).waitFor();
  await page.emulateMedia({ media: 'print' });
  await shot(page, 'gov-pilot-recommended-print');
  await page.context().close();
});
test('gov_pilot_not_an_expert_is_told_so', async ({ env, browser: b }) => {
  const round = await api(env, 'bureau', 'POST', '/pilot/rounds', { name: '无专家批次', deadline: '2099-09-30', rule: 'mean', quotas: { park: 1 } });
  const page = await loginAs(b, env, 'street');
  await page.goto(`${env.base}/gov/pilot/${round.id}?tab=score`);
  await page.locator('.el-alert').filter({ hasText: /评审专家|权限|找不到/ }).first().waitFor();
  assert(!(await page.locator('[data-test="save-score"]').count()), 'no score can be saved');
  await page.context().close();
});
