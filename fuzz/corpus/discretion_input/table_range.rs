Rkind = penalty_discretion
id = t
version = 1
jurisdiction = x
valid_from = 2020-01-01
range_lighter_below = 0.3
range_heavier_from = 0.6
[factor f]
label = F
option = a 0 低
option = b 0.5 高
[violation v]
label = V
basis = 法
model = range
min_fine = 1000
max_fine = 5000
start_weight = 0.1
factors = f
daily = 0
[circumstance m]
label = M
basis = 法
kind = mitigating
reduce = 0.5
below_min = 1
