// The governance pages (issue 15 item 2, 4th–5th bullets): alerts, tasks (三监联动), complaints,
// stewards' inspections, random draws, the positive list, credit and repair, cases with the
// penalty computation, pilot rounds, plans, suggestions. Each page asks the API, which answers
// within the caller's scope (a street's region, an enterprise's own unit, a steward's contracts);
// meta.roles only keeps a role away from pages it has nothing on.
const all = ['bureau', 'street', 'enterprise', 'steward'];
const staff = ['bureau'];
const G = '监管业务';
const P = '治理与评价';
const page = (name) => () => import(`../pages/gov/${name}.vue`);
export const routes = [
  { path: '/gov/alerts', component: page('Alerts'), meta: { title: '预警', menu: G, order: 10, roles: ['bureau', 'street', 'steward'] } },
  { path: '/gov/tasks', component: page('Tasks'), meta: { title: '三监联动任务', menu: G, order: 20, roles: all } },
  { path: '/gov/tasks/:id', component: page('FlowRecordPage'), props: { kind: 'tasks' }, meta: { title: '任务详情', roles: all } },
  { path: '/gov/complaints', component: page('Complaints'), meta: { title: '投诉举报', menu: G, order: 30, roles: ['bureau', 'street'] } },
  { path: '/gov/complaints/:id', component: page('ComplaintPage'), meta: { title: '投诉详情', roles: ['bureau', 'street'] } },
  { path: '/gov/inspections', component: page('Inspections'), meta: { title: '环保管家检查', menu: G, order: 40, roles: all } },
  { path: '/gov/inspections/:id', component: page('InspectionPage'), meta: { title: '检查详情', roles: all } },
  { path: '/gov/draws', component: page('Draws'), meta: { title: '双随机抽查', menu: G, order: 50, roles: all } },
  { path: '/gov/cases', component: page('Cases'), meta: { title: '行政处罚案件', menu: G, order: 60, roles: ['bureau', 'enterprise'] } },
  { path: '/gov/cases/:id', component: page('FlowRecordPage'), props: { kind: 'cases' }, meta: { title: '案件详情', roles: ['bureau', 'enterprise'] } },
  { path: '/gov/penalty', component: page('Penalty'), meta: { title: '罚款裁量计算', menu: G, order: 70, roles: staff } },
  { path: '/gov/poslist', component: page('PosList'), meta: { title: '执法正面清单', menu: P, order: 10, roles: staff } },
  { path: '/gov/credit', component: page('Credit'), meta: { title: '环境信用评价', menu: P, order: 20, roles: ['bureau', 'street', 'enterprise'] } },
  { path: '/gov/credit-repairs', component: page('CreditRepairs'), meta: { title: '信用修复', menu: P, order: 30, roles: ['bureau', 'enterprise'] } },
  { path: '/gov/credit-repairs/:id', component: page('FlowRecordPage'), props: { kind: 'credit_repairs' }, meta: { title: '信用修复申请', roles: ['bureau', 'enterprise'] } },
  { path: '/gov/pilot', component: page('PilotRounds'), meta: { title: '试点示范评选', menu: P, order: 40, roles: all } },
  { path: '/gov/pilot/:id', component: page('PilotRound'), meta: { title: '试点示范批次', roles: all } },
  { path: '/gov/pilot-applications/:id', component: page('PilotApplicationPage'), meta: { title: '试点示范申报', roles: all } },
  { path: '/gov/plans', component: page('Plans'), meta: { title: '行动计划', menu: P, order: 50, roles: ['bureau', 'street'] } },
  { path: '/gov/plan-tasks/:id', component: page('PlanTaskPage'), meta: { title: '计划任务', roles: ['bureau', 'street'] } },
  { path: '/gov/suggestions', component: page('Suggestions'), meta: { title: '建议办理', menu: P, order: 60, roles: ['bureau', 'street'] } },
  { path: '/gov/suggestions/:id', component: page('SuggestionPage'), meta: { title: '建议详情', roles: ['bureau', 'street'] } },
];
