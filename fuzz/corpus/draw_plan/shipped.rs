# 双随机、一公开 draw plan (生态环境"双随机、一公开"监管), a default for a district bureau.
# Research: governance-research.md §2 (2.1 一单两库, 2.2 ratios, 2.3 team size and recusal, 2.5
# adjustment by credit and positive list); governance.md §2; issue 13 item 3; seed 001 (检测机构).
# Confirmed: the three object categories 重点排污单位 / 一般排污单位 / 特殊监管对象 (MEE statistics);
# county level >= 25 % of key units per quarter (Guangdong 2016, Chizhou 2019); general units by
# inspector headcount 1 : 10 at county level (Guangdong 2016); teams of at least two (行政处罚法
# Art. 42); inspection frequency by credit record (排污许可管理条例 Art. 25).
# UNCONFIRMED (configurable): Shanghai's own ratios; who is a 特殊监管对象 (Fuzhou 2021 analogue:
# penalised last year, bad credit); special objects 100 % a quarter (Fuzhou 2021); the share of
# testing agencies and stewards (seed 001 checked 4 agencies in 2023); the credit factors below
# (Fuzhou: green-rated firms fewer random checks; warning/bad grades checked every quarter).
kind = draw_plan
id = sh-draw-plan-2024
version = 1
jurisdiction = 上海市
valid_from = 2024-01-01
source = 环境保护部 污染源日常环境监管随机抽查制度实施方案 (2015, UNCONFIRMED number); 生态环境部 关于进一步加强生态环境"双随机、一公开"监管工作的指导意见 (2021); 广东 2016 方案 http://www.rmzxb.com.cn/c/2015-12-20/653563.shtml; 福州 2021 http://fzmq.gov.cn/xjwz/zwgk/zfxxgkzdgz/hjbh/zdpwdw/202104/t20210416_4077898.htm
period = quarter
team_size = 2
falsification_input = data_falsification
# the case a falsification finding opens names this violation type: the discretion rule set in
# force must list it (the shipped discretion-gd-2022 does not: load one that does)
falsification_violation = data_falsification

# 抽查事项清单
[matter discharge]
label = 排污单位污染物排放情况检查（排放浓度、排放量、自动监测数据）
object = enterprise
basis = 《中华人民共和国环境保护法》第二十四条；《排污许可管理条例》第三十条

[matter permit_compliance]
label = 排污许可证执行情况检查（许可事项、执行报告、台账）
object = enterprise
basis = 《排污许可管理条例》第二十五条、第三十条

[matter hazardous_waste]
label = 危险废物规范化环境管理检查
object = enterprise
basis = 《中华人民共和国固体废物污染环境防治法》第一百一十二条

[matter agency_data]
label = 生态环境检验检测机构监测数据真实性与规范性检查
object = testing_agency
basis = 《检验检测机构监督管理办法》第十九条；《生态环境监测数据弄虚作假行为判定及处理办法》

[matter steward_service]
label = 环保管家（第三方环保服务机构）服务质量与合同履行检查
object = steward
basis = 《中华人民共和国环境保护法》第六十五条

# 监管对象名录库: the first category whose condition holds takes the object
[category special]
label = 特殊监管对象
object = enterprise
grades = poor very_poor warning bad
min_penalties = 1
share = 1

[category key]
label = 重点排污单位
object = enterprise
key_unit = 1
share = 0.25

[category general]
label = 一般排污单位
object = enterprise
per_inspector = 2.5

[category testing_agency]
label = 生态环境检验检测机构
object = testing_agency
share = 0.25

[category steward]
label = 环保管家
object = steward
share = 0.25

# credit adjusts the share (UNCONFIRMED factors)
[adjust very_good]
factor = 0.5

[adjust green]
factor = 0.5
