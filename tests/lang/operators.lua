-- Operators: precedence and associativity, and/or/not short-circuit values, constant folding
-- cases the compiler may fold (results must be the same as at run time).
print(2 + 3 * 4, (2 + 3) * 4, 2 ^ 3 ^ 2, -2 ^ 2, (-2) ^ 2, 2 ^ -1)
print(1 .. 2 .. 3, "a" .. "b" == "ab", not nil == true, not 1 == nil, #"abc" + 1, -#"ab")
print(1 + 2 < 4, 1 < 2 == true, "x" .. 1 + 2, 2 * 3 % 4, 7 // 2 * 2, 2 ^ 2 * 3)
print(1 | 2 ~ 3 & 4, 1 << 2 + 1, 5 & 3 == 1, ~0 >> 60, 3 .. 4 < "35")
print(nil or "default", false or nil, 0 or "zero is true", "" or "empty is true")
print(nil and 1, false and error("not evaluated"), 1 and 2, 1 and nil, nil or false)
print(1 == 1 and "yes" or "no", nil == false, not not nil, not 0)
local calls = 0
local function t() calls = calls + 1; return true end
local function f() calls = calls + 1; return false end
local _ = f() and t() or t() and f() or t()
print(calls)
local x = 5
print(x > 3 and x < 10, x > 3 and x > 10, x < 3 or x == 5)
print(1 // 1, 1.0 // 1, 2^53 + 1.0, 10 - -3, - -3, -(-3), - - -3)
print(3 - 1 - 1, 2 ^ 2 ^ 0, 100 / 10 / 2, 2 * 3 ^ 2, -3 % 5, (-3) % 5, -(3 % 5))
print(math.maxinteger + 1, math.mininteger - 1, math.maxinteger * 3, 1 << 63 >> 63)
print("abc" < "abd" and 1 or 0, 1 == 1.0, "1" == 1, 0.1 + 0.2 == 0.3, 0.5 + 0.25 == 0.75)
print(#{} == 0, #"" == 0, - 0.0, 0.0 == -0.0, 1/0 > math.maxinteger, -1/0 < math.mininteger)
local a, b = 7, 2
print(a + b, a - b, a * b, a / b, a // b, a % b, a ^ b, a & b, a | b, a ~ b, a << b, a >> b, -a, ~a)
a, b = 7.5, 2
print(a + b, a - b, a * b, a / b, a // b, a % b, a ^ b, -a)
if x == 1 then print("one") elseif x == 5 then print("five") else print("other") end
if nil then print("nil true") elseif false then print("false true") else print("neither") end
local i = 0
while i < 3 do i = i + 1 end
print("while", i)
repeat local inside = i; i = i - 1 until inside <= 1
print("repeat", i)
local w = 0
while true do w = w + 1; if w == 4 then break end end
print("break", w)
for k = 10, 1, -3 do io.write(k, " ") end print()
