// The frame and the rendering itself: Chinese really renders (fonts-noto-cjk), each role logs in
// through the form and sees its own menu.
import assert from 'node:assert/strict';
import { test } from './lib.mjs';

test('chinese renders in a CJK font, not as tofu boxes', async ({ page, server, shot, figure }) => {
  await page.goto(server.url + '/login');
  await page.getByText('登录 envgov').waitFor();
  // 1. the platform font chromium really used for the brand's text (DevTools protocol)
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('DOM.enable');
  await cdp.send('CSS.enable');
  const { root } = await cdp.send('DOM.getDocument');
  const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector: '.brand' });
  const { fonts } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId });
  const names = fonts.map((f) => `${f.familyName} (${f.glyphCount})`).join(', ');
  figure('font of 生态环境治理平台', names);
  assert.ok(fonts.some((f) => /CJK|Hei|PingFang|YaHei|Han Sans|WenQuanYi/i.test(f.familyName)),
    'the Chinese text is drawn in ' + names + ', not a CJK font: install fonts-noto-cjk');
  // 2. the pixels: two different characters draw differently, and neither is the box drawn for
  //    an unassigned code point (what every character looks like without a CJK font)
  const px = await page.evaluate(() => {
    const font = getComputedStyle(document.body).fontSize + ' ' + getComputedStyle(document.body).fontFamily;
    const draw = (s) => {
      const c = document.createElement('canvas');
      c.width = 40; c.height = 40;
      const g = c.getContext('2d');
      g.font = font.replace(/^\S+/, '32px');
      g.fillStyle = '#000';
      g.fillText(s, 2, 32);
      return Array.from(g.getImageData(0, 0, 40, 40).data.filter((_, i) => i % 4 === 3)).join(',');
    };
    return { a: draw('环'), b: draw('境'), tofu: draw('\u0378') };
  });
  assert.notEqual(px.a, px.b, '环 and 境 draw the same pixels: tofu boxes');
  assert.notEqual(px.a, px.tofu, '环 draws as the box of an unassigned code point');
  await shot(page, 'login');
});

test('each role logs in through the form and sees its menu', async ({ page, login, server }) => {
  const expect = {
    admin: ['系统管理'],
    bureau: ['总览'],
    street: ['总览'],
    enterprise: [],
    steward: [],
  };
  for (const role of Object.keys(expect)) {
    await login(page, role);
    const who = await page.locator('.who').innerText();
    assert.match(who, /w_/);
    for (const g of expect[role]) await page.locator('.el-menu-item-group__title', { hasText: g }).first().waitFor();
    await page.evaluate(() => sessionStorage.clear());
  }
});

test('a wrong password says so in Chinese', async ({ page, server }) => {
  await page.goto(server.url + '/login');
  await page.getByLabel('用户名').fill('w_bureau');
  await page.getByLabel('密码').fill('not-the-password');
  await page.getByRole('button', { name: '登录' }).last().click();
  await page.getByText('用户名或密码不正确').waitFor();
});
