// 三监联动 tasks in the browser (issue 15 item 4: "act on a task to its close"; workflow in
// docs/workflow.md "The task loop"): the street receives, starts, reports progress, executes,
// attaches evidence and feeds back through the page's forms; the bureau closes. A street officer
// typing the URL of another street's task gets the not-found page, and the list shows only its
// street's tasks.
import { api, assert, loginAs, shot, test } from './lib.mjs';

// A 1×1 PNG: evidence whose type the server reads from its bytes.
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000' + '1f15c4890000000d49444154789c63f8cfc0f01f0005000201e2a2c3b80000000049454e44ae426082', 'hex');

async function act(page, action) {
  await page.locator(`button[data-action="${action}"]`).click();
}
async function confirm(page) {
  await page.locator('[data-test="confirm"]').click();
  await page.locator('.el-dialog').waitFor({ state: 'hidden' });
}
async function stateIs(page, zh) {
  await page.locator('[data-test="state"]', { hasText: zh }).waitFor();
}

test('gov_tasks_street_acts_to_close_bureau_closes', async ({ env, browser: b }) => {
  const lj = await api(env, 'bureau', 'GET', '/regions?q=' + encodeURIComponent('陆家嘴街道') + '&limit=1');
  const t = await api(env, 'bureau', 'POST', '/tasks', { title: '核查扬尘投诉（浏览器测试）', task_type: 'supervision', origin: 'person', place: '浦东南路 1 号', to_region_id: lj.items[0].id, description: '现场核查工地扬尘' });
  const page = await loginAs(b, env, 'street', { mobile: true }); // street officers work on phones
  await page.goto(env.base + '/gov/tasks');
  await page.getByText('核查扬尘投诉（浏览器测试）').first().waitFor();
  await shot(page, 'gov-tasks-list-street-mobile');
  await page.goto(env.base + '/gov/tasks/' + t.id);
  await stateIs(page, '已发起');
  await act(page, 'receive');
  await confirm(page);
  await stateIs(page, '已接收');
  await act(page, 'start');
  await confirm(page);
  await stateIs(page, '办理中');
  // report progress (a comment in the timeline)
  await page.getByLabel('进展内容').fill('已到现场，工地正在覆盖裸土');
  await page.locator('[data-test="comment"]').click();
  await page.locator('[data-test="timeline"]').getByText('已到现场，工地正在覆盖裸土').waitFor();
  await act(page, 'execute');
  await confirm(page);
  await stateIs(page, '已执行');
  // evidence: a photo through the file input
  await page.locator('[data-test="file"]').setInputFiles({ name: '现场照片.png', mimeType: 'image/png', buffer: PNG });
  await page.getByText('现场照片.png').waitFor();
  // feed back: the form refuses empty parts before sending
  await act(page, 'feed_back');
  await page.locator('[data-test="confirm"]').click();
  await page.getByText('请填写发现的问题').waitFor();
  const item = (label) => page.locator('.el-dialog .el-form-item', { hasText: label }).locator('textarea');
  await item('发现问题').fill('工地裸土未覆盖');
  await item('采取措施').fill('责令立即覆盖并洒水');
  await item('处理结果').fill('已整改，复查合格');
  await confirm(page);
  await stateIs(page, '已反馈');
  // the street did not issue it (the bureau did), so it may not close it (docs/workflow.md: the
  // issuer closes): the record's `actions` list close by role, the page leaves it out
  await page.locator('[data-test="timeline"]').waitFor();
  assert(!(await page.locator('button[data-action="close"]').count()), 'the street is not offered 办结 on the bureau\'s task');
  const refused = await api(env, 'street', 'POST', '/tasks/' + t.id + '/close', {}).catch((e) => e);
  assert(refused.status === 403, 'the server refuses the street\'s close: ' + refused.status);
  await stateIs(page, '已反馈');
  await page.context().close();

  const bp = await loginAs(b, env, 'bureau');
  await bp.goto(env.base + '/gov/tasks/' + t.id);
  await stateIs(bp, '已反馈');
  await act(bp, 'close');
  await confirm(bp);
  await stateIs(bp, '已办结');
  const tl = bp.locator('[data-test="timeline"]');
  for (const s of ['接收', '开始办理', '执行完毕', '反馈', '办结', '工地裸土未覆盖']) await tl.getByText(s, { exact: false }).first().waitFor();
  await shot(bp, 'gov-task-closed');
  const rec = await api(env, 'bureau', 'GET', '/tasks/' + t.id);
  assert(rec.state === 'closed', 'the task is closed in the API: ' + rec.state);
  assert(rec.feedback_result === '已整改，复查合格', 'the feedback is stored');
  assert((rec.attachments || []).length === 1 && rec.attachments[0].type.includes('png'), 'the photo is stored as PNG');
  await bp.context().close();
});
test('gov_tasks_street_cannot_open_another_streets_task', async ({ env, browser: b }) => {
  const nc = await api(env, 'bureau', 'GET', '/regions?q=' + encodeURIComponent('泥城镇') + '&limit=1');
  const other = await api(env, 'bureau', 'POST', '/tasks', { title: '泥城镇的任务（他街道）', task_type: 'supervision', origin: 'person', place: '泥城镇', to_region_id: nc.items[0].id });
  const page = await loginAs(b, env, 'street');
  await page.goto(env.base + '/gov/tasks/' + other.id); // typed URL
  await page.getByText('找不到该记录，或您无权查看').waitFor();
  assert(!(await page.getByText('泥城镇的任务（他街道）').count()), 'nothing of the other street\'s task is shown');
  assert(!(await page.locator('button[data-action]').count()), 'no action is offered');
  await page.goto(env.base + '/gov/tasks');
  await page.locator('.el-table__body').waitFor();
  await page.waitForLoadState('networkidle');
  assert(!(await page.getByText('泥城镇的任务（他街道）').count()), 'the list hides the other street\'s task');
  await page.context().close();
  // an enterprise is kept from the task page of a task not addressed to its unit too
  const ep = await loginAs(b, env, 'enterprise');
  await ep.goto(env.base + '/gov/tasks/' + other.id);
  await ep.getByText('找不到该记录，或您无权查看').waitFor();
  await ep.context().close();
});
