-- Tables: constructors, array and hash parts, the length border of sequences, next and pairs
-- where the order is defined (the array part, or a single key), nil and NaN keys, the table
-- library (insert, remove, move, unpack, pack), key normalisation of floats.
local t = {10, 20, 30, x = 1, ["y"] = 2, [1 + 3] = 40}
print(#t, t[1], t[4], t.x, t.y, t[5])
t[#t + 1] = 50
print(#t, t[5])
local u = {1, 2, 3, nil}
print(#u)
local v = {n = 1, [1] = "a", [2] = "b"}
print(#v, v[1], v[2])
print(#{}, #{nil}, #{1, 2, 3}, #{n = 3}, #"abc")
local function f() return 1, 2, 3 end
print(#{f()}, #{f(), f()}, #{(f())}, #{f(), 10})

print("-- keys")
local k = {}
k[1] = "int"; print(k[1.0], k[1]); k[2.0] = "float two"; print(k[2], math.type(next({[2.0] = 1})))
k[2^53] = "big"; print(k[2^53 | 0])
k["1"] = "str"; print(k[1], k["1"])
k[true] = "t"; k[false] = "f"; print(k[true], k[false])
local key = {}
k[key] = "tablekey"; print(k[key], k[{}])
k[0.5] = "half"; print(k[0.5], k[1/2])
k[-0.0] = "negzero"; print(k[0], k[0.0])
print(pcall(function() local x = {}; x[nil] = 1 end))
print(pcall(function() local x = {}; x[0/0] = 1 end))
print(pcall(rawset, {}, nil, 1))
print(({})[nil], ({})[0/0], rawget({}, nil))
print(pcall(function() return {[nil] = 1} end))

print("-- array part and holes")
local a = {}
for i = 1, 100 do a[i] = i * i end
print(#a, a[50], a[100])
for i = 100, 91, -1 do a[i] = nil end
print(#a)
a[#a] = nil
print(#a, a[89])
local seq = {}
for i = 1, 5 do seq[#seq + 1] = i end
print(#seq, table.concat(seq, ","))
local h = {}
h[3] = 3; h[2] = 2; h[1] = 1
print(#h, h[1], h[2], h[3])

print("-- next and pairs (array part, or one key)")
for i, val in ipairs({"a", "b", "c", nil, "e"}) do io.write(i, "=", val, " ") end print()
for i, val in pairs({"x", "y", "z"}) do io.write(i, "=", val, " ") end print()
print(next({}), next({7}), next({7}, 1), next({k = 1}))
print(pcall(next, {}, "nokey"))
print(pcall(next, nil))
local cnt, sum = 0, 0
local hash = {a = 1, b = 2, c = 3, d = 4, 10, 20}
for _, val in pairs(hash) do cnt = cnt + 1; sum = sum + val end
print(cnt, sum)
-- Clearing fields during traversal is allowed.
for kk in pairs(hash) do hash[kk] = nil end
print(next(hash))
local ip = setmetatable({}, {__index = function(_, i) if i <= 3 then return i * 2 end end})
for i, val in ipairs(ip) do io.write(i, ":", val, " ") end print()

print("-- the table library")
local l = {}
table.insert(l, "a"); table.insert(l, "c"); table.insert(l, 2, "b"); table.insert(l, 1, "z")
print(#l, table.concat(l, ","))
print(table.remove(l), table.remove(l, 1), #l, table.concat(l, ","))
print(table.remove({}), table.remove({}, 0), #l, table.remove(l, #l + 1))
print(pcall(table.insert, l, 5, "x"))
print(pcall(table.insert, l, 1, 2, 3))
print(pcall(table.remove, l, 5))
print(pcall(table.insert, nil, 1))
print(table.unpack({1, 2, 3}))
print(table.unpack({1, 2, 3}, 2), table.unpack({1, 2, 3}, 2, 5))
print(select("#", table.unpack({}, 1, 3)), table.unpack({}, 3, 1))
local p = table.pack(1, nil, 3, nil)
print(p.n, p[1], p[2], p[3], p[4])
print(table.pack().n)
local m = table.move({1, 2, 3, 4, 5}, 2, 4, 1)
print(table.concat(m, ","))
m = table.move({1, 2, 3}, 1, 3, 3)
print(table.concat(m, ","))
m = table.move({1, 2, 3}, 1, 3, 1, {})
print(table.concat(m, ","))
print(pcall(table.move, {}, 1, math.maxinteger, 2))

print("-- rawlen, rawequal, rawget, rawset")
local mt = {__len = function() return 42 end, __index = function() return "meta" end}
local r = setmetatable({1, 2}, mt)
print(#r, rawlen(r), rawlen("abc"), r[9], rawget(r, 9), rawequal(r, r), rawequal(r, {}))
rawset(r, 9, "raw"); print(r[9])
print(pcall(rawlen, 5))
print(pcall(rawset, 1, 2, 3))

print("-- nested and self-referencing")
local n = {a = {b = {c = {d = "deep"}}}}
print(n.a.b.c.d, n["a"]["b"].c["d"])
local self = {}; self.me = self
print(self.me.me.me == self)
local big = {}
for i = 1, 1000 do big["k" .. i] = i end
local total = 0
for _, val in pairs(big) do total = total + val end
print(total, big.k500)
for i = 1, 1000, 2 do big["k" .. i] = nil end
total = 0
for _, val in pairs(big) do total = total + val end
print(total)
