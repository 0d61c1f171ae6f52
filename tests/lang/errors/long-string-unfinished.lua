local s = [[
never closed

