/*
 * A minimal host unit-test harness. Tests register themselves in a linker
 * section, so adding one is writing TEST(name) { ... }.
 *
 *   test_foo            run every test, print [PASS]/[FAIL] lines and a summary
 *   test_foo --list     print the test names, one per line
 *   test_foo NAME...    run only the named tests
 * The exit status is 0 only if every test that ran passed.
 */
#ifndef LAKE_UNIT_H
#define LAKE_UNIT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct unit_case {
    const char *name;
    void (*fn)(void);
};

extern int unit_failures;

#define TEST(name)                                                              \
    static void unit_test_##name(void);                                         \
    static const struct unit_case unit_case_##name                              \
        __attribute__((used, section("unit_cases"), aligned(sizeof(void *)))) = \
        { #name, unit_test_##name };                                            \
    static void unit_test_##name(void)

#define CHECK(cond) do {                                                        \
    if (!(cond)) {                                                              \
        printf("  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);       \
        unit_failures++;                                                        \
    }                                                                           \
} while (0)

#define CHECK_EQ(a, b) do {                                                     \
    unsigned long long _a = (unsigned long long)(a), _b = (unsigned long long)(b); \
    if (_a != _b) {                                                             \
        printf("  %s:%d: %s == %s failed: 0x%llx != 0x%llx\n", __FILE__,       \
               __LINE__, #a, #b, _a, _b);                                       \
        unit_failures++;                                                        \
    }                                                                           \
} while (0)

#define CHECK_STR(a, b) do {                                                    \
    const char *_a = (a), *_b = (b);                                            \
    if (_a == NULL || _b == NULL || strcmp(_a, _b) != 0) {                      \
        printf("  %s:%d: %s == %s failed: \"%s\" != \"%s\"\n", __FILE__,       \
               __LINE__, #a, #b, _a ? _a : "(null)", _b ? _b : "(null)");      \
        unit_failures++;                                                        \
    }                                                                           \
} while (0)

#ifndef UNIT_NO_MAIN
int unit_failures;
extern const struct unit_case __start_unit_cases[], __stop_unit_cases[];

static int unit_run(const struct unit_case *c)
{
    int before = unit_failures;
    c->fn();
    int ok = unit_failures == before;
    printf("[%s] %s\n", ok ? "PASS" : "FAIL", c->name);
    return ok;
}

int main(int argc, char **argv)
{
    int passed = 0, failed = 0;

    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (const struct unit_case *c = __start_unit_cases; c < __stop_unit_cases; c++)
            printf("%s\n", c->name);
        return 0;
    }
    for (const struct unit_case *c = __start_unit_cases; c < __stop_unit_cases; c++) {
        int selected = argc == 1;
        for (int i = 1; i < argc; i++)
            selected |= strcmp(argv[i], c->name) == 0;
        if (!selected)
            continue;
        if (unit_run(c))
            passed++;
        else
            failed++;
    }
    if (passed + failed == 0) {
        printf("no test matched\n");
        return 2;
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
#endif

#endif
