# 企业环境信用评价办法（试行） 环发〔2013〕150号 — the national 2013 method as a credit scheme.
# Research: ../shared/spec/governance-research.md §1.1 and cheat-sheet rows 1-3.
# Confirmed: 4 grades and colours; weighted indicators, each scored in 3 tiers (80-100 / 50-79 /
# 0-49); the rows below of 附件1 (weights 15/5/5/4/2) and, from a provincial 2015 guide, 行政处罚与
# 行政命令 15 % and 环境风险管理 10 %; one-vote-veto items 1-7.
# UNCONFIRMED (configurable, check against the official PDF): the grade thresholds (taken from
# Fujian 2016: >= 96 / 70-96 / 60-70 / < 60); the score inside a tier (the top of the band is
# used: 100 / 79 / 49); the remaining 14 of the 21 indicators; the effective date.
kind = credit_scheme
id = cn-credit-2013
version = 1
jurisdiction = 国家
valid_from = 2014-01-01
source = 环发〔2013〕150号《企业环境信用评价办法（试行）》附件1; 等级阈值取福建2016年实践（UNCONFIRMED）
aggregation = weighted_sum
# A tier is LO .. HI -> SCORE, both ends inclusive; the first tier that holds the value counts
# (so a boundary value belongs to the tier written first).

[grade green]
label = 环保诚信企业
colour = green
min_score = 96

[grade blue]
label = 环保良好企业
colour = blue
min_score = 70

[grade yellow]
label = 环保警示企业
colour = yellow
min_score = 60

[grade red]
label = 环保不良企业
colour = red
min_score = 0

# 大气及水污染物达标排放: every outlet's compliance rate in supervisory monitoring >= 90 % tier 1;
# some outlet 75-90 % tier 2; < 75 % tier 3; any outlet < 50 % scores 0. Input: the lowest
# outlet compliance rate of the year (0..1).
[indicator compliance]
label = 大气及水污染物达标排放
aspect = 污染防治
weight = 15
input = compliance_rate
tier = 0.9 .. 1 -> 100
tier = 0.75 .. 0.9 -> 79
tier = 0.5 .. 0.75 -> 49
tier = 0 .. 0.5 -> 0
missing = 100

[indicator solid_waste]
label = 一般固体废物处理处置
aspect = 污染防治
weight = 5
input = solid_waste_rate
tier = 0.95 .. 1 -> 100
tier = 0.8 .. 0.95 -> 79
tier = 0 .. 0.8 -> 49
missing = 100

# 危险废物规范化管理 (环办〔2011〕48号): 2 达标, 1 基本达标, 0 不达标 (officer's entry)
[indicator hazardous_waste]
label = 危险废物规范化管理
aspect = 污染防治
weight = 5
input = hazardous_waste_level
tier = 2 .. 2 -> 100
tier = 1 .. 1 -> 79
tier = 0 .. 0 -> 49
missing = 100

# 噪声污染防治: factory-boundary noise over the limit, dB(A)
[indicator noise]
label = 噪声污染防治
aspect = 污染防治
weight = 4
input = noise_excess_db
tier = 0 .. 0 -> 100
tier = 0 .. 5 -> 79
tier = 5 .. 1000 -> 49
missing = 100

# 选址布局中的生态保护: 1 conforms, 0 does not
[indicator siting]
label = 选址布局中的生态保护
aspect = 生态保护
weight = 2
input = siting_conforms
tier = 1 .. 1 -> 100
tier = 0 .. 0 -> 49
missing = 100

# 行政处罚与行政命令: 100 with no penalty and no order, 0 with a penalty (provincial 2015 guide)
[indicator penalties]
label = 行政处罚与行政命令
aspect = 环境管理
weight = 15
input = penalties
tier = 0 .. 0 -> 100
tier = 1 .. 1000000 -> 0
missing = 100

# 环境风险管理 10 %: tier rules UNCONFIRMED; input 2 good, 1 partly, 0 not managed
[indicator risk]
label = 环境风险管理
aspect = 环境管理
weight = 10
input = risk_management_level
tier = 2 .. 2 -> 100
tier = 1 .. 1 -> 79
tier = 0 .. 0 -> 49
missing = 100

# 社会监督: complaints verified against the unit (tasks raised from complaints); tiers UNCONFIRMED
[indicator complaints]
label = 公众投诉
aspect = 社会监督
weight = 5
input = complaints
tier = 0 .. 0 -> 100
tier = 1 .. 2 -> 79
tier = 3 .. 1000000 -> 49
missing = 100

# One-vote veto (一票否决 -> 环保不良企业), items 1-7 as transposed by Fujian, Jilin, Shandong.
[veto crime]
label = 环境违法构成环境犯罪
input = veto_crime

[veto eia]
label = 未批先建（环评文件未经批准擅自开工建设）
input = veto_eia

[veto facilities]
label = 环保设施未建成或验收不合格即投入生产
input = veto_facilities

[veto major_change]
label = 重大变动未重新报批环评即投入生产
input = veto_major_change

[veto total_load]
label = 主要污染物排放超过总量控制指标
input = veto_total_load

[veto covert]
label = 暗管、渗井、渗坑等逃避监管方式排放污染物
input = veto_covert_discharge

[veto hazardous]
label = 非法排放、倾倒、处置危险废物
input = veto_hazardous_waste

[repair]
min_months_general = 3
min_months_listed = 12
expiry_months = 36
