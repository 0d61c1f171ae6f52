-- An error inside a module reaches the caller of require unchanged, with the module's
-- file:line; nothing is cached, so the next require runs the module again.
print(pcall(require, "lib.bad"))
print(package.loaded["lib.bad"])
print(pcall(require, "lib.bad"))
print(BAD_RUNS)
print(pcall(require, "lib.index"))
local ok, e = pcall(require, "lib.errtable")
print(ok, type(e), e.code)
print(pcall(require, "lib.deeperr"))
print(pcall(require, "lib.level2"))
