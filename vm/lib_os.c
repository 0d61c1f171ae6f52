/* The parts of os and io a unikernel without a file system keeps (DESIGN.md section 7): os.time,
 * os.clock, os.date, os.difftime and io.write, as lua5.4 (5.4.4) behaves with TZ=UTC.
 *
 * The machine has one time zone, UTC, so local time is UTC: os.date("%c") and os.date("!%c")
 * give the same fields and os.time{...} reads its table as UTC, as lua5.4 does when TZ=UTC
 * (vm/README.md lists this deviation). The calendar and strftime's conversions are ours (the
 * kernel links no libc time function): the proleptic Gregorian calendar of C's gmtime, and the
 * "C" locale's conversions as glibc prints them. os.clock is the platform's monotonic clock
 * since the library was opened, not CPU time (one CPU, no other processes, so they differ only
 * by the time the loop spends outside this VM). Entry point: vm_lib_os_open. */
#include "vm/lib.h"
#include "vm/vm.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "kernel/platform.h"

/* --- The calendar --- */

/* Broken-down time as C's struct tm has it (tm_year counts from 1900, tm_mon from 0), with a
 * 64-bit year so that out-of-range values can be detected instead of overflowing. */
struct date {
    int64_t year; /* the calendar year itself (not minus 1900) */
    int mon;      /* 0..11 */
    int mday;     /* 1..31 */
    int hour, min, sec;
    int wday; /* 0..6, Sunday = 0 */
    int yday; /* 0..365 */
};

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t floor_mod(int64_t a, int64_t b)
{
    return a - floor_div(a, b) * b;
}

/* Days from 1970-01-01 to year-mon-mday (mon 1..12) in the proleptic Gregorian calendar. The
 * year is shifted to start in March, so the leap day is the last day of a year, and counted in
 * 400-year eras of 146097 days. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;                                   /* 0..399 */
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* 0..365 */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* 0..146096 */
    return era * 146097 + doe - 719468;
}

static bool is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* gmtime: the date of 't' seconds after the epoch. */
static void date_from_time(struct date *dt, int64_t t)
{
    int64_t days = floor_div(t, 86400), secs = floor_mod(t, 86400);
    dt->hour = (int)(secs / 3600);
    dt->min = (int)(secs / 60 % 60);
    dt->sec = (int)(secs % 60);
    dt->wday = (int)floor_mod(days + 4, 7); /* 1970-01-01 was a Thursday */
    int64_t z = days + 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    dt->mday = (int)(doy - (153 * mp + 2) / 5 + 1);
    int m = (int)(mp < 10 ? mp + 3 : mp - 9);
    dt->year = yoe + era * 400 + (m <= 2);
    dt->mon = m - 1;
    dt->yday = (int)(days - days_from_civil(dt->year, 1, 1));
}

/* The year fits C's int tm_year, as gmtime and mktime require. */
static bool year_ok(int64_t year)
{
    return year - 1900 >= INT_MIN && year - 1900 <= INT_MAX;
}

/* --- strftime's conversions, "C" locale --- */

static const char *const wday_name[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                        "Thursday", "Friday", "Saturday"};
static const char *const mon_name[] = {"January",   "February", "March",    "April",
                                       "May",       "June",     "July",     "August",
                                       "September", "October",  "November", "December"};

/* The ISO 8601 week-based year and week (%G, %V): the week with the year's first Thursday is
 * week 1, and weeks start on Monday. */
static void iso_week(const struct date *dt, int64_t *year, int *week)
{
    int wd = (dt->wday + 6) % 7;     /* Monday = 0 */
    int64_t thu = dt->yday - wd + 3; /* yday of this week's Thursday */
    int64_t y = dt->year;
    if (thu < 0) {
        y--;
        thu += is_leap(y) ? 366 : 365;
    } else if (thu >= (is_leap(y) ? 366 : 365)) {
        thu -= is_leap(y) ? 366 : 365;
        y++;
    }
    *year = y;
    *week = (int)(thu / 7) + 1;
}

/* glibc prints the year from int arithmetic (tm_year + 1900), wrapping past INT_MAX. */
static long long year_int(int64_t year)
{
    return (int32_t)(uint32_t)(uint64_t)year;
}

static void add_fmt(struct vm_buf *b, const char *fmt, long long v)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, fmt, v);
    vm_buf_add(b, tmp, (size_t)n);
}

static void add_str(struct vm_buf *b, const char *s)
{
    vm_buf_add(b, s, strlen(s));
}

static void add_conv(struct vm_buf *b, char c, const struct date *dt, bool utc);

