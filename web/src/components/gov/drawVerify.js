// eg-draw-1 in the browser: re-runs a published random draw (双随机、一公开) from its seed and
// pools and compares it with the published list, so that anyone can check a draw without
// trusting the server. Written from the specification in src/govern/govern.h ("The reproducible
// draw"), independently of src/govern/draw.c:
//  1. key = SHA-256(UTF-8 seed); random words: ChaCha20 (DJB's original: 64-bit block counter
//     from 0, 8-byte nonce of zeros) keystream read as little-endian uint32 in order;
//  2. uniform(n): reject w >= 2^32 - (2^32 mod n), else w mod n;
//  3. objects ordered by category then key (bytewise, as strcmp), per category a partial
//     Fisher–Yates draws the quota;
//  4. inspectors ordered by key; per drawn object a partial Fisher–Yates over the inspector array
//     (kept between objects) fills a team of team_size, skipping recused pairs.
// Pure JavaScript (no crypto.subtle, which plain-HTTP pages do not have).
export const ALGORITHM = 'eg-draw-1 chacha20(sha256(seed)) fisher-yates';

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const rotr = (x, n) => (x >>> n) | (x << (32 - n));

// SHA-256 (FIPS 180-4) of bytes -> 32 bytes
export function sha256(bytes) {
  const l = bytes.length;
  const n = ((l + 9 + 63) >> 6) << 6;
  const m = new Uint8Array(n);
  m.set(bytes);
  m[l] = 0x80;
  const dv = new DataView(m.buffer);
  dv.setUint32(n - 8, Math.floor(l / 0x20000000));
  dv.setUint32(n - 4, (l << 3) >>> 0);
  const h = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
  const w = new Uint32Array(64);
  for (let off = 0; off < n; off += 64) {
    for (let i = 0; i < 16; i++) w[i] = dv.getUint32(off + 4 * i);
    for (let i = 16; i < 64; i++) {
      const s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3);
      const s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) >>> 0;
    }
    let [a, b, c, d, e, f, g, hh] = h;
    for (let i = 0; i < 64; i++) {
      const t1 = (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i]) >>> 0;
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) >>> 0;
      hh = g; g = f; f = e; e = (d + t1) >>> 0; d = c; c = b; b = a; a = (t1 + t2) >>> 0;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
  }
  const out = new Uint8Array(32);
  const ov = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) ov.setUint32(4 * i, h[i]);
  return out;
}

// The random words: ChaCha20 keystream of the 32-byte key, nonce 0, counter from 0.
export function stream(key) {
  const kv = new DataView(key.buffer, key.byteOffset, 32);
  const init = new Uint32Array(16);
  init.set([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]);
  for (let i = 0; i < 8; i++) init[4 + i] = kv.getUint32(4 * i, true);
  let counter = 0;
  let block = new Uint32Array(16);
  let pos = 16;
  const x = new Uint32Array(16);
  const qr = (a, b, c, d) => {
    x[a] += x[b]; x[d] = rotr(x[d] ^ x[a], 16);
    x[c] += x[d]; x[b] = rotr(x[b] ^ x[c], 20);
    x[a] += x[b]; x[d] = rotr(x[d] ^ x[a], 24);
    x[c] += x[d]; x[b] = rotr(x[b] ^ x[c], 25);
  };
  return function word() {
    if (pos === 16) {
      init[12] = counter >>> 0;
      init[13] = Math.floor(counter / 0x100000000);
      counter++;
      x.set(init);
      for (let r = 0; r < 10; r++) {
        qr(0, 4, 8, 12); qr(1, 5, 9, 13); qr(2, 6, 10, 14); qr(3, 7, 11, 15);
        qr(0, 5, 10, 15); qr(1, 6, 11, 12); qr(2, 7, 8, 13); qr(3, 4, 9, 14);
      }
      block = new Uint32Array(16);
      for (let i = 0; i < 16; i++) block[i] = (x[i] + init[i]) >>> 0;
      pos = 0;
    }
    return block[pos++];
  };
}

