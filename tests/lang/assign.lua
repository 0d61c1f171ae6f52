-- Multiple assignment: right-hand sides are all evaluated before any store; swaps; extra and
-- missing values; assignment to fields and indexes through tables and locals.
local a, b, c = 1, 2
print(a, b, c)
a, b = b, a
print(a, b)
local t = {1, 2, 3}
local i = 1
i, t[i] = i + 1, 20
print(i, t[1], t[2])
t[1], t[2], t[3] = t[3], t[1], t[2]
print(t[1], t[2], t[3])
local x, y, z = (function() return 1, 2, 3 end)()
print(x, y, z)
x, y, z = 0, (function() return 1, 2, 3 end)()
print(x, y, z)
x, y, z = (function() return 1, 2, 3 end)(), 10
print(x, y, z)
local s = {}
s.a, s.b, s.a = 1, 2
print(s.b, s.a == 1 or s.a == nil)
local function f() return 1 end
local m = {}
m[f()], m[f() + 1] = "one", "two"
print(m[1], m[2])
g1, g2 = 5, 6
print(g1, g2)
g1, g2 = g2, g1
print(g1, g2)
local d = {}
d.x = {}; d.x.y = {}; d.x.y.z = "deep"
print(d.x.y.z)
local u = 1
local function bump() u = u + 1; return u end
local r1, r2 = bump(), bump()
print(r1, r2, u)
local q = {n = 0}
q.n, q.m = q.n + 1, q.n
print(q.n, q.m)
local l1, l2 = 1, 2
do local l1 = l2; local l2 = l1 + 1; print(l1, l2) end
print(l1, l2)
local shadow = "outer"
do local shadow = shadow .. "+inner"; print(shadow) end
print(shadow)
