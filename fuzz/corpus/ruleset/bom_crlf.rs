kind=k
id=a
version=2
jurisdiction=x
valid_from=2020-02-29
[a b c]
k = 1e3
