-- string.gsub with a replacement function (issue 5 runs gsub as a state machine, so that the
-- function may yield): captures and position captures as arguments, false and nil keeping the
-- match, numbers as replacements, nested calls and a gsub inside the callback, errors raised
-- in the callback, anchors, the count limit, empty matches, and many matches. Table
-- replacements (whose __index may be a function) are checked beside them.
local function show(...) print(select("#", ...), ...) end

-- the whole match when the pattern has no captures; the captures when it has
show(("hello world"):gsub("o", function(m) return "[" .. m .. "]" end))
show(("key=val, k2=v2"):gsub("(%w+)=(%w+)", function(k, v) return v .. "=" .. k end))
-- position captures arrive as integers
show(("abcabc"):gsub("()b()", function(p, q) return "<" .. p .. "," .. q .. "," .. math.type(p) .. ">" end))
show(("hello"):gsub("l()", function(p) return p end))
-- every argument is passed, up to the captures the pattern has
show(("a1b2c3"):gsub("(%a)(%d)", function(...) return select("#", ...) .. table.concat({...}) end))
-- false and nil keep the match; numbers are replacements
show(("one two three"):gsub("%a+", function(w) if w == "two" then return false end return w:upper() end))
show(("one two three"):gsub("%a+", function(w) if w ~= "two" then return nil end return "2" end))
show(("x y z"):gsub("%a", function() end))
show(("1 2 3"):gsub("%d", function(d) return d * 10 end))
show(("1 2 3"):gsub("%d", function(d) return d / 2 end))
-- nothing replaced: the subject itself comes back
show(("abc"):gsub("%a", function(c) return nil end))
show(("abc"):gsub("%d", function(c) return "!" end))

-- nested calls, and a gsub (and a sort) inside the callback
local function wrap(s) return "(" .. s .. ")" end
local calls = 0
show(("a-bb-ccc"):gsub("%a+", function(w)
  calls = calls + 1
  local inner = w:gsub(".", function(c) return wrap(c) end)
  local letters = {}
  for c in w:gmatch(".") do letters[#letters + 1] = c end
  table.sort(letters, function(x, y) return x > y end)
  return inner .. table.concat(letters)
end))
print("calls", calls)
-- a callback that uses gsub on the same subject
local subject = "ab"
show(subject:gsub("%a", function(c) return (subject:gsub(c, c .. c)) end))

-- anchors, the count limit, empty matches
show(("aaa"):gsub("^a", function(m) return "b" end))
show(("aaa"):gsub("^b", function(m) return "c" end))
show(("abc"):gsub("", function() return "-" end))
show(("abc"):gsub("x*", function(m) return "<" .. m .. ">" end))
show(("hello world"):gsub("%a+", function(w) return #w end, 1))
show(("hello world"):gsub("%a+", function(w) return #w end, 0))
show(("hello world"):gsub("%a+", function(w) return #w end, -1))
show(("a,b,,c"):gsub("([^,]*)", function(f) return "[" .. f .. "]" end))
show(("THE (quick) fox"):gsub("%((%w+)%)", function(w) return w:reverse() end))
show(("f(a(b)c)d"):gsub("%b()", function(m) return #m end))
show(("hello"):gsub("(l)(l)", function(a, b) return b .. a .. "!" end))
show(("  trim  "):gsub("^%s*(.-)%s*$", function(s) return "[" .. s .. "]" end))

-- errors raised in the callback and about what it returns
print(pcall(string.gsub, "abc", "%a", function(c) error("callback failed") end))
print(pcall(string.gsub, "abc", "%a", function(c) error("level 2", 2) end))
print(pcall(string.gsub, "abc", "b", function(c) return {} end))
print(pcall(string.gsub, "abc", "b", function(c) return true end))
print(pcall(string.gsub, "abc", "%a", function(c) return c .. nil end))
local seen = {}
print(pcall(string.gsub, "abcdef", "%a", function(c)
  seen[#seen + 1] = c
  if c == "d" then error("stop at " .. c) end
  return c
end))
print(table.concat(seen))
print(pcall(string.gsub, "abc", "(", function() return "" end))
print(pcall(string.gsub, "abc", "%a", function() return "%1" end))

-- table replacements, plain and through __index (a metamethod, not yieldable)
show(("$name is $age"):gsub("%$(%w+)", {name = "Ann", age = 7}))
show(("$name is $age"):gsub("%$(%w+)", {name = false}))
local lookups = 0
local dyn = setmetatable({}, {__index = function(_, k) lookups = lookups + 1; return k:upper() end})
show(("a b c"):gsub("%a", dyn))
print("lookups", lookups)
print(pcall(string.gsub, "abc", "%a", setmetatable({}, {__index = function(_, k) error("no " .. k) end})))

-- many matches, a long result, and captures of every kind
local parts = {}
for i = 1, 10000 do parts[i] = i .. ":" .. (i * 7 % 1000) end
local long = table.concat(parts, ";")
local sum = 0
local out, cnt = long:gsub("(%d+):(%d+)", function(a, b)
  sum = sum + a + b
  return b .. "=" .. a
end)
print(#long, #out, cnt, sum, out:sub(1, 40), out:sub(-40))
local positions = 0
local _, pcount = long:gsub("();", function(p) positions = positions + p end)
print(pcount, positions)
local grown = ("x"):rep(5000):gsub("x", function() return "yz" end)
print(#grown, grown:sub(1, 6))
