# 上海市《生态环境轻微违法违规行为免罚清单》(上海市生态环境局、上海市司法局 2020-04-30).
# Research: governance-research.md §4.1, §4.2; governance.md §4; 行政处罚法 Art. 33.
# Confirmed: in force 2020-05-01 to 2025-04-30; 11 items in 5 domains (建设项目管理, 大气污染防治,
# 固体废物污染防治, 噪声污染防治, 环境管理制度); preamble: corrected in time and no harmful
# consequence; items 1-3 need construction stopped and the original state restored; items 4-11
# need the first discovery; items 5 and 8 need correction on the spot; item 1's text.
# UNCONFIRMED (configurable): the wording and domain of items 2-11 (labels below are placeholders
# that say so) and the violation codes, which cases use to name a violation type.
kind = exemption_list
id = sh-exempt-2020
version = 1
jurisdiction = 上海市
valid_from = 2020-05-01
valid_to = 2025-04-30
source = 《生态环境轻微违法违规行为免罚清单》沪环规 2020-04-30 https://www.h2o-china.com/news/307962.html
# the preamble: every item also needs these
base_conditions = corrected no_harm

[item 1]
label = 建设单位未依法报批建设项目环境影响报告书、报告表，擅自开工建设，责令停止建设后及时停止建设，并主动恢复原状
domain = 建设项目管理
basis = 《环境影响评价法》第二十二条第一款、第二十五条
violation = eia_unapproved_construction
conditions = stopped_and_restored

[item 2]
label = 第2项（原文待核，UNCONFIRMED）
domain = 建设项目管理
violation = sh2020_item2
conditions = stopped_and_restored

[item 3]
label = 第3项（原文待核，UNCONFIRMED）
domain = 建设项目管理
violation = sh2020_item3
conditions = stopped_and_restored

[item 4]
label = 第4项（原文待核，UNCONFIRMED）
violation = sh2020_item4
conditions = first_discovery

[item 5]
label = 第5项（原文待核，UNCONFIRMED）
violation = sh2020_item5
conditions = first_discovery corrected_on_spot

[item 6]
label = 第6项（原文待核，UNCONFIRMED）
violation = sh2020_item6
conditions = first_discovery

[item 7]
label = 第7项（原文待核，UNCONFIRMED）
violation = sh2020_item7
conditions = first_discovery

[item 8]
label = 第8项（原文待核，UNCONFIRMED）
violation = sh2020_item8
conditions = first_discovery corrected_on_spot

[item 9]
label = 第9项（原文待核，UNCONFIRMED）
violation = sh2020_item9
conditions = first_discovery

[item 10]
label = 第10项（原文待核，UNCONFIRMED）
violation = sh2020_item10
conditions = first_discovery

[item 11]
label = 第11项（原文待核，UNCONFIRMED）
domain = 环境管理制度
violation = sh2020_item11
conditions = first_discovery
