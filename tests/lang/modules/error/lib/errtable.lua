error({code = 404})
