// Runs every governance browser test (tests/web/gov-*.test.mjs) against one demo environment:
//   node tests/web/gov-run.mjs [NAME…]      (needs build/envgov and build/web: make web)
// Each test file exports `tests` ([{name, fn(env, browser)}]) and runs alone when executed
// directly; the UI test runner (tests/web/run.mjs) may import the same arrays.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { run } from './gov-lib.mjs';

const dir = path.dirname(fileURLToPath(import.meta.url));
const all = [];
for (const f of fs.readdirSync(dir).filter((f) => /^gov-.*\.test\.mjs$/.test(f)).sort())
  all.push(...(await import(pathToFileURL(path.join(dir, f)).href)).tests);
const t0 = Date.now();
await run(all);
console.log(`gov browser tests: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