const enc = new TextEncoder();
function cmpBytes(a, b) {
  const x = enc.encode(a);
  const y = enc.encode(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

// Runs the draw of a published document {seed, team_size, quotas, objects, inspectors,
// recusals}: [{object, category, unit_id, team: [key…]}…]. Throws an Error in Chinese on bad input.
export function runDraw(doc) {
  const fail = (m) => { throw new Error(m); };
  if (typeof doc?.seed !== 'string' || !doc.seed) fail('缺少种子 (seed)');
  if (doc.algorithm !== undefined && doc.algorithm !== ALGORITHM) fail('算法不是 ' + ALGORITHM + '，无法在此核验');
  const teamSize = doc.team_size;
  if (!Number.isInteger(teamSize) || teamSize < 2) fail('每组检查人员 (team_size) 至少 2 人');
  const objects = doc.objects || [];
  const inspectors = doc.inspectors || [];
  if (!Array.isArray(objects) || !Array.isArray(inspectors)) fail('objects 与 inspectors 必须是数组');
  objects.forEach((o, i) => (typeof o?.key !== 'string' || typeof o?.category !== 'string' || !Number.isInteger(o?.unit_id)) && fail(`第 ${i + 1} 个检查对象的 key、category 或 unit_id 有误`));
  inspectors.forEach((o, i) => (typeof o?.key !== 'string' || !Number.isInteger(o?.id)) && fail(`第 ${i + 1} 名检查人员的 key 或 id 有误`));
  const quotas = doc.quotas || {};
  const rec = new Set((doc.recusals || []).map((p) => p[0] + ':' + p[1]));
  const ord = objects.map((_, i) => i).sort((a, b) => cmpBytes(objects[a].category, objects[b].category) || cmpBytes(objects[a].key, objects[b].key));
  const ins = inspectors.map((_, i) => i).sort((a, b) => cmpBytes(inspectors[a].key, inspectors[b].key));
  for (let i = 1; i < ord.length; i++) if (objects[ord[i]].key === objects[ord[i - 1]].key && objects[ord[i]].category === objects[ord[i - 1]].category) fail('检查对象重复：' + objects[ord[i]].key);
  for (let i = 1; i < ins.length; i++) if (inspectors[ins[i]].key === inspectors[ins[i - 1]].key) fail('检查人员重复：' + inspectors[ins[i]].key);
  const word = stream(sha256(enc.encode(doc.seed)));
  const uniform = (n) => {
    const lim = 0x100000000 - (0x100000000 % n);
    for (;;) {
      const w = word();
      if (w < lim) return w % n;
    }
  };
  const drawn = [];
  for (let a = 0; a < ord.length;) {
    let b = a;
    while (b < ord.length && objects[ord[b]].category === objects[ord[a]].category) b++;
    const n = b - a;
    const k = Math.min(Number(quotas[objects[ord[a]].category] || 0), n);
    for (let i = 0; i < k; i++) {
      const j = i + uniform(n - i);
      [ord[a + i], ord[a + j]] = [ord[a + j], ord[a + i]];
      drawn.push(ord[a + i]);
    }
    a = b;
  }
  return drawn.map((d) => {
    const o = objects[d];
    const team = [];
    for (let pos = 0; pos < ins.length && team.length < teamSize; pos++) {
      const j = pos + uniform(ins.length - pos);
      [ins[pos], ins[j]] = [ins[j], ins[pos]];
      if (rec.has(inspectors[ins[pos]].id + ':' + o.unit_id)) continue; // 回避
      team.push(inspectors[ins[pos]].key);
    }
    if (team.length < teamSize) fail(`检查对象 ${o.key} 可用（未回避）的检查人员只有 ${team.length} 名，不足每组 ${teamSize} 名`);
    return { object: o.key, category: o.category, unit_id: o.unit_id, team };
  });
}

// Compares a published document's "result" with the re-run: {ok, message, rerun}.
export function verifyDraw(doc) {
  const rerun = runDraw(doc);
  const want = doc.result || [];
  for (let i = 0; i < Math.max(want.length, rerun.length); i++) {
    const w = want[i];
    const g = rerun[i];
    if (!w) return { ok: false, rerun, message: `公布的名单只有 ${want.length} 个对象，重新抽取得到 ${rerun.length} 个` };
    if (!g) return { ok: false, rerun, message: `公布的名单有 ${want.length} 个对象，重新抽取只得到 ${rerun.length} 个` };
    if (w.object !== g.object) return { ok: false, rerun, message: `第 ${i + 1} 位：公布为 ${w.object}，重新抽取为 ${g.object}` };
    if (!Array.isArray(w.team) || w.team.join('\u0001') !== g.team.join('\u0001')) return { ok: false, rerun, message: `第 ${i + 1} 位（${g.object}）的检查组不一致：公布为 ${(w.team || []).join('、')}，重新抽取为 ${g.team.join('、')}` };
  }
  return { ok: true, rerun, message: `核验一致：${rerun.length} 个检查对象及其检查组与公布的名单相同` };
}
