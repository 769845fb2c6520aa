# 生态环境行政处罚裁量基准 (penalty discretion), reference design.
# Research: governance-research.md §5; governance.md §5; seed 004 (十).
# Confirmed: the weight-accumulation model (《广东省生态环境行政处罚自由裁量权规定》 2022 Art. 6:
# start weight + Σ factor weights, capped at 100 %, × the statutory maximum); a factor that cannot
# be established scores its lowest option (Art. 5); the range model's split at the average of the
# range (Art. 12(2)); the apology reduction 30–50 %, not below the statutory minimum, not with
# aggravating circumstances (Art. 14); aggravating circumstances of 环执法〔2019〕42号; mandatory
# lighter or reduced penalties of 《行政处罚法》(2021) Art. 32.
# UNCONFIRMED (configurable): the Shanghai tables (上海市生态环境行政处罚裁量基准规定 2020: model
# and factor tables not retrieved); the factor weights below are shaped like the Shaoxing table
# (Yangtze River Delta); the start weight 10 % (garbled in the source); the weight each aggravating
# circumstance adds (20 %); the reductions of Art. 32 circumstances (30 %, 50 %); the range
# model's lighter/heavier thresholds (30 %, 60 %); the hearing threshold.
kind = penalty_discretion
id = discretion-gd-2022
version = 1
jurisdiction = 广东省
valid_from = 2022-01-01
valid_to = 2026-12-31
source = 《广东省生态环境行政处罚自由裁量权规定》2022 http://gdee.gd.gov.cn/shbtwj/content/post_3667603.html; 环执法〔2019〕42号; 《行政处罚法》第三十二条; 绍兴裁量表（因子权重，UNCONFIRMED）
range_lighter_below = 0.30
range_heavier_from = 0.60
# 较大数额罚款 (hearing right, 行政处罚法 Art. 63): set by each province; UNCONFIRMED here.
hearing_threshold = 100000

[factor impact]
label = 违法行为的环境影响程度
option = small 0 小
option = medium 0.06 中
option = large 0.18 大
option = major 0.32 重大

[factor duration]
label = 违法行为持续时间
option = lt_3m 0 不满3个月
option = m3_6 0.05 3个月以上不满6个月
option = m6_12 0.11 6个月以上不满12个月
option = ge_12m 0.26 12个月以上

[factor count]
label = 近二年环境违法次数（含本次）
option = first 0 1次
option = second 0.05 2次
option = third 0.11 3次
option = fourth_plus 0.27 4次以上

[factor complaint]
label = 近一年信访投诉
option = none 0 无
option = verified 0.15 经查实的信访投诉

[violation air_exceedance]
label = 超过大气污染物排放标准排放大气污染物
basis = 《中华人民共和国大气污染防治法》第九十九条第（二）项
model = weight
min_fine = 100000
max_fine = 1000000
start_weight = 0.10
factors = impact duration count complaint
daily = 1

[violation water_exceedance]
label = 超过水污染物排放标准排放水污染物
basis = 《中华人民共和国水污染防治法》第八十三条第（二）项
model = weight
min_fine = 100000
max_fine = 1000000
start_weight = 0.10
factors = impact duration count complaint
daily = 1

[violation vocs_no_control]
label = 产生含挥发性有机物废气的生产活动未按规定安装、使用污染防治设施
basis = 《中华人民共和国大气污染防治法》第一百零八条
model = range
min_fine = 20000
max_fine = 200000
start_weight = 0.10
factors = impact duration count complaint
daily = 0

[circumstance repeat_3_in_2y]
label = 二年内因同类环境违法行为被处罚3次以上
basis = 环执法〔2019〕42号
kind = aggravating
add_weight = 0.20

[circumstance heavy_pollution_warning]
label = 重污染天气预警期间超标排放大气污染物
basis = 环执法〔2019〕42号
kind = aggravating
add_weight = 0.20

[circumstance obstruct]
label = 威胁、辱骂、殴打、恐吓或者打击报复执法人员
basis = 环执法〔2019〕42号
kind = aggravating
add_weight = 0.20

[circumstance cross_region]
label = 造成跨行政区域环境污染
basis = 环执法〔2019〕42号
kind = aggravating
add_weight = 0.20

[circumstance eliminated_harm]
label = 主动消除或者减轻违法行为危害后果
basis = 《行政处罚法》第三十二条第（一）项
kind = mitigating
reduce = 0.50
below_min = 1

[circumstance coerced]
label = 受他人胁迫或者诱骗实施违法行为
basis = 《行政处罚法》第三十二条第（二）项
kind = mitigating
reduce = 0.30

[circumstance confessed]
label = 主动供述行政机关尚未掌握的违法行为
basis = 《行政处罚法》第三十二条第（三）项
kind = mitigating
reduce = 0.30

[circumstance meritorious]
label = 配合行政机关查处违法行为有立功表现
basis = 《行政处罚法》第三十二条第（四）项
kind = mitigating
reduce = 0.30

[circumstance apology]
label = 公开道歉并承诺整改
basis = 《广东省生态环境行政处罚自由裁量权规定》第十四条
kind = mitigating
reduce = 0.30
not_with_aggravating = 1
