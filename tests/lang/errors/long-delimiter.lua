local s = [=x
