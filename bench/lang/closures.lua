-- Closures: creating closures in a loop, calling through upvalues, higher-order functions.
local n = tonumber(arg and arg[1]) or 200000
local function make_adder(k) return function(v) return v + k end end
local function compose(f, g) return function(v) return f(g(v)) end end
local total = 0
for i = 1, n do
  local add = make_adder(i % 7)
  total = total + add(i)
end
local inc2 = compose(make_adder(1), make_adder(1))
for i = 1, n do total = inc2(total) % 1000000007 end
local counter = 0
local function bump() counter = counter + 1 end
for _ = 1, n do bump() end
local function fold(f, acc, limit) for i = 1, limit do acc = f(acc, i) end return acc end
local folded = fold(function(a, b) return (a * 31 + b) % 1000003 end, 7, n)
print("closures", n, total, counter, folded)
