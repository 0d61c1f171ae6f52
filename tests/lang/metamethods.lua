-- Metamethod details: __le falling back to __lt (as Debian's lua5.4 builds it), unary
-- metamethods receiving the operand twice, __concat in chains, __eq only between tables, __newindex
-- chains, __call with varargs, which operand's metamethod wins, __name in messages, all operators.
local onlylt = setmetatable({}, {__lt = function() return true end})
print(pcall(function() return onlylt <= onlylt end))
print(onlylt < onlylt, onlylt > onlylt)
local got = {}
local U = setmetatable({}, {__unm = function(a, b) got[1] = rawequal(a, b); return "neg" end,
  __len = function(a, b) got[2] = rawequal(a, b); return "len" end,
  __bnot = function(a, b) got[3] = rawequal(a, b); return "bnot" end})
print(-U, #U, ~U, got[1], got[2], got[3])
local C = setmetatable({}, {__concat = function(a, b) return (type(a) == "table" and "T" or tostring(a)) .. "+" .. (type(b) == "table" and "T" or tostring(b)) end})
print(C .. 1, 1 .. C, 1.5 .. C, C .. C, "a" .. "b" .. C .. "d" .. "e")
local E = {__eq = function(a, b) return true end}
local e1, e2 = setmetatable({}, E), setmetatable({}, E)
print(e1 == e2, e1 == 1, 1 == e1, e1 ~= e2, e1 == setmetatable({}, {}))
local ud = setmetatable({}, {__index = function(t, k) return k .. k end, __newindex = function(t, k, v) rawset(t, k, v * 2) end})
ud.x = 5; print(ud.x, ud.y)
local chain = setmetatable({}, {__newindex = setmetatable({}, {__newindex = function(t, k, v) print("deep set", k, v) end})})
chain.z = 1
print(rawget(chain, "z"))
local calls = setmetatable({}, {__call = function(self, ...) return select("#", ...), ... end})
print(calls(), calls(nil, nil), calls(1, 2, 3))
local mtA = {__add = function(a, b) return "A" end}
local mtB = {__add = function(a, b) return "B" end}
local a, b = setmetatable({}, mtA), setmetatable({}, mtB)
print(a + b, b + a, a + 1, 1 + b)
print(pcall(function() return a - b end))
local idxs = setmetatable({}, {__index = function(t, k) return nil end})
print(idxs.anything, rawget(idxs, "anything"))
local cnt = 0
local proxy = setmetatable({}, {__len = function() cnt = cnt + 1; return 3 end, __index = function(t, i) return i * 10 end})
print(#proxy, proxy[2], cnt)
print(getmetatable("").__name, getmetatable("x") == getmetatable("y"))
local ts = setmetatable({}, {__tostring = function() return "obj" end})
print(ts, tostring(ts), string.format("%s|%5s", ts, ts))
print(pcall(tostring, setmetatable({}, {__tostring = function() return {} end})))
local nm = setmetatable({}, {__name = "Point"})
print(pcall(function() return nm < nm end))
print(pcall(function() return nm .. "" end))
print(pcall(function() return -nm end))
print(pcall(ipairs))
print(pcall(math.floor, nm))
local mm = setmetatable({}, {__index = function(t, k) error("no field " .. k) end})
print(pcall(function() return mm.foo end))
local div = setmetatable({}, {__div = function(a, b) return "div" end, __mod = function() return "mod" end, __idiv = function() return "idiv" end, __pow = function() return "pow" end})
print(div / 1, 1 / div, div % 2, div // 2, div ^ 2, 2 ^ div)
local sh = setmetatable({}, {__shl = function(a, b) return "shl" end, __shr = function() return "shr" end, __bxor = function() return "bxor" end})
print(sh << 1, 1 << sh, sh >> 1, sh ~ 1, 1 ~ sh)
print(pcall(function() return 1.5 << sh end))
print(pcall(function() return "3" << 1 end))
print(pcall(function() return "3" + 1 end))
