-- An error in a gsub replacement function ends the script: the message carries the
-- function's line, and the traceback goes through the gsub.
local text = "one two three"
local out = text:gsub("%a+", function(w)
  return w .. nil
end)
print(out)
