# 上海市 2020 年度企业环境信用评价 (practice for the 2020 evaluation year, results Dec 2021).
# Research: governance-research.md §1.2(a): 13 indicators, 5 grades 很好/好/一般/差/很差, the final
# grade is the worst indicator's (以"补短板"为导向 ... 由13项中得分最低的指标来确定).
# Confirmed indicator names: 达标排放, 总量控制, 行政处罚, 突发环境事件, 建设项目环境管理.
# UNCONFIRMED (configurable): the other 8 indicators (taken from the national 21), every tier,
# the grade score thresholds (90/75/60/40), the validity dates. Replaced by 沪环规〔2024〕18号
# from 2025-01-01 (its indicators are UNCONFIRMED, so no default is shipped for it).
kind = credit_scheme
id = sh-credit-2020
version = 1
jurisdiction = 上海市
valid_from = 2020-01-01
valid_to = 2024-12-31
source = 松江区政府 2021-12 报道 http://life.cnbzol.com/life/2021/1229/380453.html（13项指标、最低指标定级）; 修复: 沪府办规〔2024〕8号
aggregation = min_of_indicators
# A tier is LO .. HI -> SCORE, both ends inclusive; the first tier that holds the value counts.

[grade very_good]
label = 很好
colour = green
min_score = 90

[grade good]
label = 好
colour = blue
min_score = 75

[grade fair]
label = 一般
colour = yellow
min_score = 60

[grade poor]
label = 差
colour = orange
min_score = 40

[grade very_poor]
label = 很差
colour = red
min_score = 0

[indicator compliance]
label = 达标排放
input = compliance_rate
tier = 0.98 .. 1 -> 100
tier = 0.9 .. 0.98 -> 80
tier = 0.75 .. 0.9 -> 65
tier = 0.5 .. 0.75 -> 45
tier = 0 .. 0.5 -> 20
missing = 100

[indicator total_load]
label = 总量控制
input = total_load_ratio
tier = 0 .. 1 -> 100
tier = 1 .. 1.1 -> 50
tier = 1.1 .. 1000 -> 20
missing = 100

[indicator penalties]
label = 行政处罚
input = penalties
tier = 0 .. 0 -> 100
tier = 1 .. 1 -> 65
tier = 2 .. 2 -> 45
tier = 3 .. 1000000 -> 20
missing = 100

[indicator incidents]
label = 突发环境事件
input = incidents
tier = 0 .. 0 -> 100
tier = 1 .. 1000000 -> 20
missing = 100

[indicator construction]
label = 建设项目环境管理
input = construction_violations
tier = 0 .. 0 -> 100
tier = 1 .. 1000000 -> 45
missing = 100

# UNCONFIRMED indicators 6-13 (national 21 used as the pattern)
[indicator solid_waste]
label = 一般固体废物处理处置
input = solid_waste_rate
tier = 0.95 .. 1 -> 100
tier = 0.8 .. 0.95 -> 65
tier = 0 .. 0.8 -> 45
missing = 100

[indicator hazardous_waste]
label = 危险废物规范化管理
input = hazardous_waste_level
tier = 2 .. 2 -> 100
tier = 1 .. 1 -> 65
tier = 0 .. 0 -> 40
missing = 100

[indicator noise]
label = 噪声污染防治
input = noise_excess_db
tier = 0 .. 0 -> 100
tier = 0 .. 5 -> 65
tier = 5 .. 1000 -> 45
missing = 100

[indicator self_monitoring]
label = 自行监测及信息公开
input = self_monitoring_missing
tier = 0 .. 0 -> 100
tier = 1 .. 3 -> 65
tier = 4 .. 1000000 -> 45
missing = 100

[indicator permit_reports]
label = 排污许可执行报告
input = reports_missing
tier = 0 .. 0 -> 100
tier = 1 .. 1 -> 65
tier = 2 .. 1000000 -> 45
missing = 100

[indicator risk]
label = 环境风险管理
input = risk_management_level
tier = 2 .. 2 -> 100
tier = 1 .. 1 -> 65
tier = 0 .. 0 -> 45
missing = 100

[indicator complaints]
label = 信访投诉
input = complaints
tier = 0 .. 0 -> 100
tier = 1 .. 2 -> 80
tier = 3 .. 5 -> 65
tier = 6 .. 1000000 -> 45
missing = 100

[indicator rectification]
label = 整改任务落实
input = tasks_overdue
tier = 0 .. 0 -> 100
tier = 1 .. 2 -> 65
tier = 3 .. 1000000 -> 45
missing = 100

[veto crime]
label = 环境违法构成环境犯罪
input = veto_crime

[repair]
min_months_general = 3
min_months_listed = 12
expiry_months = 36