/* Appends 'fmt', a format of our own (every conversion valid): the "C" locale defines the
 * composite conversions by the others (C11 7.27.3.5), "%c" being "%a %b %e %H:%M:%S %Y". */
static void add_format(struct vm_buf *b, const char *fmt, const struct date *dt, bool utc)
{
    for (; *fmt != '\0'; fmt++) {
        if (*fmt == '%')
            add_conv(b, *++fmt, dt, utc);
        else
            vm_buf_add_char(b, *fmt);
    }
}

/* Appends conversion 'c' (the letter after %, E or O already dropped: the C locale has no
 * alternative forms). 'utc' is the '!' of the format: %Z names the zone as glibc does, "GMT"
 * for gmtime and "UTC" for local time under TZ=UTC. */
static void add_conv(struct vm_buf *b, char c, const struct date *dt, bool utc)
{
    int64_t iy;
    int iw;
    switch (c) {
    case 'a':
        vm_buf_add(b, wday_name[dt->wday], 3);
        break;
    case 'A':
        add_str(b, wday_name[dt->wday]);
        break;
    case 'b':
    case 'h':
        vm_buf_add(b, mon_name[dt->mon], 3);
        break;
    case 'B':
        add_str(b, mon_name[dt->mon]);
        break;
    case 'c':
        add_format(b, "%a %b %e %H:%M:%S %Y", dt, utc);
        break;
    case 'C':
        add_fmt(b, "%lld", (long long)floor_div(dt->year, 100));
        break;
    case 'd':
        add_fmt(b, "%02lld", dt->mday);
        break;
    case 'D':
    case 'x':
        add_format(b, "%m/%d/%y", dt, utc);
        break;
    case 'e':
        add_fmt(b, "%2lld", dt->mday);
        break;
    case 'F':
        add_format(b, "%Y-%m-%d", dt, utc);
        break;
    case 'g':
        iso_week(dt, &iy, &iw);
        add_fmt(b, "%02lld", (long long)floor_mod(iy, 100));
        break;
    case 'G':
        iso_week(dt, &iy, &iw);
        add_fmt(b, "%lld", year_int(iy));
        break;
    case 'H':
        add_fmt(b, "%02lld", dt->hour);
        break;
    case 'I':
        add_fmt(b, "%02lld", dt->hour % 12 == 0 ? 12 : dt->hour % 12);
        break;
    case 'j':
        add_fmt(b, "%03lld", dt->yday + 1);
        break;
    case 'm':
        add_fmt(b, "%02lld", dt->mon + 1);
        break;
    case 'M':
        add_fmt(b, "%02lld", dt->min);
        break;
    case 'n':
        vm_buf_add_char(b, '\n');
        break;
    case 'p':
        add_str(b, dt->hour < 12 ? "AM" : "PM");
        break;
    case 'r':
        add_format(b, "%I:%M:%S %p", dt, utc);
        break;
    case 'R':
        add_format(b, "%H:%M", dt, utc);
        break;
    case 'S':
        add_fmt(b, "%02lld", dt->sec);
        break;
    case 't':
        vm_buf_add_char(b, '\t');
        break;
    case 'T':
    case 'X':
        add_format(b, "%H:%M:%S", dt, utc);
        break;
    case 'u':
        add_fmt(b, "%lld", dt->wday == 0 ? 7 : dt->wday);
        break;
    case 'U':
        add_fmt(b, "%02lld", (dt->yday + 7 - dt->wday) / 7);
        break;
    case 'V':
        iso_week(dt, &iy, &iw);
        add_fmt(b, "%02lld", iw);
        break;
    case 'w':
        add_fmt(b, "%lld", dt->wday);
        break;
    case 'W':
        add_fmt(b, "%02lld", (dt->yday + 7 - (dt->wday + 6) % 7) / 7);
        break;
    case 'y':
        add_fmt(b, "%02lld", (long long)floor_mod(dt->year, 100));
        break;
    case 'Y':
        add_fmt(b, "%lld", year_int(dt->year));
        break;
    case 'z':
        add_str(b, "+0000");
        break;
    case 'Z':
        add_str(b, utc ? "GMT" : "UTC");
        break;
    default:
        vm_buf_add_char(b, '%');
        break; /* "%%" */
    }
}

/* The conversions lua5.4 accepts (C99's), in 5.4's order: one-letter ones, then after "||"
 * the two-letter E and O forms. */
static const char date_options[] = "aAbBcCdDeFgGhHIjmMnprRStTuUVwWxXyYzZ%"
                                   "||"
                                   "EcECExEXEyEYOdOeOHOIOmOMOSOuOUOVOwOWOy";

