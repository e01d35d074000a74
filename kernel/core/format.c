/*
 * printf-style formatting without any allocation or floating point.
 * Output goes character by character to a sink, so the same code serves
 * the UART console (unbuffered, usable in a panic) and ksnprintf.
 */
#include <format.h>

struct spec {
    bool left;       /* '-' */
    bool zero;       /* '0' */
    bool plus;       /* '+' */
    bool space;      /* ' ' */
    bool alt;        /* '#' */
    int width;       /* -1 when absent */
    int precision;   /* -1 when absent */
};

struct out {
    format_sink_t sink;
    void *ctx;
    int count;
};

static void emit(struct out *o, char c)
{
    o->sink(c, o->ctx);
    o->count++;
}

static void emit_repeat(struct out *o, char c, int n)
{
    while (n-- > 0)
        emit(o, c);
}

static void emit_string(struct out *o, const struct spec *s, const char *str)
{
    if (str == NULL)
        str = "(null)";
    int len = 0;
    while (str[len] != '\0' && (s->precision < 0 || len < s->precision))
        len++;
    int pad = s->width > len ? s->width - len : 0;
    if (!s->left)
        emit_repeat(o, ' ', pad);
    for (int i = 0; i < len; i++)
        emit(o, str[i]);
    if (s->left)
        emit_repeat(o, ' ', pad);
}

/*
 * Emits an unsigned magnitude with an optional sign character and radix
 * prefix, honouring width, precision and the '-' and '0' flags.
 */
static void emit_number(struct out *o, const struct spec *s, u64 value, unsigned base,
                        bool upper, char sign, const char *prefix)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char buf[64];
    int len = 0;

    /* C: a zero value with precision 0 produces no digits. */
    if (!(value == 0 && s->precision == 0)) {
        do {
            buf[len++] = digits[value % base];
            value /= base;
        } while (value != 0);
    }

    int prefix_len = 0;
    while (prefix[prefix_len] != '\0')
        prefix_len++;
    int zeros = s->precision > len ? s->precision - len : 0;
    int body = len + zeros + prefix_len + (sign ? 1 : 0);
    int pad = s->width > body ? s->width - body : 0;

    /* The '0' flag is ignored with '-' or with an explicit precision. */
    if (s->zero && !s->left && s->precision < 0) {
        zeros += pad;
        pad = 0;
    }
    if (!s->left)
        emit_repeat(o, ' ', pad);
    if (sign)
        emit(o, sign);
    for (int i = 0; i < prefix_len; i++)
        emit(o, prefix[i]);
    emit_repeat(o, '0', zeros);
    while (len > 0)
        emit(o, buf[--len]);
    if (s->left)
        emit_repeat(o, ' ', pad);
}

enum length { LEN_INT, LEN_CHAR, LEN_SHORT, LEN_LONG, LEN_LLONG, LEN_SIZE };

static s64 fetch_signed(va_list *ap, enum length len)
{
    switch (len) {
    case LEN_CHAR:  return (signed char)va_arg(*ap, int);
    case LEN_SHORT: return (short)va_arg(*ap, int);
    case LEN_LONG:  return va_arg(*ap, long);
    case LEN_LLONG: return va_arg(*ap, long long);
    case LEN_SIZE:  return va_arg(*ap, ptrdiff_t);
    default:        return va_arg(*ap, int);
    }
}

static u64 fetch_unsigned(va_list *ap, enum length len)
{
    switch (len) {
    case LEN_CHAR:  return (unsigned char)va_arg(*ap, unsigned int);
    case LEN_SHORT: return (unsigned short)va_arg(*ap, unsigned int);
    case LEN_LONG:  return va_arg(*ap, unsigned long);
    case LEN_LLONG: return va_arg(*ap, unsigned long long);
    case LEN_SIZE:  return va_arg(*ap, size_t);
    default:        return va_arg(*ap, unsigned int);
    }
}

