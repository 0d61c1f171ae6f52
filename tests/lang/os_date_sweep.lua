-- os.date over 272 instants from a fixed generator (years -3100 to 7100, around 1970, and
-- at the ends of 1995..2030, where ISO weeks cross years), every C99 conversion in one format;
-- and os.time normalizing 150 tables of out-of-range fields, printed with the fields it wrote
-- back. Local time is UTC (tests/lang/run.sh sets TZ=UTC for lua5.4).
local x = 777
local function rnd(n) x = (x * 1103515245 + 12345) % 2147483648; return x % n end
local fmt = "!%a %A %b %B %c %C %d %D %e %F %g %G %h %H %I %j %m %M %p %r %R %S %T %u %U %V %w %W %x %X %y %Y %z %Z %%"
local times = {0, -1, 86399, 86400, 951782400, 951868800, 946684799, 946684800}
for _ = 1, 60 do times[#times + 1] = rnd(2147483647) * 150 - 160000000000 end
for _ = 1, 60 do times[#times + 1] = rnd(2147483647) - 1073741824 end
for y = 1995, 2030 do
  local t = os.time({year = y, month = 1, day = 1, hour = 0})
  for d = -3, 3, 2 do times[#times + 1] = t + d * 86400 + rnd(86400) end
end
for _, t in ipairs(times) do print(t, os.date(fmt, t)) end
for _ = 1, 150 do
  local t = {year = 1900 + rnd(300), month = rnd(40) - 14, day = rnd(200) - 60, hour = rnd(100) - 30,
             min = rnd(300) - 100, sec = rnd(20000) - 5000}
  local r = os.time(t)
  print(r, t.year, t.month, t.day, t.hour, t.min, t.sec, t.yday, t.wday, t.isdst)
end
