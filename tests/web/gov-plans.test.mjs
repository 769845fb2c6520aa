// Plans and suggestions in the browser (issue 15 item 2: "plans with their tasks and lead units,
// suggestions"; seed 003's work plan, loaded by the demo as 40 tasks): the plan's table lists each
// task with its lead units; a task's page starts it and takes a progress report (the form refuses
// an empty period first); a suggestion is formed through the form and sent.
import { api, assert, loginAs, shot, test } from './lib.mjs';

test('gov_plan_task_progress_and_suggestion_formed', async ({ env, browser: b }) => {
  const page = await loginAs(b, env, 'bureau');
  await page.goto(env.base + '/gov/plans');
  await page.getByText('共 40 条').waitFor();
  const row = page.locator('.el-table__body tr.el-table__row', { hasText: '开展能源和工业领域碳达峰行动' });
  await row.getByText('区发改委、区经委').waitFor(); // the lead units as written in the seed
  await row.click();
  await page.waitForURL(/\/gov\/plan-tasks\/\d+/);
  const id = page.url().split('/').pop();
  await page.locator('button[data-action="start"]').click();
  await page.locator('[data-test="confirm"]').click();
  await page.locator('[data-test="state"]', { hasText: '推进中' }).waitFor();
  await page.getByRole('button', { name: '报送', exact: true }).click();
  await page.getByText('请填写报送期').waitFor();
  await page.getByPlaceholder('如 2026年第四季度').fill('2026年第四季度');
  await page.locator('.el-form-item', { hasText: '进展情况' }).locator('textarea').fill('碳达峰实施方案已印发');
  await page.getByRole('button', { name: '报送', exact: true }).click();
  await page.getByText('进展已报送').waitFor();
  await shot(page, 'gov-plan-task');
  // the report is stored (the API answered "recorded"; no route reads reports back yet)
  const rec = await api(env, 'bureau', 'GET', `/plan-tasks/${id}`);
  assert(rec.state === 'in_progress', 'the task is in progress: ' + rec.state);

  await page.goto(env.base + '/gov/suggestions');
  await page.getByRole('button', { name: '新建议' }).click();
  await page.locator('.el-dialog').getByRole('button', { name: '保存' }).click();
  await page.getByText('请填写标题').waitFor();
  const dlg = page.locator('.el-dialog');
  await dlg.locator('.el-form-item', { hasText: '标题' }).locator('input').fill('完善现代生态环境监测体系（测试）');
  await dlg.locator('.el-form-item', { hasText: '建议内容' }).locator('textarea').fill('完善生态环境监测网络');
  await dlg.getByRole('button', { name: '保存' }).click();
  await page.waitForURL(/\/gov\/suggestions\/\d+/);
  await page.locator('[data-test="state"]', { hasText: '已形成' }).waitFor();
  await page.locator('button[data-action="send"]').click();
  await page.locator('[data-test="confirm"]').click();
  await page.locator('[data-test="state"]', { hasText: '已报送' }).waitFor();
  await page.context().close();
});
