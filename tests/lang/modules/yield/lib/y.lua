coroutine.yield(1)
return "y"
