// The API client: every call of the pages goes through api(). It sends the bearer token,
// parses JSON, and turns failures into an Error whose message is plain Chinese saying what to
// do (err.status, err.code and err.body keep the details).
import { session, clearSession } from './session.js';
import { router } from './router.js';

const STATUS_ZH = {
  400: '请求有误，请检查填写的内容',
  401: '登录已过期，请重新登录',
  403: '没有权限查看或操作此项',
  404: '找不到该记录',
  409: '与已有记录冲突（可能已被他人修改），请刷新后重试',
  413: '上传内容过大',
  422: '数据未通过校验，请按提示修改',
  429: '操作过于频繁，请稍后再试',
  503: '服务繁忙，请稍后再试',
};

export async function api(path, { method = 'GET', body, query, raw } = {}) {
  const url = new URL('/api/v1' + path, location.origin);
  for (const [k, v] of Object.entries(query || {}))
    if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, v);
  const headers = {};
  if (session.token) headers.Authorization = 'Bearer ' + session.token;
  let payload = body;
  if (body !== undefined && !(body instanceof FormData) && !(body instanceof Blob)) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(url, { method, headers, body: payload });
  } catch (e) {
    throw Object.assign(new Error('无法连接服务器，请检查网络后重试'), { status: 0 });
  }
  if (res.status === 401 && session.token) {
    clearSession();
    router.push({ path: '/login', query: { next: router.currentRoute.value.fullPath } });
  }
  if (!res.ok) {
    let b = null;
    try { b = await res.json(); } catch (e) { /* not JSON */ }
    const detail = b?.error?.message_zh || b?.error?.message || '';
    const msg = (STATUS_ZH[res.status] || `服务器错误 (${res.status})`) + (detail ? '：' + detail : '');
    throw Object.assign(new Error(msg), { status: res.status, code: b?.error?.code, body: b });
  }
  if (raw) return res;
  if (res.status === 204) return null;
  const type = res.headers.get('Content-Type') || '';
  return type.includes('json') ? res.json() : res.text();
}
