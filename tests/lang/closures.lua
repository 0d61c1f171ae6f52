-- Closures and upvalues: shared upvalues, per-iteration loop variables, upvalues that outlive
-- their frame, recursion through locals, nested levels, method definitions.
local function counter()
  local n = 0
  return function() n = n + 1; return n end, function() return n end
end
local inc, get = counter()
inc(); inc()
print(get(), inc(), get())
local inc2 = counter()
print(inc2(), get())

print("-- per-iteration loop variables")
local fs = {}
for i = 1, 3 do fs[i] = function() return i end end
print(fs[1](), fs[2](), fs[3]())
fs = {}
for _, v in ipairs({"a", "b", "c"}) do fs[#fs + 1] = function() return v end end
print(fs[1](), fs[2](), fs[3]())
fs = {}
local j = 1
while j <= 3 do local k = j; fs[j] = function() k = k + 10; return k end; j = j + 1 end
print(fs[1](), fs[1](), fs[2](), fs[3]())
fs = {}
local w = 0
repeat local x = w; fs[#fs + 1] = function() return x end; w = w + 1 until x >= 2
print(#fs, fs[1](), fs[3]())
fs = {}
for i = 1, 2 do
  local shared = i * 100
  fs[#fs + 1] = function() shared = shared + 1; return shared end
  fs[#fs + 1] = function() return shared end
end
print(fs[1](), fs[2](), fs[3](), fs[4](), fs[1](), fs[2]())

print("-- shared between closures and the enclosing function")
local x = 1
local function getx() return x end
local function setx(v) x = v end
setx(5); print(x, getx()); x = 7; print(getx())

print("-- nested levels")
local function outer()
  local a = 1
  return function()
    local b = 2
    return function()
      a = a + 1; b = b + 1
      return a + b
    end
  end
end
local mid = outer()
local in1, in2 = mid(), mid()
print(in1(), in1(), in2(), in1())

print("-- recursion")
local function fact(n) if n <= 1 then return 1 end return n * fact(n - 1) end
print(fact(10), fact(20), fact(21))
local fib
fib = function(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
print(fib(20))
local function even(n) if n == 0 then return true end return odd(n - 1) end
function odd(n) if n == 0 then return false end return even(n - 1) end
print(pcall(even, 3))
odd = nil

print("-- tail calls do not grow the stack")
local function loop(n, acc) if n == 0 then return acc end return loop(n - 1, acc + 1) end
print(loop(100000, 0))

print("-- methods and self")
local obj = {v = 3}
function obj.plain(a) return a end
function obj:get() return self.v end
function obj:add(d) self.v = self.v + d; return self end
print(obj:get(), obj.get(obj), obj:add(2):add(3):get(), obj.plain(9))
local ns = {inner = {}}
function ns.inner.deep(a) return a * 2 end
function ns.inner:m() return self == ns.inner end
print(ns.inner.deep(21), ns.inner:m())

print("-- functions as values")
local function compose(f, g) return function(...) return f(g(...)) end end
local add1 = function(n) return n + 1 end
local dbl = function(n) return n * 2 end
print(compose(add1, dbl)(5), compose(dbl, add1)(5))
local function map(t, fn) local r = {} for i, v in ipairs(t) do r[i] = fn(v) end return r end
print(table.concat(map({1, 2, 3}, function(v) return v * v end), " "))
print(type(print), type(fact), type(nil), type({}), type("s"), type(2), type(true))
print(select("#", (function() end)()), (function() return 1, 2 end)())
local memo = setmetatable({}, {__mode = "k"})
memo[obj] = 1
print(memo[obj])
