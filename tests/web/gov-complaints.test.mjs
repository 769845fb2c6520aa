// Complaints in the browser (issue 15 item 2: complaints routed to streets and grids; intake in
// docs/intake.md): a public complaint located by its point in 陆家嘴街道 reaches that street's
// list; the street officer handles and resolves it with the result through the page (the
// reason is required before sending); the bureau publishes the result, and the public status
// of the receipt code shows it.
import { assert, loginAs, shot, test } from './lib.mjs';

test('gov_complaint_street_resolves_bureau_publishes', async ({ env, browser: b }) => {
  const filed = await fetch(env.apiBase + '/api/v1/complaints', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ kind: 'noise', description: '夜间施工噪声扰民（浏览器测试）', lat: 31.2397, long: 121.5055 }),
  }).then((r) => r.json());
  assert(filed.street_name === '陆家嘴街道', 'located in 陆家嘴街道: ' + JSON.stringify(filed));
  const page = await loginAs(b, env, 'street');
  await page.goto(env.base + '/gov/complaints');
  const row = page.locator('.el-table__body tr.el-table__row').first();
  await row.waitFor();
  await row.click();
  await page.waitForURL(/\/gov\/complaints\/\d+/);
  await page.getByText('夜间施工噪声扰民（浏览器测试）').first().waitFor();
  await page.locator('button[data-action="handle"]').click();
  await page.locator('[data-test="confirm"]').click();
  await page.locator('[data-test="state"]', { hasText: '办理中' }).waitFor();
  await page.locator('button[data-action="resolve"]').click();
  await page.locator('[data-test="confirm"]').click();
  await page.getByText('请填写理由').waitFor(); // validated before sending
  await page.locator('.el-dialog .el-form-item', { hasText: '理由' }).locator('textarea').fill('已责令施工单位停止夜间施工');
  await page.locator('[data-test="confirm"]').click();
  await page.locator('[data-test="state"]', { hasText: '已办结' }).waitFor();
  await shot(page, 'gov-complaint-resolved-street');
  const id = page.url().split('/').pop();
  await page.context().close();

  const bp = await loginAs(b, env, 'bureau');
  await bp.goto(env.base + '/gov/complaints/' + id);
  await bp.getByLabel('公开的办理结果').fill('已责令施工单位停止夜间施工');
  await bp.getByRole('button', { name: '向公众公开办理结果' }).click();
  await bp.getByRole('button', { name: '撤回公开' }).waitFor();
  await bp.context().close();
  const pub = await fetch(env.apiBase + '/api/v1/complaints/status/' + filed.receipt).then((r) => r.json());
  assert(JSON.stringify(pub).includes('已责令施工单位停止夜间施工'), 'the public status shows the published result: ' + JSON.stringify(pub));
});
