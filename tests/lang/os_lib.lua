-- os.date, os.time, os.difftime, os.clock and io.write. Local time is UTC in skiff (run with
-- TZ=UTC under lua5.4: tests/lang/run.sh sets it), so only fixed times are printed.
local t0 = 1700000000 -- 2023-11-14 22:13:20 UTC, a Tuesday
local convs = "aAbBcCdDeFgGhHIjmMnprRStTuUVwWxXyYzZ%"
for c in convs:gmatch(".") do
  io.write(c, "=[", os.date("!%" .. c, t0), "] ")
end
print()
for _, c in ipairs({"Ec", "EC", "Ex", "EX", "Ey", "EY", "Od", "Oe", "OH", "OI", "Om", "OM", "OS",
                    "Ou", "OU", "OV", "Ow", "OW", "Oy"}) do
  io.write(c, "=[", os.date("!%" .. c, t0), "] ")
end
print()
print(os.date("!%Y-%m-%d %H:%M:%S", 0), os.date("!%c", -1), os.date("!%x %X %p", 43200))
print(os.date("%Y-%m-%d %H:%M:%S %Z", t0), os.date("!%Z", t0), os.date("!", t0), os.date("", t0))
print(os.date("!plain text, 100%% sure", t0))
for _, t in ipairs({951782400, 951868800, 1609459200, 1704067199, -86400 * 365 * 100, 253402300799,
                    -62167219200, 4102444800, 1230768000, 1262217600}) do
  print(t, os.date("!%a %d %b %Y %j %U %W %V %G %g %u %w %C %y %e %I", t))
end
local d = os.date("!*t", t0)
print(d.year, d.month, d.day, d.hour, d.min, d.sec, d.yday, d.wday, d.isdst)
d = os.date("*t", 0)
print(d.year, d.month, d.day, d.hour, d.min, d.sec, d.yday, d.wday, d.isdst)
print(pcall(os.date, "%Ez"))
print(pcall(os.date, "%Q and more"))
print(pcall(os.date, "%"))
print(pcall(os.date, "%E"))
print(pcall(os.date, "!%Y", 1 << 60))
print(pcall(os.date, "!%Y", 1.5))
print(pcall(os.date, "!%Y", "x"))
print(os.date("!%Y", "86400"), os.date("!%d", 86400.0))

print(os.time({year = 2023, month = 11, day = 14, hour = 22, min = 13, sec = 20}))
print(os.time({year = 1970, month = 1, day = 1, hour = 0}), os.time({year = 1970, month = 1, day = 1}))
local n = {year = 2021, month = 14, day = -3, hour = 25, min = 61, sec = -1}
print(os.time(n))
print(n.year, n.month, n.day, n.hour, n.min, n.sec, n.yday, n.wday, n.isdst)
n = {year = 2000, month = 0, day = 0, hour = 0, min = 0, sec = 86400 * 366}
print(os.time(n), n.year, n.month, n.day, n.yday, n.wday)
n = {year = "2020", month = 2.0, day = 29, min = "5"}
print(os.time(n), n.hour, n.min, math.type(n.month))
n = {year = 2020, month = 1, day = 1, hour = 0, isdst = true}
print(os.time(n), n.year, n.month, n.day, n.hour, n.isdst)
n = {year = 2020, month = 1, day = 1, hour = 0, isdst = false}
print(os.time(n), n.isdst)
local proxied = setmetatable({}, {__index = function(_, k)
  return ({year = 1999, month = 12, day = 31})[k]
end})
print(os.time(proxied), rawget(proxied, "hour"), rawget(proxied, "yday"))
print(pcall(os.time, {year = 2021}))
print(pcall(os.time, {year = 2021, month = 1}))
print(pcall(os.time, {year = "x", month = 1, day = 1}))
print(pcall(os.time, {year = 2021.5, month = 1, day = 1}))
print(pcall(os.time, {year = 2021, month = 1, day = 1, hour = {}}))
print(pcall(os.time, {year = 1 << 40, month = 1, day = 1}))
print(pcall(os.time, {year = 2021, month = 1, day = 1, sec = -(1 << 31) - 1}))
print(pcall(os.time, {year = 1969, month = 12, day = 31, hour = 23, min = 59, sec = 59}))
print(pcall(os.time, {year = 2147485547, month = 12, day = 31, hour = 23, min = 59, sec = 60}))
print(pcall(os.time, {year = 2147485547, month = 12, day = 31, hour = 23, min = 59, sec = 59}))
print(pcall(os.time, 5))
print(math.type(os.time()), os.time() > 1600000000, os.time(nil) > 0)
print(os.difftime(10, 3), os.difftime(3, 10), math.type(os.difftime(1, 1)))
print(pcall(os.difftime, 5))
print(pcall(os.difftime, 1.5, 1))
local c = os.clock()
print(math.type(c), c >= 0, os.clock() >= c)

io.write("a", 1, " ", 2.0, " ", -0.0, " ", 1e100, " ", 2^63, " ", math.mininteger, " ", 1/3, "\n")
io.write()
io.write("x"):write("y", 3, "\n")
print(io.write() == io.stdout, io.stdout:write("z") == io.stdout)
print(pcall(io.write, {}))
print(pcall(io.write, "ok", nil))
print(pcall(io.stdout.write, {}, "x"))
print(pcall(function() io.stdout.write(1) end))
print(pcall(function() io.stdout:write({}) end))
