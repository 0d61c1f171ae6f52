-- An error in a table.sort comparator ends the script: the message carries the comparator's
-- line, and the traceback goes through the sort.
local function less(a, b)
  if a == 2 then error("comparator gave up on " .. a) end
  return a < b
end
table.sort({3, 1, 2, 5, 4}, less)
