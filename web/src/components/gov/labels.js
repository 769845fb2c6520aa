import { VIOLATIONS } from './discretion.js';

// Chinese labels of the governance records (the API's own *_zh fields are shown where it sends
// them; these serve filters, forms and the fields of a record's page).
export const TASK_STATES = {
  raised: '已发起', received: '已接收', in_progress: '办理中', executed: '已执行',
  fed_back: '已反馈', closed: '已办结', rejected: '已退回', cancelled: '已撤销',
};
export const TASK_TYPES = { supervision: '监督', monitoring: '监测', enforcement: '执法', complaint: '投诉处理', rectification: '整改' };
export const TASK_ORIGINS = { alert: '预警', complaint: '投诉', inspection: '检查', steward: '环保管家', case: '案件', person: '人工发起' };
export const CASE_STATES = {
  filed: '立案', investigating: '调查取证', notified: '告知', hearing: '听证', decided: '决定',
  served: '送达', executing: '执行', closed: '结案', dismissed: '撤销立案',
};
export const CASE_ORIGINS = { inspection: '检查发现', alert: '预警', complaint: '投诉举报', task: '三监联动任务', other: '其他' };
export const REPAIR_STATES = { applied: '已申请', under_review: '审核中', approved: '已修复', rejected: '不予修复', withdrawn: '已撤回' };
export const ALERT_STATES = { open: '未处理', acknowledged: '已确认', closed: '已关闭' };
export const SUGGESTION_STATES = {
  formed: '已形成', sent: '已报送', accepted: '已受理', assigned: '已交办', handled: '已办理',
  implemented: '已落实', fed_back: '已反馈',
};
export const INSPECTION_STATES = { recorded: '已记录', reviewed: '已审阅' };
export const PILOT_STATES = {
  draft: '草稿', submitted: '已提交', evaluated: '已评审', recommended: '拟推荐', not_recommended: '未推荐',
  approved: '局长办公会审议通过', reported: '已报市局', selected: '入选试点示范', not_selected: '未入选', withdrawn: '已撤回',
};
export const COMPLAINT_STATES = { received: '已受理', handling: '办理中', resolved: '已办结', rejected: '不予受理' };

// The fields of a record's page, per kind: [prop, label, type?, map?]
export const FLOW_FIELDS = {
  tasks: [
    ['task_type', '任务类型', 'enum', TASK_TYPES], ['origin', '任务来源', 'enum', TASK_ORIGINS],
    ['unit_name', '对象单位'], ['region_name', '所属区域'], ['to_unit_name', '承办单位'],
    ['to_region_name', '承办街镇'], ['place', '地点'], ['description', '任务内容'],
    ['evidence_required', '需附证据', 'bool'], ['issuer', '发起单位'], ['due_at', '办理期限', 'time'],
    ['overdue', '是否逾期', 'bool'], ['created_at', '发起时间', 'time'], ['created_by', '发起人'],
    ['feedback_finding', '反馈：发现问题'], ['feedback_measure', '反馈：采取措施'],
    ['feedback_result', '反馈：处理结果'],
  ],
  cases: [
    ['origin', '案件来源', 'enum', CASE_ORIGINS], ['unit_name', '当事单位'], ['region_name', '所属区域'],
    ['violation', '违法行为', 'enum', Object.fromEntries(VIOLATIONS.map((v) => [v.value, v.label]))], ['violation_date', '违法行为发生日期'], ['permit_id', '排污许可证编号'],
    ['fine', '罚款金额（元）', 'money'], ['hearing_right', '享有听证权利', 'bool'],
    ['decision', '处理决定', 'enum', { penalty: '予以处罚', no_penalty: '不予处罚' }],
    ['created_at', '立案时间', 'time'], ['created_by', '立案人'],
  ],
  credit_repairs: [
    ['unit_name', '申请单位'], ['rating_id', '信用评价结果编号'], ['listed_field', '属特定领域', 'bool'],
    ['obligations_performed', '已履行处罚决定义务', 'bool'], ['corrected', '违法行为已整改', 'bool'],
    ['grade_requested', '申请修复至等级'], ['created_at', '申请时间', 'time'], ['created_by', '申请人'],
  ],
};

export function options(map) {
  return Object.entries(map).map(([value, label]) => ({ value, label }));
}

export function money(v) {
  return v === null || v === undefined || v === '' ? '' : Number(v).toLocaleString('zh-CN', { maximumFractionDigits: 2 }) + ' 元';
}
