-- Method calls through metatables: a class with __index, inheritance one level deep,
-- an __add metamethod and an __index function.
local n = tonumber(arg and arg[1]) or 200000
local Point = {}
Point.__index = Point
function Point.new(x, y) return setmetatable({x = x, y = y}, Point) end
function Point:move(dx, dy) self.x = self.x + dx; self.y = self.y + dy; return self end
function Point:len2() return self.x * self.x + self.y * self.y end
Point.__add = function(a, b) return Point.new(a.x + b.x, a.y + b.y) end
local Point3 = setmetatable({}, {__index = Point})
Point3.__index = Point3
Point3.__add = Point.__add
function Point3.new(x, y, z) local p = Point.new(x, y); p.z = z; return setmetatable(p, Point3) end
function Point3:len2() return Point.len2(self) + self.z * self.z end
local p = Point.new(0, 0)
local q = Point3.new(1, 1, 1)
local acc = 0
for i = 1, n do
  p:move(1, -1)
  q:move(i % 3, 1)
  acc = (acc + p:len2() + q:len2()) % 1000000007
end
local sum = Point.new(0, 0)
local one = Point.new(1, 2)
for _ = 1, n // 4 do sum = sum + one end
local dyn = setmetatable({}, {__index = function(_, k) return k * 2 end})
local d = 0
for i = 1, n do d = d + dyn[i] end
print("methods", n, acc, sum.x, sum.y, d)
