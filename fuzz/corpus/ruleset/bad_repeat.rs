kind = a
id = b
version = 1
kind = c
[x
