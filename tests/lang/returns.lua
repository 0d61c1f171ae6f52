-- Return forms: a parameter or local in any register (the last register of the frame
-- included), parenthesised single values, multiple values, tail calls, empty returns, returns
-- from nested blocks and loops.
local function first(a, b) return a end
local function last(a, b) return b end
local function third(a, b, c) return c end
local function lastlocal(t, k) local r = k; return r end
local function paren(a, b) return (b) end
local function both(a, b) return b, a end
local function none(a, b) return end
local function implicit(a, b) end
print(first(1, 2), last(1, 2), third(1, 2, 3), lastlocal({}, "k"), paren(1, 2))
print(both(1, 2))
print(select("#", none(1, 2)), select("#", implicit(1, 2)), select("#", paren(1)))
local idx = setmetatable({}, {__index = function(t, k) return k end})
print(idx[1], idx.x, idx[true])
local function inloop(n) for i = 1, 10 do if i == n then return i end end return -1 end
print(inloop(4), inloop(11))
local function inblock(x) do local y = x * 2; if y > 4 then return y end end return 0 end
print(inblock(3), inblock(1))
local function tail(n) if n == 0 then return "done" end return tail(n - 1) end
print(tail(10))
local function tailmulti() return both(3, 4) end
print(tailmulti())
local function count(...) return select("#", ...) end
print(count(first(1, 2)), count(both(1, 2)), count((both(1, 2))))
print(table.unpack({first(5, 6), last(5, 6)}))
