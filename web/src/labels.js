// Chinese labels shared by the pages.
export const ROLE_ZH = {
  public: '公众',
  admin: '系统管理员',
  bureau: '生态环境局',
  street: '街道/网格',
  enterprise: '企业',
  steward: '环保管家',
};
