/* kernel/core/cmdline.c */
#include "unit.h"
#include <machine.h>

TEST(finds_key_value)
{
    char buf[32];
    CHECK(cmdline_get("a=1 ktest=undef b", "ktest", buf, sizeof(buf)));
    CHECK_STR(buf, "undef");
    CHECK(cmdline_get("ktest=exit:7", "ktest", buf, sizeof(buf)));
    CHECK_STR(buf, "exit:7");
}

TEST(bare_key_gives_empty_value)
{
    char buf[8] = "x";
    CHECK(cmdline_get("quiet  debug", "debug", buf, sizeof(buf)));
    CHECK_STR(buf, "");
}

TEST(absent_and_prefix_keys)
{
    char buf[8];
    CHECK(!cmdline_get("", "ktest", buf, sizeof(buf)));
    CHECK(!cmdline_get("ktestx=1 kt=2", "ktest", buf, sizeof(buf)));
    CHECK(!cmdline_get("a=ktest", "ktest", buf, sizeof(buf)));
    CHECK(!cmdline_get("ktest=1", "", buf, sizeof(buf)));
}

TEST(value_truncated_to_buffer)
{
    char buf[4];
    CHECK(cmdline_get("k=abcdef", "k", buf, sizeof(buf)));
    CHECK_STR(buf, "abc");
    CHECK(cmdline_get("k=abcdef", "k", NULL, 0));
}

TEST(first_match_wins)
{
    char buf[8];
    CHECK(cmdline_get("k=1 k=2", "k", buf, sizeof(buf)));
    CHECK_STR(buf, "1");
}
