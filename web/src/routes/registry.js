// The registry as people use it: the list of units and the enterprise page (一企一档).
import { session } from '../session.js';

export const routes = [
  { path: '/units', component: () => import('../pages/registry/Units.vue'),
    meta: { title: '单位档案', roles: ['bureau', 'street', 'steward'], menu: '档案', order: 1 } },
  { path: '/enterprise/:id', component: () => import('../pages/registry/Enterprise.vue'),
    meta: { title: '一企一档', roles: ['bureau', 'street', 'enterprise', 'steward'] } },
  { path: '/my-enterprise', redirect: () => '/enterprise/' + (session.user?.unit_id || 0), meta: { title: '本企业档案', roles: ['enterprise'], menu: '档案', order: 2 } },
];
