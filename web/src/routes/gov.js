// The governance pages (issue 15 item 2, 4th–5th bullets): alerts, tasks (三监联动), complaints,
// stewards' inspections, random draws, the positive list, credit and repair, cases, pilot
// rounds, plans, suggestions. Each page asks the API, which answers with the caller's scope;
// meta.roles only keeps a role from pages it has nothing on.
const staff = ['bureau', 'street'];
const G = '监管业务';
const P = '治理与评价';
export const routes = [
  { path: '/gov/tasks', component: () => import('../pages/gov/Tasks.vue'), meta: { title: '三监联动任务', menu: G, order: 20, roles: ['bureau', 'street', 'enterprise', 'steward'] } },
  { path: '/gov/tasks/:id', component: () => import('../pages/gov/FlowRecordPage.vue'), props: { kind: 'tasks' }, meta: { title: '任务详情', roles: ['bureau', 'street', 'enterprise', 'steward'] } },
];
void staff;
void P;
