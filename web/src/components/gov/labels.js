// Chinese labels of the governance records' enums (the API's own *_zh fields are shown where
// it sends them; these are for filters and forms).
export const TASK_STATES = {
  raised: '已发起', received: '已接收', in_progress: '办理中', executed: '已执行',
  fed_back: '已反馈', closed: '已办结', rejected: '已退回', cancelled: '已撤销',
};

export function options(map) {
  return Object.entries(map).map(([value, label]) => ({ value, label }));
}
