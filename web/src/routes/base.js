// Login, the landing page (it sends each role to its first page) and the error pages.
const everyone = ['public'];
export const routes = [
  { path: '/login', component: () => import('../pages/Login.vue'), meta: { title: '登录', roles: everyone } },
  { path: '/forbidden', component: () => import('../pages/Forbidden.vue'), meta: { title: '无权访问', roles: everyone } },
  { path: '/', component: () => import('../pages/Home.vue'), meta: { title: '首页', roles: everyone } },
];
