# The hosted platform: build/skiff (optimised) and build/skiff-asan (ASan + UBSan, what the
# tests run). Both from the same sources; libskiff-asan.a is everything but main(), for the
# unit tests to link against.

# lang/ (the compiler) runs only on the host, so it is built here and not for the kernel.
HOSTED_SRC := $(wildcard kernel/hosted/*.c lang/*.c)
HOSTED_CFLAGS := $(COMMON_CFLAGS) -D_GNU_SOURCE -MMD -MP
HOSTED_LIBS := -lpcap -lm
SANITIZE := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

HOSTED_OBJ := $(patsubst %.c,$(BUILD)/hosted/%.o,$(PORTABLE_SRC) $(HOSTED_SRC))
ASAN_OBJ := $(patsubst %.c,$(BUILD)/asan/%.o,$(PORTABLE_SRC) $(HOSTED_SRC))
ASAN_LIB_OBJ := $(filter-out $(BUILD)/asan/kernel/hosted/main.o,$(ASAN_OBJ))

$(BUILD)/hosted/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(HOSTED_CFLAGS) -O2 -c $< -o $@

$(BUILD)/asan/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(HOSTED_CFLAGS) -O1 $(SANITIZE) -c $< -o $@

$(BUILD)/skiff: $(HOSTED_OBJ)
	$(CC) -o $@ $^ $(HOSTED_LIBS)

$(BUILD)/skiff-asan: $(ASAN_OBJ)
	$(CC) $(SANITIZE) -o $@ $^ $(HOSTED_LIBS)

$(BUILD)/libskiff-asan.a: $(ASAN_LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^
