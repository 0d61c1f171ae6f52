error({code = 1})

