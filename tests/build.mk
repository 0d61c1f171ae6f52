# Unit tests: one cmocka program per tests/<module>/test_<file>.c, linked against the ASan
# build of everything but main(). `make test` installs what is missing, builds everything
# (warnings are errors), then runs tests/run.sh.

UNIT_SRC := $(wildcard tests/*/test_*.c)
UNIT_BIN := $(foreach s,$(UNIT_SRC),$(BUILD)/tests/$(basename $(notdir $(s))))
TEST_TOOLS_SRC := $(wildcard tests/tools/*.c)
TEST_TOOLS := $(patsubst tests/tools/%.c,$(BUILD)/tests/tools/%,$(TEST_TOOLS_SRC))

define unit_rule
$(BUILD)/tests/$(basename $(notdir $(1))): $(1) $(BUILD)/libskiff-asan.a
	@mkdir -p $$(dir $$@)
	$$(CC) $$(HOSTED_CFLAGS) -O1 $$(SANITIZE) -o $$@ $$< $(BUILD)/libskiff-asan.a -lcmocka $$(HOSTED_LIBS)
endef
$(foreach s,$(UNIT_SRC),$(eval $(call unit_rule,$(s))))

$(BUILD)/tests/tools/%: tests/tools/%.c $(BUILD)/libskiff-asan.a
	@mkdir -p $(dir $@)
	$(CC) $(HOSTED_CFLAGS) -O1 $(SANITIZE) -o $@ $< $(BUILD)/libskiff-asan.a $(HOSTED_LIBS)

TEST_TARGETS := all $(BUILD)/skiff-asan $(UNIT_BIN) $(TEST_TOOLS)

test: deps
	$(MAKE) -j$$(nproc) $(TEST_TARGETS)
	./tests/run.sh

# One tier: make test-unit, make test-lang, make test-replay, make test-live, make test-qemu.
test-%: deps
	$(MAKE) -j$$(nproc) $(TEST_TARGETS)
	./tests/run.sh $*
