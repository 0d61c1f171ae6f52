-- Varargs: ..., select('#') and select(n) incl. negative, nils in varargs, table.pack,
-- adjustment of multiple results in every position.
local function count(...) return select("#", ...) end
print(count(), count(nil), count(nil, nil), count(1, nil, 3, nil))
local function pass(...) return ... end
print(pass(1, 2, 3))
print(pass(), "after")
print((pass(1, 2, 3)))
print(pass(1, 2), pass(3, 4))
print(({pass(1, 2, 3)})[3], ({pass(1, 2, 3)})[4])
local function mr() return "a", "b", "c" end
local t = {mr(), mr()}
print(#t, t[1], t[2], t[4])
t = {mr(), (mr())}
print(#t)
local a, b, c, d = mr()
print(a, b, c, d)
a, b = (mr())
print(a, b)
local x, y = 1
print(x, y)
local p, q = 1, 2, 3
print(p, q)
print(select(2, "a", "b", "c"))
print(select(-1, "a", "b", "c"))
print(select(-3, "a", "b", "c"))
print(select(4, "a", "b", "c"))
print(pcall(select, 0, "a"))
print(pcall(select, -4, "a", "b", "c"))
print(pcall(select, "x"))
local function va(...)
  local n = select("#", ...)
  local args = {...}
  local packed = table.pack(...)
  return n, #packed == n or packed.n, packed.n
end
print(va(1, nil, 3))
local function first(x1, ...) return x1, select("#", ...) end
print(first(1, 2, 3), first())
local function fixed(a1, a2, a3) return a1, a2, a3 end
print(fixed(1), fixed(1, 2, 3, 4))
local function tail(...) return select("#", ...), ... end
print(tail(nil, nil))
local function sum(...)
  local s = 0
  for i = 1, select("#", ...) do s = s + (select(i, ...) or 0) end
  return s
end
print(sum(1, 2, nil, 4), sum())
local function vararg_in_middle(...) local t2 = {..., "end"} return #t2, t2[1], t2[2] end
print(vararg_in_middle(1, 2, 3))
print(string.format("%s-%s", pass("x", "y")))
local many = {}
for i = 1, 250 do many[i] = i end
print(count(table.unpack(many)), select(250, table.unpack(many)))
print(math.max(table.unpack(many)))
local function ret_many() return table.unpack(many, 1, 200) end
print(count(ret_many()), count(ret_many(), 1), count(1, ret_many()))
print(pcall(pass, 1, 2))
print(select("#", pcall(error)))
