kind = credit_scheme
id = t-credit
version = 1
jurisdiction = 上海市
valid_from = 2021-01-01
valid_to = 2025-12-31
source = x

[indicator exceedance]
label = 超标排放
weight = 10
tier = 0 .. 0.01 -> 100
tier = 0.01 .. 0.05 -> 60
[veto]
item = 重大污染事故
