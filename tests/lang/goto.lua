-- goto and labels: the continue idiom, nested loops, backward jumps, labels at block ends,
-- closures capturing locals in a loop made of goto.
for i = 1, 5 do
  if i % 2 == 0 then goto continue end
  io.write(i, " ")
  ::continue::
end
print()
for i = 1, 3 do
  for j = 1, 3 do
    if j == 2 then goto next_j end
    if i == 2 then goto next_i end
    io.write(i, ",", j, " ")
    ::next_j::
  end
  ::next_i::
end
print()
local n = 0
::top::
n = n + 1
if n < 5 then goto top end
print("n", n)
do
  goto skip
  print("not printed")
  ::skip::
end
print("after skip")
local fs = {}
do
  local i = 1
  ::again::
  local x = i * 10
  fs[#fs + 1] = function() return x end
  i = i + 1
  if i <= 3 then goto again end
end
print(fs[1](), fs[2](), fs[3]())
for i = 1, 3 do
  local ok = pcall(function()
    if i == 2 then goto out end
    io.write("in ", i, " ")
    ::out::
  end)
end
print()
-- Breaking out of nested loops.
for i = 1, 10 do
  for j = 1, 10 do
    if i * j == 12 then print("found", i, j) goto done end
  end
end
::done::
while true do
  do break end
end
repeat
  local stop = true
  goto cont
  ::cont::
until stop
print("end")
