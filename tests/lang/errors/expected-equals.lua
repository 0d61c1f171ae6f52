local a
a b

