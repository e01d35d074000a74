/*
 * Kernel command line: space-separated `key=value` or bare `key` words.
 * Pure string handling: unit-tested on the host.
 */
#include <machine.h>

bool cmdline_get(const char *cmdline, const char *key, char *buf, size_t size)
{
    size_t key_len = 0;
    while (key[key_len] != '\0')
        key_len++;

    const char *p = cmdline;
    while (*p != '\0') {
        while (*p == ' ')
            p++;
        const char *word = p;
        while (*p != '\0' && *p != ' ')
            p++;
        size_t word_len = (size_t)(p - word);
        if (word_len < key_len || key_len == 0)
            continue;
        bool match = true;
        for (size_t i = 0; i < key_len; i++)
            match = match && word[i] == key[i];
        if (!match || (word_len > key_len && word[key_len] != '='))
            continue;
        const char *value = word_len > key_len ? word + key_len + 1 : word + word_len;
        size_t value_len = (size_t)(p - value);
        if (size > 0) {
            size_t n = value_len < size - 1 ? value_len : size - 1;
            for (size_t i = 0; i < n; i++)
                buf[i] = value[i];
            buf[n] = '\0';
        }
        return true;
    }
    return false;
}
