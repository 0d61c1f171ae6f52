-- The first things an interpreter runs: print of integers, floats, strings, booleans and nil;
-- locals and globals; arithmetic; if, while, numeric for; function calls and returns; tables
-- with integer and string keys; string concatenation.
print("hello")
print(1, 2.5, "three", true, false, nil)
local a, b = 6, 4
print(a + b, a - b, a * b, a / b, a // b, a % b, a ^ 2, -a)
g = "global"
print(g, a < b, a == 6, a ~= b, not a)
if a > b then print("a > b") else print("a <= b") end
local sum = 0
for i = 1, 10 do sum = sum + i end
print("sum", sum)
local n = 0
while n < 5 do n = n + 1 end
print("n", n)
local function add(x, y) return x + y end
print(add(2, 3), add(1.5, 1))
local function two() return 1, 2 end
local x, y = two()
print(x, y)
local t = {1, 2, 3, name = "t"}
t[4] = 4
t.size = #t
print(t[1], t[4], t.name, t.size, #t)
print("con" .. "cat", "n=" .. 10, 1 .. "")
local s = 0
for i = 10, 1, -2 do s = s + i end
print(s)
print(#"hello", ("x"):rep(3))
