// The district boundaries (GET /api/v1/geo/{name}, served by envgov: OpenStreetMap, WGS-84,
// ODbL 1.0), fetched once per name. Separate from echarts.js so that a page can start the
// download before the chart library has arrived.
const cache = new Map();
export function geoJson(name) {
  if (!cache.has(name)) {
    cache.set(name, fetch('/api/v1/geo/' + name).then((r) => {
      if (!r.ok) throw new Error('地图边界数据加载失败 (' + r.status + ')，请刷新页面重试');
      return r.json();
    }).catch((e) => { cache.delete(name); throw e; }));
  }
  return cache.get(name);
}
