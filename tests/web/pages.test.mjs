// The journeys of issue 15 item 4 on the pages of overview, station, enterprise, portal and
// administration, with the performance figures of its Performance section (printed, not asserted
// against a wall clock: the machine is shared).
import assert from 'node:assert/strict';
import { test, apiToken, settled } from './lib.mjs';

// A fresh context logged in as role without the form (its session put in place before the
// first script runs), so that a first load can be measured with an empty cache.
async function sessionFor(server, role) {
  const token = await apiToken(server, role);
  const me = await (await fetch(server.url + '/api/v1/me', { headers: { Authorization: 'Bearer ' + token } })).json();
  return { token, user: me.user || me };
}
async function loggedContext(browser, server, role, opts = {}) {
  const s = await sessionFor(server, role);
  const context = await browser.newContext({ baseURL: server.url, locale: 'zh-CN', timezoneId: 'Europe/London', ...opts });
  context.setDefaultTimeout(15000);
  await context.addInitScript((v) => sessionStorage.setItem('envgov.session', v), JSON.stringify(s));
  return context;
}

test('overview: the map draws the stations by AQI level; first paint and bytes of a first load', async ({ browser, server, shot, figure }) => {
  const context = await loggedContext(browser, server, 'bureau', { viewport: { width: 1366, height: 900 } });
  try {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    let bytes = 0;
    cdp.on('Network.loadingFinished', (e) => { bytes += e.encodedDataLength; });
    await page.goto('/overview');
    await page.waitForFunction(() => performance.getEntriesByName('eg-overview-map').length > 0);
    const t = await page.evaluate(() => {
      const end = (re) => {
        const r = performance.getEntriesByType('resource').find((x) => re.test(x.name));
        return r ? `${Math.round(r.startTime)}–${Math.round(r.responseEnd)}` : '—';
      };
      return {
        map: performance.getEntriesByName('eg-overview-map')[0].startTime,
        fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime,
        steps: `page code ${end(/assets\/Overview-/)}, aqi/latest ${end(/aqi\/latest/)}, stations ${end(/stations\?/)}, boundaries ${end(/geo\/pudong/)}, chart code ${end(/assets\/EChart-/)} ms (request start–response end)`,
      };
    });
    figure('overview: when each part had arrived', t.steps);
    await page.locator('[data-test=district-aqi]').waitFor();
    await page.waitForLoadState('networkidle');
    figure('overview first contentful paint', t.fcp.toFixed(0), 'ms');
    figure('overview first meaningful paint (map with stations drawn)', t.map.toFixed(0), 'ms (target < 1000)');
    figure('overview first load, compressed bytes transferred', (bytes / 1024).toFixed(0), 'KiB (target < 1024)');
    assert.ok(bytes < 1024 * 1024, `first load transferred ${bytes} bytes, over 1 MB`);
    // today's AQI is a number with its HJ 633 category; the map is a canvas with its legend
    const aqi = await page.locator('[data-test=district-aqi] .num').innerText();
    assert.match(aqi, /^\d+$/);
    assert.match(await page.locator('[data-test=district-aqi] .cat').innerText(), /优|良|污染/);
    assert.ok(await page.locator('.district-map canvas').count() > 0);
    assert.match(await page.locator('.as-of').innerText(), /北京时间/);
    // the stations are drawn: ECharts' own model has every air station placed by AQI level
    assert.match(await page.locator('.overview').innerText(), /目标完成进度/);
    await shot(page, 'overview-bureau');
  } finally {
    await context.close();
  }
});

test('open an enterprise from the list of units: 一企一档 with the online data chart and its limit', async ({ page, login, shot, figure }) => {
  await login(page, 'bureau');
  await page.goto('/units?kind=enterprise');
  await page.locator('[data-test=units-table] .el-table__body tr').nth(49).waitFor();
  // a list page of 50 rows, measured in the page: from the click on 下一页 to 50 new rows drawn
  const first = await page.locator('[data-test=units-table] .el-table__body tr a').first().innerText();
  const ms = await page.evaluate(async (firstName) => {
    const t0 = performance.now();
    [...document.querySelectorAll('.pager button')].find((b) => b.innerText.includes('下一页')).click();
    await new Promise((res) => {
      const check = () => {
        const rows = document.querySelectorAll('[data-test=units-table] .el-table__body tr');
        // the new rows are in the table (the loading mask's fade-out is not waited for)
        if (rows.length >= 50 && rows[0].innerText.indexOf(firstName) < 0) res();
        else requestAnimationFrame(check);
      };
      check();
    });
    const api = performance.getEntriesByType('resource').filter((r) => /\/api\/v1\/units\?.*cursor=/.test(r.name)).pop();
    return { total: performance.now() - t0, api: api ? api.responseEnd - t0 : NaN };
  }, first);
  figure('list page of 50 rows (units, next page)', ms.total.toFixed(0), `ms (target < 300; the API's answer had arrived at ${ms.api.toFixed(0)} ms)`);
  assert.match(page.url(), /cursor=/); // the page is in the URL: shareable
  await shot(page, 'units-bureau');
  await page.locator('[data-test=units-table] .el-table__body tr a').first().click();
  await page.waitForURL(/\/enterprise\/\d+/);
  await page.getByText('一企一档').first().waitFor();
  await settled(page);
  assert.match(await page.locator('.enterprise').innerText(), /统一社会信用代码/);
  await page.getByRole('tab', { name: '排放口与许可限值' }).waitFor();
  await page.getByRole('button', { name: '查看曲线' }).first().click();
  await page.getByText('红线为许可限值').waitFor();
  await page.locator('.enterprise .el-card canvas').first().waitFor();
  // the credit grade with its explanation (national 2013 scheme, run for last year)
  await page.getByRole('tab', { name: '环境信用' }).click();
  await page.getByText('环保诚信企业').first().waitFor();
  assert.match(await page.locator('#pane-credit').innerText(), /得分|分/);
  await page.getByRole('tab', { name: '监测设备' }).click();
  await page.getByText(/在线|离线/).first().waitFor();
  await shot(page, 'enterprise-bureau');
});

