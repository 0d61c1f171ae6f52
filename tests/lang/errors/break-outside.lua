local x = 1
break

