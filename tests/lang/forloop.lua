-- Numeric for loops: integer loops at the limits of the integer range never overflow or
-- wrap, float loops, empty loops, loop errors, the control variable is a fresh local.
local function show(...)
  local t = table.pack(...)
  local parts = {}
  for i = 1, t.n do
    local v = t[i]
    parts[i] = tostring(v) .. ":" .. (math.type(v) or type(v))
  end
  print(table.concat(parts, " "))
end

print("-- integer for loops at the limits")
local n = 0
for i = math.maxinteger - 2, math.maxinteger do n = n + 1; io.write(i, " ") end
print(n)
n = 0
for i = math.mininteger + 2, math.mininteger, -1 do n = n + 1; io.write(i, " ") end
print(n)
n = 0
for i = math.mininteger, math.maxinteger, math.maxinteger do n = n + 1; io.write(i, " ") end
print(n)
n = 0
for i = 1, 0 do n = n + 1 end
for i = math.maxinteger, math.mininteger do n = n + 1 end
print("empty loops", n)
for i = 1, 3.5 do io.write(i, " ") end print()
for i = 1.0, 3 do io.write(i, " ") end print()
for i = 0.5, 2, 0.5 do io.write(i, " ") end print()
for i = 3, 1, -1 do io.write(i, " ") end print()
for i = 1, math.huge do if i > 3 then break end io.write(i, " ") end print()
for i = -1, -math.huge, -1 do if i < -3 then break end io.write(i, " ") end print()
for i = math.maxinteger - 1, 1e100 do io.write(i, " ") end print()
show(pcall(function() for i = 1, 10, 0 do end end))
show(pcall(function() for i = 1, "x" do end end))
show(pcall(function() for i = "a", 2 do end end))
show(pcall(function() for i = 1, 2, {} do end end))
local t = {}
for i = 1, 3 do t[i] = i; i = i * 10; io.write(i, " ") end print(#t)

