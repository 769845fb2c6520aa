kind = a
id = b
version = 0
jurisdiction = x
valid_from = 2020-13-01
= v
