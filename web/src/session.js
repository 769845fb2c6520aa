// The logged-in user: token and principal kept in sessionStorage (a tab's session), so a
// reload keeps the login and closing the tab ends it. role: admin | bureau | street |
// enterprise | steward; null when not logged in (the public).
import { reactive } from 'vue';

const saved = JSON.parse(sessionStorage.getItem('envgov.session') || 'null');
export const session = reactive({ token: saved?.token || null, user: saved?.user || null });

export function setSession(token, user) {
  session.token = token;
  session.user = user;
  sessionStorage.setItem('envgov.session', JSON.stringify({ token, user }));
}

export function clearSession() {
  session.token = null;
  session.user = null;
  sessionStorage.removeItem('envgov.session');
}

export function role() {
  return session.user?.role || 'public';
}
