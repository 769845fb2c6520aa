// The overview (map, today's AQI, targets, open alerts and overdue tasks) and the station page.
export const routes = [
  { path: '/overview', component: () => import('../pages/overview/Overview.vue'),
    meta: { title: '总览', roles: ['bureau', 'street'], menu: '总览', order: 1 } },
  // a station's data is public where the station is; the API decides what each caller sees
  { path: '/station/:id', component: () => import('../pages/overview/Station.vue'),
    meta: { title: '监测站点', roles: ['public'] } },
];
