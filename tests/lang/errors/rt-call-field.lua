local t = {}
t.x()

