// Administration: the admin only.
const admin = ['admin'];
const list = (resource, title, order) => ({
  path: '/admin/' + resource, component: () => import('../pages/admin/RegistryList.vue'),
  props: { resource }, meta: { title, roles: admin, menu: '系统管理', order },
});
export const routes = [
  list('users', '用户管理', 1),
  { path: '/admin/roles', component: () => import('../pages/admin/Roles.vue'),
    meta: { title: '角色与权限', roles: admin, menu: '系统管理', order: 2 } },
  list('regions', '区域管理', 3),
  list('devices', '设备管理', 4),
  { path: '/admin/imports', component: () => import('../pages/admin/Imports.vue'),
    meta: { title: '批量导入', roles: admin, menu: '系统管理', order: 5 } },
];
