local a = @