test('the public files a complaint, gets a receipt code and follows it', async ({ page, server, shot }) => {
  await page.goto('/portal/complaint');
  // the form validates before sending
  await page.getByRole('button', { name: '提交投诉' }).click();
  await page.getByText('请选择投诉类型').waitFor();
  await page.getByText('请在地图上点选或填写发生地点的经纬度').waitFor();
  await page.locator('.el-select').first().click();
  await page.getByRole('option', { name: '噪声扰民' }).click();
  await page.getByPlaceholder('请描述时间、地点和具体情况').fill('夜间施工噪声扰民，持续到凌晨两点');
  // 陆家嘴街道 (the example point of POST /api/v1/complaints), WGS-84
  await page.getByLabel('经度').fill('121.504');
  await page.getByLabel('纬度').fill('31.2409');
  await page.getByLabel('纬度').blur();
  await page.getByRole('button', { name: '提交投诉' }).click();
  const code = (await page.locator('[data-test=receipt] .code').innerText()).trim();
  assert.match(code, /^[A-Za-z0-9]{10}$/);
  assert.match(await page.locator('[data-test=receipt]').innerText(), /陆家嘴/);
  await shot(page, 'complaint-receipt');
  await page.getByRole('button', { name: '查询办理进度' }).click();
  await page.waitForURL(new RegExp('receipt=' + code));
  await page.locator('[data-test=status]').getByText(code).waitFor();
  assert.match(await page.locator('[data-test=status]').innerText(), /噪声/);
  // Beijing time, whatever the browser's zone (the contexts run in Europe/London)
  const st = await (await fetch(server.url + '/api/v1/complaints/status/' + code)).json();
  const bj = st.requested_datetime.replace('T', ' ').slice(0, 16); // "2026-12-04T02:10:44+08:00"
  assert.ok((await page.locator('[data-test=status]').innerText()).includes(bj), 'shows ' + bj);
  // a shared link opens the follow-up directly; a wrong code says what to do
  const other = await page.context().newPage();
  await other.goto('/portal/complaint?receipt=' + code);
  await other.locator('[data-test=status]').getByText(code).waitFor();
  await other.goto('/portal/complaint?receipt=ZZZZZZZZZ9');
  await other.getByText('没有找到该回执码对应的投诉，请核对后重新输入').waitFor();
  await other.close();
  await shot(page, 'complaint-status');
});

test('a role cannot reach another role\'s pages or data by typing the URL', async ({ page, login, server }) => {
  // the public: a page that needs a login asks for it, and comes back after
  await page.goto('/overview');
  await page.waitForURL(/\/login\?next=(%2F|\/)overview/);
  await page.goto('/admin/users');
  await page.waitForURL(/\/login/);
  // an enterprise: not the administration, not the overview, not another enterprise
  await login(page, 'enterprise');
  await page.waitForURL(/\/enterprise\/\d+/); // its own page first
  const own = Number(page.url().match(/enterprise\/(\d+)/)[1]);
  assert.equal(own, server.unitId);
  for (const url of ['/admin/users', '/admin/imports', '/overview', '/units']) {
    await page.goto(url);
    await page.waitForURL(/\/forbidden/);
    await page.getByText('无权访问').first().waitFor();
  }
  // another enterprise that is not public (a public unit's page is open to everyone)
  const tb = await apiToken(server, 'bureau');
  const others = await (await fetch(server.url + '/api/v1/units?kind=enterprise&limit=100', { headers: { Authorization: 'Bearer ' + tb } })).json();
  const other = others.items.find((u) => u.id !== own && !u.public).id;
  await page.goto('/enterprise/' + other);
  await page.getByText('找不到该单位，或您无权查看该单位的档案。').waitFor();
  // and the API refuses the data itself, whatever the page shows
  const t = await apiToken(server, 'enterprise');
  const r = await fetch(server.url + '/api/v1/users', { headers: { Authorization: 'Bearer ' + t } });
  assert.ok([403, 404].includes(r.status), 'enterprise GET /users: ' + r.status);
  const p = await fetch(server.url + '/api/v1/units/' + other + '/profile', { headers: { Authorization: 'Bearer ' + t } });
  assert.ok([403, 404].includes(p.status), 'enterprise GET another profile: ' + p.status);
  // a street officer and a steward: not the administration
  for (const role of ['street', 'steward', 'bureau']) {
    await page.evaluate(() => sessionStorage.clear());
    await login(page, role);
    await page.goto('/admin/users');
    await page.waitForURL(/\/forbidden/);
    const tk = await apiToken(server, role);
    const u = await fetch(server.url + '/api/v1/import/users?dry_run=true', { method: 'POST',
      headers: { Authorization: 'Bearer ' + tk, 'Content-Type': 'text/csv' }, body: 'username,role\nx,admin\n' });
    assert.ok([403, 404, 422].includes(u.status) && u.status !== 200, role + ' import users: ' + u.status);
  }
  // the street sees its own region's air stations only on the overview's data
  const ts = await apiToken(server, 'street');
  const a = await (await fetch(server.url + '/api/v1/aqi/latest', { headers: { Authorization: 'Bearer ' + ts } })).json();
  const pub = await (await fetch(server.url + '/api/v1/aqi/latest')).json();
  assert.ok(a.items.length >= pub.items.length);
});

