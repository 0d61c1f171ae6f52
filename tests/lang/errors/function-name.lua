local function end