/* Returns the length (1 or 2) of the conversion at 'conv' ('n' bytes left), or 0 if invalid. */
static int date_option(const char *conv, size_t n)
{
    size_t oplen = 1;
    for (const char *o = date_options; *o != '\0' && oplen <= n; o += oplen) {
        if (*o == '|')
            oplen++;
        else if (memcmp(conv, o, oplen) == 0)
            return (int)oplen;
    }
    return 0;
}

/* --- os --- */

static void set_int_field(struct vm *vm, const char *k, int64_t v)
{
    vm_push_int(vm, v);
    vm_tab_setfield(vm, -2, k);
}

/* Stores every field of 'dt' into the table on top (setallfields). */
static void set_all_fields(struct vm *vm, const struct date *dt)
{
    set_int_field(vm, "year", dt->year);
    set_int_field(vm, "month", dt->mon + 1);
    set_int_field(vm, "day", dt->mday);
    set_int_field(vm, "hour", dt->hour);
    set_int_field(vm, "min", dt->min);
    set_int_field(vm, "sec", dt->sec);
    set_int_field(vm, "yday", dt->yday + 1);
    set_int_field(vm, "wday", dt->wday + 1);
    vm_push_bool(vm, false); /* UTC has no daylight saving time */
    vm_tab_setfield(vm, -2, "isdst");
}

static int64_t check_time(struct vm *vm, int arg)
{
    return vm_check_int(vm, arg);
}

static int64_t now_s(void)
{
    return (int64_t)(plat_wall_ns() / 1000000000u);
}

/* One field of os.time's table (the table is at index 1), minus 'delta', as an int; 'def' < 0
 * means the field is required. */
static int64_t get_field(struct vm *vm, const char *key, int def, int delta)
{
    enum vm_type t = vm_tab_getfield(vm, 1, key);
    int64_t res;
    if (!vm_to_int(vm, -1, &res)) {
        if (t != VM_TNIL) vm_error(vm, "field '%s' is not an integer", key);
        if (def < 0) vm_error(vm, "field '%s' missing in date table", key);
        res = def;
    } else {
        if (!(res >= 0 ? res - delta <= INT_MAX : (int64_t)INT_MIN + delta <= res))
            vm_error(vm, "field '%s' is out-of-bound", key);
        res -= delta;
    }
    vm_stack_pop(vm, 1);
    return res;
}

static _Noreturn void time_unrepresentable(struct vm *vm)
{
    vm_error(vm, "time result cannot be represented in this installation");
}

static int os_time(struct vm *vm)
{
    enum vm_type at = vm_type(vm, 1);
    int64_t t;
    if (at == VM_TNONE || at == VM_TNIL) {
        t = now_s();
    } else {
        vm_check_type(vm, 1, VM_TTABLE);
        vm_stack_set_top(vm, 1);
        int64_t year = get_field(vm, "year", -1, 1900);
        int64_t mon = get_field(vm, "month", -1, 1);
        int64_t mday = get_field(vm, "day", -1, 0);
        int64_t hour = get_field(vm, "hour", 12, 0);
        int64_t min = get_field(vm, "min", 0, 0);
        int64_t sec = get_field(vm, "sec", 0, 0);
        bool dst = vm_tab_getfield(vm, 1, "isdst") != VM_TNIL && vm_to_bool(vm, -1);
        vm_stack_pop(vm, 1);
        /* mktime's normalization: months carry into years, everything else is seconds */
        int64_t y = year + 1900 + floor_div(mon, 12);
        if (!year_ok(y)) time_unrepresentable(vm);
        int64_t days = days_from_civil(y, (int)floor_mod(mon, 12) + 1, 1) + mday - 1;
        t = days * 86400 + hour * 3600 + min * 60 + sec;
        /* glibc's mktime under TZ=UTC takes isdst = true to mean an hour ahead of UTC */
        if (dst) t -= 3600;
        struct date dt;
        date_from_time(&dt, t);
        if (!year_ok(dt.year)) time_unrepresentable(vm);
        set_all_fields(vm, &dt);
    }
    if (t == -1) /* mktime's error value; lua5.4 cannot tell it from 1969-12-31 23:59:59 */
        time_unrepresentable(vm);
    vm_push_int(vm, t);
    return 1;
}

static int os_clock(struct vm *vm)
{
    int64_t start;
    vm_upvalue_push(vm, 1);
    vm_to_int(vm, -1, &start);
    vm_stack_pop(vm, 1);
    vm_push_num(vm, (double)(plat_clock_ns() - (uint64_t)start) / 1e9);
    return 1;
}

