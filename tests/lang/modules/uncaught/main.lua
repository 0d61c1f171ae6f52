-- An uncaught error inside a module ends the program with the module's file:line.
print("before")
require "lib.bad"
print("never")
