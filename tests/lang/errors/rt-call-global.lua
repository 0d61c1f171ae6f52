io.write("partial ")
undefined_function()

