local n
print("a" .. n)

