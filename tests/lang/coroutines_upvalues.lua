-- closures write into suspended coroutines' locals (open upvalues) while the collector runs
local setters, cos = {}, {}
for i = 1, 200 do
  local co = coroutine.create(function()
    local slot = {i}
    setters[i] = function(v) slot = v end
    while true do coroutine.yield(slot[1]) end
  end)
  coroutine.resume(co)
  cos[i] = co
end
local sum = 0
for round = 1, 20 do
  for i = 1, 200 do setters[i]({round * i, string.rep("x", i % 7)}) end
  local junk = {}
  for j = 1, 200 do junk[j] = {j, tostring(j)} end
  for i = 1, 200 do local _, v = coroutine.resume(cos[i]); sum = sum + v end
end
print(sum)
