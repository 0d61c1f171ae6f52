local a = {}
a.b:c = 1
