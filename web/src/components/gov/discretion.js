// The choices of the penalty-discretion form, as in the rule set the server ships
// (data/govern/discretion-gd-2022.rs: its factors, violations and circumstances). The page only
// offers them: the fine is always computed by the server (POST /api/v1/discretion/compute, or a
// case's 告知), with the rule set in force on the violation's date. The API has no route that
// lists a rule set's choices yet; until it has, this table must follow the .rs file.
export const VIOLATIONS = [
  { value: 'air_exceedance', label: '超过大气污染物排放标准排放大气污染物' },
  { value: 'water_exceedance', label: '超过水污染物排放标准排放水污染物' },
  { value: 'vocs_no_control', label: '产生含挥发性有机物废气的生产活动未按规定安装、使用污染防治设施' },
];
export const FACTORS = [
  { name: 'impact', label: '违法行为的环境影响程度', options: [['small', '小'], ['medium', '中'], ['large', '大'], ['major', '重大']] },
  { name: 'duration', label: '违法行为持续时间', options: [['lt_3m', '不满3个月'], ['m3_6', '3个月以上不满6个月'], ['m6_12', '6个月以上不满12个月'], ['ge_12m', '12个月以上']] },
  { name: 'count', label: '近二年环境违法次数（含本次）', options: [['first', '1次'], ['second', '2次'], ['third', '3次'], ['fourth_plus', '4次以上']] },
  { name: 'complaint', label: '近一年信访投诉', options: [['none', '无'], ['verified', '经查实的信访投诉']] },
];
export const CIRCUMSTANCES = [
  { value: 'repeat_3_in_2y', label: '二年内因同类环境违法行为被处罚3次以上', kind: '从重' },
  { value: 'heavy_pollution_warning', label: '重污染天气预警期间超标排放大气污染物', kind: '从重' },
  { value: 'obstruct', label: '威胁、辱骂、殴打、恐吓或者打击报复执法人员', kind: '从重' },
  { value: 'cross_region', label: '造成跨行政区域环境污染', kind: '从重' },
  { value: 'eliminated_harm', label: '主动消除或者减轻违法行为危害后果', kind: '从轻/减轻' },
  { value: 'coerced', label: '受他人胁迫或者诱骗实施违法行为', kind: '从轻/减轻' },
  { value: 'confessed', label: '主动供述行政机关尚未掌握的违法行为', kind: '从轻/减轻' },
  { value: 'meritorious', label: '配合行政机关查处违法行为有立功表现', kind: '从轻/减轻' },
  { value: 'apology', label: '公开道歉并承诺整改', kind: '从轻/减轻' },
];