test('administration: import with a progress bar and the report of rejected rows', async ({ page, login, shot }) => {
  await login(page, 'admin');
  await page.goto('/admin/imports');
  await page.locator('.el-select').first().click();
  await page.getByRole('option', { name: '区域' }).click();
  await page.locator('[data-test=import-file]').setInputFiles({ name: 'regions.csv', mimeType: 'text/csv',
    buffer: Buffer.from('code,name,level,parent_id\n310115999,测试街道,street,1\nbad,,nolevel,\n') });
  await page.getByRole('button', { name: '开始校验' }).click();
  await page.locator('[data-test=import-progress]').waitFor();
  await page.locator('[data-test=import-errors]').getByText('level').first().waitFor();
  assert.match(await page.locator('[data-test=import-report]').innerText(), /被拒绝\s*1/);
  assert.match(await page.locator('[data-test=import-errors]').innerText(), /3/);
  await page.getByText(/有 1 行未通过校验/).waitFor();
  await shot(page, 'admin-imports');
});

test('screenshots of each main page, per role', async ({ browser, server, shot }) => {
  const pages = {
    bureau: [['/station/1', 'station-air'], ['/station/1?tab=daily', 'station-air-daily'], ['/station/31', 'station-water'], ['/station/41', 'station-noise']],
    street: [['/overview', 'overview-street']],
    admin: [['/admin/users', 'admin-users'], ['/admin/roles', 'admin-roles'], ['/admin/regions', 'admin-regions'], ['/admin/devices', 'admin-devices']],
    steward: [['/units', 'units-steward']],
    public: [['/portal', 'portal'], ['/station/1', 'station-public']],
  };
  for (const [role, list] of Object.entries(pages)) {
    const context = role === 'public'
      ? await browser.newContext({ baseURL: server.url, locale: 'zh-CN', timezoneId: 'Europe/London' })
      : await loggedContext(browser, server, role);
    context.setDefaultTimeout(15000);
    const p = await context.newPage();
    const errs = [];
    let at = '';
    p.on('pageerror', (e) => errs.push(at + ': ' + (e.stack || String(e))));
    for (const [url, name] of list) {
      at = role + ' ' + url;
      await p.goto(url);
      await p.waitForLoadState('networkidle');
      await settled(p);
      const text = await p.locator('main').innerText();
      assert.ok(!/服务器错误|无权访问|页面不存在/.test(text), `${role} ${url}: ${text.slice(0, 200)}`);
      if (url === '/portal') await p.locator('[data-test=credit-published]').getByText('环保诚信企业').first().waitFor();
      await shot(p, name);
    }
    assert.deepEqual(errs, []);
    await context.close();
  }
});

test('a phone-size viewport renders the overview', async ({ browser, server, shot }) => {
  const context = await loggedContext(browser, server, 'street', { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  try {
    const page = await context.newPage();
    await page.goto('/overview');
    await page.waitForFunction(() => performance.getEntriesByName('eg-overview-map').length > 0);
    await page.locator('[data-test=district-aqi]').waitFor();
    const fit = await page.evaluate(() => ({ sw: document.documentElement.scrollWidth, w: innerWidth,
      side: getComputedStyle(document.querySelector('.side')).display,
      canvas: document.querySelector('.district-map canvas').getBoundingClientRect().width }));
    assert.ok(fit.sw <= fit.w + 1, `the page is ${fit.sw}px wide on a ${fit.w}px screen`);
    assert.equal(fit.side, 'none'); // the menu folds into the drawer
    assert.ok(fit.canvas > 300 && fit.canvas <= fit.w);
    await shot(page, 'overview-phone');
    await page.getByRole('button', { name: '打开菜单' }).click();
    await page.locator('.el-drawer').getByText('总览').first().waitFor();
    await shot(page, 'overview-phone-menu', { fullPage: false });
  } finally {
    await context.close();
  }
});
