// ECharts as the UI uses it: only the chart types and components the pages draw (echarts/core,
// not the whole library), the canvas renderer, and the district boundaries served by envgov
// itself (geo.js).
import { use, init, registerMap, getMap } from 'echarts/core';
import { ScatterChart, LineChart, BarChart } from 'echarts/charts';
import { GeoComponent, TooltipComponent, LegendComponent, GridComponent, MarkLineComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import { geoJson } from './geo.js';

use([ScatterChart, LineChart, BarChart, GeoComponent, TooltipComponent, LegendComponent,
  GridComponent, MarkLineComponent, CanvasRenderer]);

export { init };

export async function loadMap(name) {
  if (!getMap(name)) registerMap(name, await geoJson(name));
  return name;
}

// HJ 633-2012 表 2: AQI 级别与表示颜色
export const AQI_LEVELS = [
  { level: 1, max: 50, name: '优', color: '#00E400' },
  { level: 2, max: 100, name: '良', color: '#FFFF00' },
  { level: 3, max: 150, name: '轻度污染', color: '#FF7E00' },
  { level: 4, max: 200, name: '中度污染', color: '#FF0000' },
  { level: 5, max: 300, name: '重度污染', color: '#99004C' },
  { level: 6, max: Infinity, name: '严重污染', color: '#7E0023' },
];
export function aqiLevel(aqi) {
  if (aqi === null || aqi === undefined) return null;
  return AQI_LEVELS.find((l) => aqi <= l.max);
}
