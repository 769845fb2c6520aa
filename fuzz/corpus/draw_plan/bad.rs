kind = draw_plan
id = t
version = 1
jurisdiction = x
valid_from = 2024-01-01
[matter m]
label = a
object = enterprise
basis = b
[category a.b]
label = c
object = enterprise
share = 2
per_inspector = 1
[bogus x]
