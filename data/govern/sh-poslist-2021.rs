# 上海市生态环境监督执法正面清单管理办法 (2021-08-25), based on 环办执法〔2021〕10号.
# Research: governance-research.md §3.2, §3.3; governance.md §3; seed 004 (六)(七).
# Confirmed: units under Shanghai's permit management; off-site inspection mainly; entries valid
# 3 years (2022 list); removal on an administrative penalty.
# UNCONFIRMED (Guangzhou 2022 analogue, configurable): the inclusion conditions below (good credit,
# no penalty or incident in the past 2 years, a valid permit); removal on an incident or a serious
# violation (Ningbo analogue). Triggers for on-site inspection: seed 004 (七) names complaint
# verification, sudden environmental events, abnormal online monitoring data.
kind = poslist_conditions
id = sh-poslist-2021
version = 1
jurisdiction = 上海市
valid_from = 2021-08-25
source = 《上海市生态环境监督执法正面清单管理办法》2021-08-25 http://hbjd.org.cn/show-229200.html; 有效期3年: 浦东 2022 报道; 条件: 广州 2022 类比（UNCONFIRMED）
validity_months = 36

[condition credit]
label = 环境信用等级良好
grades = very_good good green blue

[condition no_penalty]
label = 近两年无环境行政处罚、无突发环境事件
events = penalty incident serious_violation
lookback_months = 24

[condition permit]
label = 持有有效排污许可证或排污登记

[trigger complaint_verification]
label = 信访举报核实

[trigger sudden_event]
label = 突发生态环境事件

[trigger abnormal_online_data]
label = 在线监测数据异常

[removal penalty]
label = 受到环境行政处罚

[removal incident]
label = 发生突发环境事件

[removal serious_violation]
label = 存在严重环境违法行为