/* Parses flags, width, precision and length; returns the conversion char. */
static const char *parse_spec(const char *p, struct spec *s, enum length *len, va_list *ap)
{
    *s = (struct spec){ .width = -1, .precision = -1 };
    for (;; p++) {
        if (*p == '-')      s->left = true;
        else if (*p == '0') s->zero = true;
        else if (*p == '+') s->plus = true;
        else if (*p == ' ') s->space = true;
        else if (*p == '#') s->alt = true;
        else break;
    }
    if (*p == '*') {
        s->width = va_arg(*ap, int);
        if (s->width < 0) {
            s->left = true;
            s->width = -s->width;
        }
        p++;
    } else {
        while (*p >= '0' && *p <= '9')
            s->width = (s->width < 0 ? 0 : s->width * 10) + (*p++ - '0');
    }
    if (*p == '.') {
        p++;
        s->precision = 0;
        if (*p == '*') {
            s->precision = va_arg(*ap, int);
            if (s->precision < 0)
                s->precision = -1;
            p++;
        } else {
            while (*p >= '0' && *p <= '9')
                s->precision = s->precision * 10 + (*p++ - '0');
        }
    }
    *len = LEN_INT;
    if (p[0] == 'h' && p[1] == 'h') { *len = LEN_CHAR; p += 2; }
    else if (p[0] == 'h')           { *len = LEN_SHORT; p++; }
    else if (p[0] == 'l' && p[1] == 'l') { *len = LEN_LLONG; p += 2; }
    else if (p[0] == 'l' || p[0] == 'j') { *len = LEN_LONG; p++; }
    else if (p[0] == 'z' || p[0] == 't') { *len = LEN_SIZE; p++; }
    return p;
}

int format_va(format_sink_t sink, void *ctx, const char *fmt, va_list ap_in)
{
    struct out o = { sink, ctx, 0 };
    va_list ap;
    va_copy(ap, ap_in);

    for (const char *p = fmt; *p != '\0'; p++) {
        if (*p != '%') {
            emit(&o, *p);
            continue;
        }
        struct spec s;
        enum length len;
        p = parse_spec(p + 1, &s, &len, &ap);
        switch (*p) {
        case 'd':
        case 'i': {
            s64 v = fetch_signed(&ap, len);
            char sign = v < 0 ? '-' : s.plus ? '+' : s.space ? ' ' : 0;
            u64 mag = v < 0 ? (u64)0 - (u64)v : (u64)v;
            emit_number(&o, &s, mag, 10, false, sign, "");
            break;
        }
        case 'u':
            emit_number(&o, &s, fetch_unsigned(&ap, len), 10, false, 0, "");
            break;
        case 'x':
        case 'X': {
            u64 v = fetch_unsigned(&ap, len);
            const char *prefix = (s.alt && v != 0) ? (*p == 'x' ? "0x" : "0X") : "";
            emit_number(&o, &s, v, 16, *p == 'X', 0, prefix);
            break;
        }
        case 'o': {
            u64 v = fetch_unsigned(&ap, len);
            emit_number(&o, &s, v, 8, false, 0, (s.alt && v != 0) ? "0" : "");
            break;
        }
        case 'b':
            emit_number(&o, &s, fetch_unsigned(&ap, len), 2, false, 0, "");
            break;
        case 'p': {
            uintptr_t v = (uintptr_t)va_arg(ap, void *);
            emit_number(&o, &s, v, 16, false, 0, "0x");
            break;
        }
        case 'c': {
            char c = (char)va_arg(ap, int);
            int pad = s.width > 1 ? s.width - 1 : 0;
            if (!s.left)
                emit_repeat(&o, ' ', pad);
            emit(&o, c);
            if (s.left)
                emit_repeat(&o, ' ', pad);
            break;
        }
        case 's':
            emit_string(&o, &s, va_arg(ap, const char *));
            break;
        case '%':
            emit(&o, '%');
            break;
        case '\0':
            /* A lone '%' at the end: print it and stop. */
            emit(&o, '%');
            p--;
            break;
        default:
            /* Unknown conversion: show it verbatim rather than guess. */
            emit(&o, '%');
            emit(&o, *p);
            break;
        }
    }
    va_end(ap);
    return o.count;
}

struct buffer {
    char *buf;
    size_t size;
    size_t used;
};

static void buffer_sink(char c, void *ctx)
{
    struct buffer *b = ctx;
    if (b->used + 1 < b->size)
        b->buf[b->used] = c;
    b->used++;
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct buffer b = { buf, size, 0 };
    int n = format_va(buffer_sink, &b, fmt, ap);
    if (size > 0)
        buf[b.used < size ? b.used : size - 1] = '\0';
    return n;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
