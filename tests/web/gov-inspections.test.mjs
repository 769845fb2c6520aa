// Stewards' inspections in the browser (issue 15 item 2; checklists in docs/intake.md): a steward
// records an inspection of a contracted unit through the form; an item marked as a problem
// needs its note before sending; the finding raises a rectification task, linked from the
// inspection's page.
import { api, assert, loginAs, shot, test } from './lib.mjs';

test('gov_steward_records_inspection_finding_raises_task', async ({ env, browser: b }) => {
  const contracts = await api(env, 'steward', 'GET', '/steward_contracts?limit=1');
  const unit = contracts.items[0].unit_id;
  const lists = await api(env, 'steward', 'GET', '/checklists');
  const cl = lists.items[0];
  const problem = cl.severities.find((s) => s.action);
  const page = await loginAs(b, env, 'steward');
  await page.goto(env.base + '/gov/inspections');
  await page.locator('[data-test="new-inspection"]').click();
  const dlg = page.locator('.el-dialog');
  await dlg.locator('.el-form-item', { hasText: '被检查单位' }).locator('input').fill(String(unit));
  await dlg.locator('.el-form-item', { hasText: '检查表' }).locator('.el-select').click();
  await page.locator('.el-select-dropdown__item', { hasText: cl.title_zh }).click();
  const first = dlg.locator(`[data-item="${cl.items[0].code}"]`);
  await first.getByText(problem.label_zh, { exact: true }).click();
  await dlg.locator('[data-test="save-inspection"]').click();
  await dlg.getByText('请填写说明：' + cl.items[0].code).waitFor(); // refused before sending
  await first.getByRole('textbox').fill('油烟净化设施未运行（测试）');
  await dlg.locator('[data-test="save-inspection"]').click();
  await page.waitForURL(/\/gov\/inspections\/\d+/);
  await page.getByText('油烟净化设施未运行（测试）').first().waitFor();
  await page.getByText(/整改任务 #\d+/).first().waitFor();
  await shot(page, 'gov-inspection-steward');
  await page.context().close();
});
