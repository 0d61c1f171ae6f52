-- Metatables: every metamethod that applies: __index (tables, chains, functions), __newindex,
-- __call, arithmetic, bitwise, __concat, __len, __eq, __lt, __le, __unm, __tostring, __name,
-- __metatable, __pairs, __mode; rawget/rawset bypassing them; getmetatable of strings.
print("-- __index")
local base = {greet = function(self) return "hi " .. self.name end, kind = "base"}
local mid = setmetatable({kind = "mid"}, {__index = base})
local obj = setmetatable({name = "obj"}, {__index = mid})
print(obj:greet(), obj.kind, obj.missing, rawget(obj, "kind"))
local calls = 0
local lazy = setmetatable({}, {__index = function(t, k) calls = calls + 1; return k .. "!" end})
print(lazy.a, lazy[1], calls, rawget(lazy, "a"))
local deep = {}
for i = 1, 50 do deep = setmetatable({}, {__index = deep}) end
print(deep.nothing)
local str_idx = setmetatable({}, {__index = "abc"})
print(pcall(function() return type(str_idx.len), str_idx.len == string.len end))

print("-- __newindex")
local log = {}
local store = {}
local proxy = setmetatable({}, {
  __index = store,
  __newindex = function(t, k, v) log[#log + 1] = k; rawset(store, k, v) end})
proxy.a = 1; proxy.b = 2; proxy.a = 3
print(proxy.a, proxy.b, rawget(proxy, "a"), table.concat(log, ","))
local target = {}
local redirect = setmetatable({}, {__newindex = target})
redirect.x = 10
print(rawget(redirect, "x"), target.x)
local existing = setmetatable({x = 1}, {__newindex = function() error("not called") end})
existing.x = 2
print(existing.x)
local ro = setmetatable({}, {__newindex = function(t, k) error("read-only field " .. k, 2) end})
print(pcall(function() ro.z = 1 end))

print("-- __call")
local callable = setmetatable({}, {__call = function(self, a, b) return "called", a, b end})
print(callable(1, 2))
local chained = setmetatable({}, {__call = callable})
print(select("#", chained(1)), select(3, chained(1)), select(2, chained(1)) == chained)
print(pcall(setmetatable({}, {__call = 1})))

print("-- arithmetic and bitwise")
local V = {}
V.__index = V
local function vec(x, y) return setmetatable({x = x, y = y}, V) end
function V.__add(a, b) return vec(a.x + b.x, a.y + b.y) end
function V.__sub(a, b) return vec(a.x - b.x, a.y - b.y) end
function V.__mul(a, b)
  if type(a) == "number" then return vec(a * b.x, a * b.y) end
  if type(b) == "number" then return vec(a.x * b, a.y * b) end
  return a.x * b.x + a.y * b.y
end
function V.__div(a, b) return vec(a.x / b, a.y / b) end
function V.__mod(a, b) return vec(a.x % b, a.y % b) end
function V.__pow(a, b) return vec(a.x ^ b, a.y ^ b) end
function V.__unm(a) return vec(-a.x, -a.y) end
function V.__idiv(a, b) return vec(a.x // b, a.y // b) end
function V.__band(a, b) return "band" end
function V.__bor(a, b) return "bor" end
function V.__bxor(a, b) return "bxor" end
function V.__shl(a, b) return "shl" end
function V.__shr(a, b) return "shr" end
function V.__bnot(a) return "bnot" end
function V.__tostring(a) return "(" .. a.x .. "," .. a.y .. ")" end
function V.__eq(a, b) return a.x == b.x and a.y == b.y end
function V.__lt(a, b) return a.x < b.x end
function V.__le(a, b) return a.x <= b.x end
function V.__len(a) return 2 end
function V.__concat(a, b)
  return (type(a) == "table" and tostring(a) or a) .. "&" .. (type(b) == "table" and tostring(b) or b)
end
local p, q = vec(1, 2), vec(3, 4)
print(tostring(p + q), tostring(p - q), p * q, tostring(2 * p), tostring(p * 3))
print(tostring(q / 2), tostring(q % 2), tostring(p ^ 2), tostring(-p), tostring(q // 2))
print(p & 1, 1 | p, p ~ p, p << 1, 1 >> p, ~p)
print(p == vec(1, 2), p ~= vec(1, 2), p == q, p < q, p <= q, p > q, p >= q, #p)
print(p .. "s", "s" .. p, p .. q, 1 .. p)
print("a" .. "b" .. p .. "c")
print(rawequal(p, vec(1, 2)), p == 1)
local E1 = setmetatable({}, {__eq = function() return true end})
local E2 = setmetatable({}, {__eq = function() return false end})
print(E1 == E2, E2 == E1, E1 == {}, {} == E1, E1 ~= E2)
local L = setmetatable({}, {__lt = function() return 1 end, __le = function() return nil end})
print(L < L, L <= L, L > L, L >= L)
print(pcall(function() return p < 1 end))
print(pcall(function() return {} <= {} end))
local half = setmetatable({}, {__add = function(a, b) return "added" end})
print(half + 1, 1 + half, half + half, pcall(function() return half - 1 end))
local S = setmetatable({}, {__index = function(t, k) return k * 2 end})
print(S[21])
print(pcall(function() return ~1.5 end))
local bitobj = setmetatable({}, {__band = function(a, b) return "meta band" end})
print(bitobj & 1.5, 2.5 & bitobj)

print("-- __len, __unm, __tostring, __name")
print(#setmetatable({1, 2, 3}, {__len = function() return "len" end}))
print(tostring(setmetatable({}, {__tostring = function() return "custom" end})))
print(pcall(tostring, setmetatable({}, {__tostring = function() return 1 end})))
local named = setmetatable({}, {__name = "MyType"})
print((tostring(named):gsub("0x%x+", "ADDR"):gsub(": [%x]+$", ": ADDR")))
print(pcall(function() return named + 1 end))
print(pcall(function() return #named < 1, named() end))
print(pcall(function() local n = named; return n.x.y end))
print(pcall(string.rep, named))
print(pcall(setmetatable({}, {__name = 3}), 1))

print("-- __metatable protection")
local prot = setmetatable({}, {__metatable = "locked"})
print(getmetatable(prot), pcall(setmetatable, prot, {}))
print(getmetatable("abc").__index == string, ("x"):upper(), ("%d"):format(5))
print(pcall(setmetatable, {}, 1))
print(pcall(setmetatable, 1, {}))
print(getmetatable({}), getmetatable(1), getmetatable(setmetatable({}, nil)))
local mtx = {}
local withmt = setmetatable({}, mtx)
print(getmetatable(withmt) == mtx, setmetatable(withmt, nil) == withmt, getmetatable(withmt))

print("-- __pairs")
local pp = setmetatable({}, {__pairs = function(t)
  local i = 0
  return function() i = i + 1; if i <= 3 then return i, i * i end end, t, nil
end})
for k, v in pairs(pp) do io.write(k, "=", v, " ") end print()
local ip = setmetatable({}, {__index = function(_, i) return i <= 2 and "v" .. i or nil end})
for i, v in ipairs(ip) do io.write(i, "=", v, " ") end print()

print("-- __index on missing method call")
print(pcall(function() local o = setmetatable({}, {__index = {}}); return o:nomethod() end))

print("-- __mode (weak tables; only what must survive is checked)")
local weak = setmetatable({}, {__mode = "v"})
local keep = {}
weak[1] = keep
collectgarbage()
print(weak[1] == keep, getmetatable(weak).__mode)

print("-- __close and __gc fields are plain fields to other code")
print(type(getmetatable(setmetatable({}, {__close = print})).__close))
print("-- inheritance with classes")
local Animal = {}
Animal.__index = Animal
function Animal.new(name, sound) return setmetatable({name = name, sound = sound}, Animal) end
function Animal:speak() return self.name .. " says " .. self.sound end
local Dog = setmetatable({}, {__index = Animal})
Dog.__index = Dog
function Dog.new(name) local d = Animal.new(name, "woof"); return setmetatable(d, Dog) end
function Dog:fetch() return self.name .. " fetches" end
local dg = Dog.new("Rex")
print(dg:speak(), dg:fetch(), getmetatable(dg) == Dog, Animal.fetch)
