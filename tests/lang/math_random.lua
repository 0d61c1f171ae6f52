-- math.random against lua5.4 draw for draw: many seeds (including two-word seeds and negative
-- ones), every argument form, ranges whose size is and is not a power of two (the two paths
-- of 5.4's "project"), the full 64-bit ranges, and floats printed to 17 digits.
local seeds = {{0}, {1}, {42}, {-1}, {math.maxinteger}, {math.mininteger}, {7, 9}, {123456789, -987654321}}
for _, s in ipairs(seeds) do
  local a, b = math.randomseed(table.unpack(s))
  local out = {tostring(a), tostring(b)}
  out[#out + 1] = string.format("%.17g", math.random())
  out[#out + 1] = math.random(0)
  for _, n in ipairs({1, 2, 3, 6, 7, 8, 10, 100, 255, 256, 1000, 65535, 65537, 2^31 - 1, 2^40 + 1}) do
    out[#out + 1] = math.random(math.tointeger(n))
  end
  for _, r in ipairs({{-10, 10}, {-3, -1}, {0, 0}, {5, 6}, {math.mininteger, math.maxinteger},
                      {math.mininteger, 0}, {0, math.maxinteger}, {-2^62, 2^62}, {1, 3 * 2^60}}) do
    out[#out + 1] = math.random(math.tointeger(r[1]), math.tointeger(r[2]))
  end
  print(table.concat(out, " "))
end
-- a long run from one seed: the generator's state carries across calls
math.randomseed(2024)
local sum, hist = 0, {}
for i = 1, 5000 do
  local v = math.random(1, 37)
  sum = sum + v
  hist[v] = (hist[v] or 0) + 1
end
print(sum, hist[1], hist[19], hist[37])
local fsum = 0
for i = 1, 5000 do fsum = fsum + math.random() end
print(string.format("%.12f", fsum), math.random(0), math.random(1 << 53))
