kind = draw_plan
id = t
version = 1
jurisdiction = x
valid_from = 2024-01-01
team_size = 3
[matter m]
label = a
object = steward
basis = b
[category s]
label = c
object = steward
per_inspector = 4
[adjust unrated]
factor = 2
