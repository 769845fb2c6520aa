// The router. Pages register themselves in routes/*.js (one file per area, so that work on
// different areas never edits the same file): each exports `routes`, an array of vue-router
// records whose meta says
//   title:  the Chinese title (menu and browser tab),
//   roles:  who may open it: 'public' (everyone, no login needed), or any of 'bureau',
//           'street', 'enterprise', 'steward' (admin may open every page); absent = every
//           logged-in role,
//   menu:   the menu group it is listed under (absent: not in the menu), order: its place.
// Pages are loaded lazily (() => import(...)), so each page's code is its own chunk.
// State that should survive a reload or be shared (filters, page, tab) lives in the URL query.
import { createRouter, createWebHistory } from 'vue-router';
import { role } from './session.js';

const modules = import.meta.glob('./routes/*.js', { eager: true });
export const pageRoutes = Object.values(modules).flatMap((m) => m.routes || []);

export function allowed(route, who = role()) {
  const roles = route.meta?.roles;
  if (roles?.includes('public')) return true;
  if (who === 'public') return false;
  return !roles || who === 'admin' || roles.includes(who);
}

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    ...pageRoutes,
    { path: '/:rest(.*)*', component: () => import('./pages/NotFound.vue'), meta: { title: '页面不存在', roles: ['public'] } },
  ],
  scrollBehavior: () => ({ top: 0 }),
});

router.beforeEach((to) => {
  if (allowed(to)) return true;
  if (role() === 'public') return { path: '/login', query: { next: to.fullPath } };
  return { path: '/forbidden', query: { from: to.fullPath } };
});

router.afterEach((to) => {
  document.title = (to.meta?.title ? to.meta.title + ' - ' : '') + 'envgov 生态环境治理平台';
});
