-- Calls: varargs through closures and methods, results adjusted in every position, recursion
-- over varargs, passing functions through, upvalues captured per iteration in while loops.
local function id(...) return ... end
local function second(a, b) return b, a end
print(second(1, 2))
print(id(nil, nil, 3))
local t = {id(1, nil, 3)}
print(t[1], t[2], t[3])
local function f(...)
  local a, b = ...
  local n = select("#", ...)
  local function g() return a, b, n end
  return g
end
print(f(1, 2, 3)())
local function counter()
  local i = 0
  return function(...) i = i + select("#", ...); return i end
end
local c = counter()
c(1, 2); c(); print(c(nil))
for i, v in ipairs({10, 20}) do
  local function h() return i * v end
  io.write(h(), " ")
end
print()
local fns = {}
for i = 1, 3 do
  local j = i
  fns[i] = function() j = j + 1; return i, j end
end
print(fns[1](), fns[1](), fns[2]())
local obj = {n = 0}
function obj:inc(k, ...) self.n = self.n + (k or 1); return self, ... end
print(select("#", obj:inc(2, "a", "b")), obj.n, obj:inc():inc().n)
print(string.format("%s %s", id("a", "b", "c")))
print(pcall(id))
print((id(1, 2)))
local function va(...) return #{...}, ... end
print(va(1, 2, 3))
local tt = {}
tt.a, tt.b = id(1, 2)
print(tt.a, tt.b)
local function sum(...)
  if select("#", ...) == 0 then return 0 end
  local x = ...
  return x + sum(select(2, ...))
end
print(sum(1, 2, 3, 4, 5))
local function pass_through(f2, ...) return f2(...) end
print(pass_through(math.max, 3, 9, 2), pass_through(string.rep, "ab", 2))
do
  local a = 1
  local function up() return a end
  a = 2
  print(up())
end
local x = 10
local function shadow(x) x = x + 1; return x end
print(shadow(1), x)
print((function(...) local a, b, c = ... return c, b, a end)(1, 2))
local r = {}
for k = 1, 3 do r[#r + 1] = function() return k end end
print(r[1]() + r[2]() + r[3]())
local w = 0
while w < 3 do
  w = w + 1
  local captured = w
  r[w] = function() return captured end
end
print(r[1](), r[2](), r[3]())
local function ret3() return 1, 2, 3 end
local x1, x2, x3, x4 = 0, ret3()
print(x1, x2, x3, x4)
print(ret3(), ret3())
print(({ret3(), ret3()})[5] == nil)
