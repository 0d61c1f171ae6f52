print("a\
b")
print("c\q")
