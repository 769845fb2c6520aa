// The public portal: no login.
export const routes = [
  { path: '/portal', component: () => import('../pages/portal/Portal.vue'),
    meta: { title: '信息公开', roles: ['public'], menu: '信息公开', order: 1 } },
  { path: '/portal/complaint', component: () => import('../pages/portal/Complaint.vue'),
    meta: { title: '投诉举报与进度查询', roles: ['public'], menu: '信息公开', order: 2 } },
];
