return function() return "called" end