static int os_difftime(struct vm *vm)
{
    int64_t t1 = check_time(vm, 1), t2 = check_time(vm, 2);
    vm_push_num(vm, (double)t1 - (double)t2);
    return 1;
}

static int os_date(struct vm *vm)
{
    size_t len;
    const char *s = vm_opt_str(vm, 1, "%c", &len);
    enum vm_type tt = vm_type(vm, 2);
    int64_t t = (tt == VM_TNONE || tt == VM_TNIL) ? now_s() : check_time(vm, 2);
    const char *se = s + len;
    bool utc = false;
    if (s < se && *s == '!') {
        utc = true;
        s++;
    }
    struct date dt;
    date_from_time(&dt, t);
    if (!year_ok(dt.year)) vm_error(vm, "date result cannot be represented in this installation");
    if (strcmp(s, "*t") == 0) {
        vm_push_table(vm, 0, 9);
        set_all_fields(vm, &dt);
        return 1;
    }
    struct vm_buf b;
    vm_buf_init(vm, &b);
    while (s < se) {
        if (*s != '%') {
            vm_buf_add_char(&b, *s++);
            continue;
        }
        s++;
        int n = date_option(s, (size_t)(se - s));
        if (n == 0) {
            /* lua5.4 quotes the rest of the format, up to its NUL */
            const char *msg = vm_push_fstr(vm, "invalid conversion specifier '%%%s'", s);
            vm_arg_error(vm, 1, msg);
        }
        add_conv(&b, s[n - 1], &dt, utc);
        s += n;
    }
    vm_buf_push(&b);
    return 1;
}

/* --- io.write --- */

/* Writes the arguments from 'arg' on: numbers as lua5.4's fprintf does ("%lld", "%.14g",
 * so 1.0 is written "1", unlike tostring), strings as they are. */
static void write_args(struct vm *vm, int arg)
{
    int top = vm_stack_top(vm);
    for (; arg <= top; arg++) {
        if (vm_type(vm, arg) == VM_TNUMBER) {
            char tmp[64];
            int n;
            if (vm_is_int(vm, arg)) {
                int64_t i;
                vm_to_int(vm, arg, &i);
                n = snprintf(tmp, sizeof tmp, "%lld", (long long)i);
            } else {
                double d;
                vm_to_num(vm, arg, &d);
                n = snprintf(tmp, sizeof tmp, "%.14g", d);
            }
            vm_write(vm, tmp, (size_t)n);
        } else {
            size_t len;
            const char *s = vm_check_str(vm, arg, &len);
            vm_write(vm, s, len);
        }
    }
}

/* io.write returns io.stdout, as lua5.4 returns its file, so io.write(a):write(b) works. Our
 * io.stdout is a table whose only method is write (no userdata, no files). */
static int io_write(struct vm *vm)
{
    write_args(vm, 1);
    vm_upvalue_push(vm, 1);
    return 1;
}

static int io_stdout_write(struct vm *vm)
{
    vm_upvalue_push(vm, 1);
    bool is_stdout = vm_raw_equal(vm, 1, -1);
    vm_stack_pop(vm, 1);
    if (!is_stdout) vm_type_error(vm, 1, "FILE*");
    write_args(vm, 2);
    vm_stack_copy(vm, 1);
    return 1;
}

static const struct vm_lib_fn os_fns[] = {
    {"time", os_time},
    {"date", os_date},
    {"difftime", os_difftime},
    {NULL, NULL},
};

static const struct vm_lib_fn io_fns[] = {{NULL, NULL}};

void vm_lib_os_open(struct vm *vm)
{
    vm_lib_register(vm, "os", os_fns);
    vm_push_int(vm, (int64_t)plat_clock_ns());
    vm_push_native(vm, os_clock, "os.clock", 1);
    vm_tab_setfield(vm, -2, "clock");
    vm_stack_pop(vm, 1);

    vm_lib_register(vm, "io", io_fns);
    vm_push_table(vm, 0, 1); /* io.stdout */
    vm_stack_copy(vm, -1);
    vm_push_native(vm, io_stdout_write, NULL, 1); /* "?" when no call site names it */
    vm_tab_setfield(vm, -2, "write");
    vm_stack_copy(vm, -1);
    vm_tab_setfield(vm, -3, "stdout");
    vm_push_native(vm, io_write, "io.write", 1);
    vm_tab_setfield(vm, -2, "write");
    vm_stack_pop(vm, 1);
}
