local function helper()
  return 1 + nil
end
return helper()
