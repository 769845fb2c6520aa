// Random draws in the browser (issue 15 item 4: "run a draw and verify it"; the algorithm is
// eg-draw-1 of src/govern/govern.h). The draw is run by `envgov draw run` (this branch's server
// has no draw routes over HTTP: the page says which are missing) and verified in the page by its
// own JavaScript implementation of eg-draw-1, which must reproduce the C draw exactly: 300
// objects in 3 categories, Chinese and ASCII keys, 30 inspectors, 60 recusal pairs, teams of 3.
// A published list with two inspectors swapped is refused, naming the position.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { BIN, assert, loginAs, shot, test } from './lib.mjs';

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
  await page.goto(env.base + '/gov/draws');
  await page.locator('[data-test="draws-missing"]').waitFor(); // no draw routes on this server yet
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
