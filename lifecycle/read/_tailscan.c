/* Compiled scanner for `aws logs tail` text and lamlife fetch JSON lines
 * (lamlife.lifecycle.read._tailscan). Both entry points, scan() and scan_jsonl() (further
 * down; driven by lifecycle/read/jsonl.py), read messages by one grammar of canonical START,
 * END and REPORT lines (parse_message_line).
 *
 * Both read the input's UTF-8 bytes as they are (any buffer: bytes, bytearray, memoryview),
 * never a decoded str, and release the GIL while they loop: the loops build no Python object
 * (RequestIds are kept as bytes end to end with offsets and 64-bit hashes; the tables of
 * streams, versions and error types as spans, turned into Python strings after the loop).
 *
 * scan(chunk) reads a chunk of whole events and returns compact columns for the
 * canonical START, REPORT and END lines, plus the place of every event it does not read
 * exactly, which the caller decodes and hands to the general parser. The rules are those of
 * the pure-Python TailChunkScanner (lifecycle/read/tail.py), on the characters the text
 * readers decode (UTF-8, errors="replace"; "\r\n" read as "\n"):
 *
 * - a line starts an event when it looks like `DDDD-DD-DDT...` (character 4 '-', character
 *   10 'T', character 0 a digit); other lines continue the event above them;
 * - an event whose text holds a rare platform keyword (INIT_, RESTORE_, EXTENSION, TELEMETRY,
 *   LOGS, "platform., Task timed out after) is deferred whole;
 * - an event with "RequestId: " in a continuation line is deferred whole (an event glued to
 *   the end of a line, lifecycle/read/glued.py);
 * - an event line holding "RequestId: " is read here only when it is exactly a canonical
 *   START / REPORT / END line of printable ASCII with a time `YYYY-MM-DDTHH:MM:SS[.f{1,9}]`
 *   followed by `Z` or `+HH:MM`; otherwise it is deferred;
 * - every other event line is application output (counted, nothing kept), whatever its
 *   characters (ASCII bytes never occur inside a longer UTF-8 sequence, so the searches for
 *   the ASCII words above find what they find in the decoded text).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Memory: the raw allocator (PyMem_Raw*), which needs no GIL: the scanners' loops run with the
 * GIL released and build no Python object; their results become Python objects after it. */
typedef struct {
    char *data;
    Py_ssize_t len;
    Py_ssize_t cap;
} Buf;

static int buf_put(Buf *b, const void *item, Py_ssize_t size) {
    if (b->len + size > b->cap) {
        Py_ssize_t cap = b->cap ? b->cap * 2 : 4096;
        while (cap < b->len + size) cap *= 2;
        char *data = PyMem_RawRealloc(b->data, cap);
        if (!data) return -1;
        b->data = data;
        b->cap = cap;
    }
    memcpy(b->data + b->len, item, size);
    b->len += size;
    return 0;
}

/* room for cap bytes at least (a guess of the final size saves copies while growing) */
static int buf_reserve(Buf *b, Py_ssize_t cap) {
    if (cap <= b->cap) return 0;
    char *data = PyMem_RawRealloc(b->data, cap);
    if (!data) return -1;
    b->data = data;
    b->cap = cap;
    return 0;
}

static void buf_free(Buf *b) { PyMem_RawFree(b->data); b->data = NULL; b->len = b->cap = 0; }

static PyObject *buf_bytes(Buf *b) { return PyBytes_FromStringAndSize(b->data ? b->data : "", b->len); }

/* ------------------------------------------------------------------ string tables */

typedef struct {
    const unsigned char *ptr;  /* a copy of the span (NULL: an empty slot) */
    Py_ssize_t len;
    int32_t index;
    int32_t keyword;           /* the span holds a rare platform keyword (has_keyword) */
} Slot;

/* distinct spans (UTF-8) in first-use order; Python strings are made after the loop */
typedef struct {
    Slot *slots;
    Py_ssize_t cap;   /* power of two */
    Py_ssize_t count;
    Buf order;        /* Slot copies in index order */
} Table;

static int table_init(Table *t) {
    memset(t, 0, sizeof *t);
    t->cap = 256;
    t->slots = PyMem_RawCalloc(t->cap, sizeof(Slot));
    return t->slots ? 0 : -1;
}

static void table_free(Table *t) {
    if (t->slots)
        for (Py_ssize_t i = 0; i < t->cap; i++) PyMem_RawFree((void *)t->slots[i].ptr);
    PyMem_RawFree(t->slots);
    t->slots = NULL;
    buf_free(&t->order);
}

/* the table's strings, decoded from UTF-8 (validated by the scanners), in index order */
static PyObject *table_strings(Table *t) {
    PyObject *list = PyList_New(t->count);
    if (!list) return NULL;
    const Slot *entries = (const Slot *)t->order.data;
    for (Py_ssize_t i = 0; i < t->count; i++) {
        PyObject *text = PyUnicode_DecodeUTF8((const char *)entries[i].ptr, entries[i].len,
                                              "surrogatepass");
        if (!text) { Py_DECREF(list); return NULL; }
        PyList_SET_ITEM(list, i, text);
    }
    return list;
}

/* a hash of the table's keys, eight bytes at a time (only equal spans need equal hashes) */
static uint64_t hash_span(const unsigned char *p, Py_ssize_t n) {
    uint64_t h = 1469598103934665603ULL ^ (uint64_t)n;
    Py_ssize_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = (h ^ w) * 0x9E3779B97F4A7C15ULL;
        h ^= h >> 29;
    }
    for (; i < n; i++) h = (h ^ p[i]) * 1099511628211ULL;
    h ^= h >> 32;
    return h;
}

static int table_grow(Table *t) {
    Py_ssize_t cap = t->cap * 2;
    Slot *slots = PyMem_RawCalloc(cap, sizeof(Slot));
    if (!slots) return -1;
    for (Py_ssize_t i = 0; i < t->cap; i++) {
        Slot *s = &t->slots[i];
        if (!s->ptr) continue;
        Py_ssize_t j = (Py_ssize_t)(hash_span(s->ptr, s->len) & (uint64_t)(cap - 1));
        while (slots[j].ptr) j = (j + 1) & (cap - 1);
        slots[j] = *s;
    }
    PyMem_RawFree(t->slots);
    t->slots = slots;
    t->cap = cap;
    return 0;
}

static int has_keyword(const unsigned char *p, const unsigned char *end);

/* the slot of the span, or NULL */
static const Slot *table_find(const Table *t, const unsigned char *p, Py_ssize_t n) {
    Py_ssize_t j = (Py_ssize_t)(hash_span(p, n) & (uint64_t)(t->cap - 1));
    while (t->slots[j].ptr) {
        const Slot *s = &t->slots[j];
        if (s->len == n && memcmp(s->ptr, p, n) == 0) return s;
        j = (j + 1) & (t->cap - 1);
    }
    return NULL;
}

/* does the span hold a rare platform keyword? Known for the spans of the table. */
static int span_keyword(const Table *t, const unsigned char *p, Py_ssize_t n) {
    const Slot *s = table_find(t, p, n);
    return s ? s->keyword : has_keyword(p, p + n);
}

/* index of the span in the table, adding it; -1 on memory error (no exception set: the
 * caller may not hold the GIL) */
static int32_t table_index(Table *t, const unsigned char *p, Py_ssize_t n) {
    Py_ssize_t j = (Py_ssize_t)(hash_span(p, n) & (uint64_t)(t->cap - 1));
    while (t->slots[j].ptr) {
        Slot *s = &t->slots[j];
        if (s->len == n && memcmp(s->ptr, p, n) == 0) return s->index;
        j = (j + 1) & (t->cap - 1);
    }
    /* a copy: the JSON-lines scanner's spans live in a scratch buffer reused line after line */
    unsigned char *copy = PyMem_RawMalloc(n ? n : 1);
    if (!copy) return -1;
    memcpy(copy, p, n);
    Slot slot = {copy, n, (int32_t)t->count, has_keyword(p, p + n)};
    if (buf_put(&t->order, &slot, sizeof slot) < 0) { PyMem_RawFree(copy); return -1; }
    t->slots[j] = slot;
    t->count++;
    if (t->count * 2 > t->cap && table_grow(t) < 0) return -1;
    return (int32_t)(t->count - 1);
}

/* ------------------------------------------------------------------ RequestId hashes */

/* FNV-1a, 64 bits, over the UTF-8 bytes of a RequestId (collect.hash_ids computes the same
 * without the compiled module) */
static uint64_t fnv1a(const unsigned char *p, Py_ssize_t n) {
    uint64_t h = 14695981039346656037ULL;
    for (Py_ssize_t i = 0; i < n; i++) { h ^= p[i]; h *= 1099511628211ULL; }
    return h;
}

/* ------------------------------------------------------------------ character classes */

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

/* Python's str.isspace() on an ASCII character (bytes >= 0x80 start or continue longer
 * UTF-8 sequences) */
static int ascii_space(unsigned char c) {
    return c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F);
}

/* a token character of a fast line: printable ASCII but space */
static int is_token(unsigned char c) { return c > 0x20 && c < 0x7F; }

/* bytes of a canonical message line: printable ASCII, space and tab, but the backslash */
static unsigned char message_byte[256];

static void init_message_byte(void) {
    for (int c = 0x20; c < 0x7F; c++) message_byte[c] = 1;
    message_byte['\t'] = 1;
    message_byte['\\'] = 0;
}

static int is_word(unsigned char c) {
    return is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

#define BAD_UTF8 0xFFFFFFFFu

/* The next character of UTF-8 text at p (p < end): its length in bytes, *cp its code point,
 * or BAD_UTF8 where Python's decoder (errors="replace") puts one U+FFFD: an invalid start
 * byte alone, or the longest valid prefix of a sequence cut short (by an invalid byte or by
 * end), as CPython's UTF-8 decoder delimits its errors. So decoding a line character by
 * character gives the characters the readers' text wrapper gives. */
static Py_ssize_t utf8_next(const unsigned char *p, const unsigned char *end, uint32_t *cp) {
    unsigned char b = p[0];
    if (b < 0x80) { *cp = b; return 1; }
    int need;
    uint32_t v;
    unsigned char lo = 0x80, hi = 0xBF;  /* the second byte's range */
    if (b >= 0xC2 && b <= 0xDF) {
        need = 1; v = b & 0x1F;
    } else if (b >= 0xE0 && b <= 0xEF) {
        need = 2; v = b & 0x0F;
        if (b == 0xE0) lo = 0xA0; else if (b == 0xED) hi = 0x9F;  /* no overlong, no surrogate */
    } else if (b >= 0xF0 && b <= 0xF4) {
        need = 3; v = b & 0x07;
        if (b == 0xF0) lo = 0x90; else if (b == 0xF4) hi = 0x8F;  /* no overlong, <= U+10FFFF */
    } else {
        *cp = BAD_UTF8;
        return 1;
    }
    for (int i = 1; i <= need; i++) {
        if (p + i >= end) { *cp = BAD_UTF8; return i; }
        unsigned char c = p[i];
        if (i == 1 ? (c < lo || c > hi) : (c < 0x80 || c > 0xBF)) { *cp = BAD_UTF8; return i; }
        v = (v << 6) | (c & 0x3F);
    }
    *cp = v;
    return need + 1;
}

/* [p, p + n) is valid UTF-8 */
static int utf8_valid(const unsigned char *p, Py_ssize_t n) {
    const unsigned char *end = p + n;
    while (p < end) {
        if (*p < 0x80) { p++; continue; }
        uint32_t cp;
        p += utf8_next(p, end, &cp);
        if (cp == BAD_UTF8) return 0;
    }
    return 1;
}

/* Does the line [p, p + n) (UTF-8, no newline) start an event? As the Python readers decide
 * on the decoded line: character 4 is '-', character 10 is 'T', character 0 a digit
 * (str.isdigit). */
static int event_line(const unsigned char *p, Py_ssize_t n) {
    if (n < 11) return 0;  /* never fewer bytes than characters */
    int ascii = 1;
    for (int i = 0; i < 11; i++) ascii &= p[i] < 0x80;
    if (ascii) return p[4] == '-' && p[10] == 'T' && is_digit(p[0]);
    uint32_t c[11];
    const unsigned char *q = p, *end = p + n;
    int k = 0;
    while (k < 11 && q < end) q += utf8_next(q, end, &c[k++]);
    if (k < 11) return 0;
    return c[4] == '-' && c[10] == 'T' && c[0] != BAD_UTF8 && Py_UNICODE_ISDIGIT(c[0]);
}

/* Does the line [p, end) hold a character that is not whitespace (str.strip() keeps some)? */
static int has_text(const unsigned char *p, const unsigned char *end) {
    while (p < end) {
        if (*p < 0x80) {
            if (!ascii_space(*p)) return 1;
            p++;
            continue;
        }
        uint32_t cp;
        p += utf8_next(p, end, &cp);
        if (cp == BAD_UTF8 || !Py_UNICODE_ISSPACE(cp)) return 1;
    }
    return 0;
}

static int starts_with(const unsigned char *p, const unsigned char *end, const char *lit) {
    size_t n = strlen(lit);
    return (size_t)(end - p) >= n && memcmp(p, lit, n) == 0;
}

/* does [p, end) hold one of the rare platform keywords? */
#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/* the high bit of each byte of x that is zero (and maybe of bytes above a zero byte: callers
 * only test for none, or look at the bytes again) */
static inline uint64_t zero_bytes(uint64_t x) { return (x - ONES) & ~x & HIGHS; }

/* rid: "RequestId: " counts too (a continuation line holding it: an event glued to its end) */
static inline int keyword_at(const unsigned char *p, const unsigned char *end, int rid) {
    switch (*p) {
    case 'I': return starts_with(p, end, "INIT_");
    case 'E': return starts_with(p, end, "EXTENSION");
    case 'T': return starts_with(p, end, "TELEMETRY") || starts_with(p, end, "Task timed out after");
    case 'L': return starts_with(p, end, "LOGS");
    case 'R': return starts_with(p, end, "RESTORE_") || starts_with(p, end, "RequestId:\t")
                     || (rid && starts_with(p, end, "RequestId: "));
    case '"': return starts_with(p, end, "\"platform.");
    default: return 0;
    }
}

/* does [p, end) hold one of the rare platform keywords (or, with rid, "RequestId: ")? Eight
 * bytes at a time while none of them can start one. */
static inline int find_keyword(const unsigned char *p, const unsigned char *end, int rid) {
    while (end - p >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        uint64_t m = zero_bytes(w ^ (ONES * 'I')) | zero_bytes(w ^ (ONES * 'E'))
                     | zero_bytes(w ^ (ONES * 'T')) | zero_bytes(w ^ (ONES * 'L'))
                     | zero_bytes(w ^ (ONES * 'R')) | zero_bytes(w ^ (ONES * '"'));
        if (m)
            for (int i = 0; i < 8; i++)
                if (keyword_at(p + i, end, rid)) return 1;
        p += 8;
    }
    for (; p < end; p++)
        if (keyword_at(p, end, rid)) return 1;
    return 0;
}

static int has_keyword(const unsigned char *p, const unsigned char *end) {
    return find_keyword(p, end, 0);
}

/* a rare keyword or "RequestId: " in a continuation line (one pass over its bytes) */
static int has_keyword_or_rid(const unsigned char *p, const unsigned char *end) {
    return find_keyword(p, end, 1);
}

static const unsigned char *find_text(const unsigned char *p, const unsigned char *end,
                                      const char *lit) {
    size_t n = strlen(lit);
    if ((size_t)(end - p) < n) return NULL;
    return memmem(p, end - p, lit, n);
}

/* ------------------------------------------------------------------ times */

static int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int num2(const unsigned char *p) {
    if (!is_digit(p[0]) || !is_digit(p[1])) return -1;
    return (p[0] - '0') * 10 + (p[1] - '0');
}

/* `YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|+HH:MM|-HH:MM)` spanning exactly [p, end) -> epoch ms as
 * pandas computes it (integer nanoseconds / 1e6); 0 when the text is not such a valid time */
static int parse_time(const unsigned char *p, const unsigned char *end, double *out) {
    Py_ssize_t n = end - p;
    if (n < 20) return 0;
    for (int i = 0; i < 4; i++) if (!is_digit(p[i])) return 0;
    if (p[4] != '-' || p[7] != '-' || p[10] != 'T' || p[13] != ':' || p[16] != ':') return 0;
    int year = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
    int month = num2(p + 5), day = num2(p + 8), hour = num2(p + 11), minute = num2(p + 14),
        second = num2(p + 17);
    if (month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59
        || second < 0 || second > 59)
        return 0;
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (day > mdays[month - 1] + (month == 2 && leap)) return 0;
    const unsigned char *q = p + 19;
    int64_t frac_ns = 0;
    if (q < end && *q == '.') {
        q++;
        int digits = 0;
        static const int64_t scale[9] = {100000000, 10000000, 1000000, 100000, 10000, 1000,
                                         100, 10, 1};
        while (q < end && is_digit(*q)) {
            if (digits == 9) return 0;
            frac_ns += (*q - '0') * scale[digits++];
            q++;
        }
        if (digits == 0) return 0;
    }
    int64_t offset_s = 0;
    if (q < end && *q == 'Z') {
        q++;
    } else if (end - q == 6 && (*q == '+' || *q == '-') && q[3] == ':') {
        int oh = num2(q + 1), om = num2(q + 4);
        if (oh < 0 || om < 0 || oh > 23 || om > 59) return 0;
        offset_s = (int64_t)(oh * 3600 + om * 60) * (*q == '-' ? -1 : 1);
        q += 6;
    } else {
        return 0;
    }
    if (q != end) return 0;
    int64_t seconds = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60
                      + second - offset_s;
    /* 1970-01-01 .. 2262-01-01: nanosecond times beyond would wrap; the general parser
     * decides about anything outside */
    if (seconds < 0 || seconds > 9214646400LL || (seconds == 9214646400LL && frac_ns > 0))
        return 0;
    /* whole ms plus the fraction, as timeparse computes it from integer nanoseconds
     * (seconds * 10^9 + frac_ns; seconds >= 0, so the division splits this way) */
    int32_t frac = (int32_t)frac_ns;
    *out = (double)(seconds * 1000 + frac / 1000000) + (double)(frac % 1000000) / 1e6;
    return 1;
}

/* ------------------------------------------------------------------ numbers */

static const double POW10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
                               1e11, 1e12, 1e13, 1e14, 1e15};

/* `[0-9]+(\.[0-9]+)?` (decimal allowed or not) at *pp; the value as Python's float() gives it */
static int parse_number(const unsigned char **pp, const unsigned char *end, int decimal,
                        double *out) {
    const unsigned char *p = *pp, *start = p;
    uint64_t mant = 0;
    int digits = 0, frac = 0;
    while (p < end && is_digit(*p)) { mant = mant * 10 + (*p - '0'); digits++; p++; }
    if (digits == 0) return 0;
    if (decimal && p < end && *p == '.' && p + 1 < end && is_digit(p[1])) {
        p++;
        while (p < end && is_digit(*p)) { mant = mant * 10 + (*p - '0'); digits++; frac++; p++; }
    }
    if (digits <= 15) {
        /* both exact doubles: the quotient is the correctly rounded value of the decimal */
        *out = (double)mant / POW10[frac];
    } else {
        char tmp[64];
        Py_ssize_t n = p - start;
        if (n >= (Py_ssize_t)sizeof tmp) return 0;
        memcpy(tmp, start, n);
        tmp[n] = 0;
        /* rare (more than 15 digits): Python's own conversion, with the GIL taken back for
         * it (the scanners run without it) */
        PyGILState_STATE gil = PyGILState_Ensure();
        *out = PyOS_string_to_double(tmp, NULL, NULL);
        int failed = *out == -1.0 && PyErr_Occurred();
        if (failed) PyErr_Clear();
        PyGILState_Release(gil);
        if (failed) return 0;
    }
    *pp = p;
    return 1;
}

static int expect(const unsigned char **pp, const unsigned char *end, const char *lit) {
    if (!starts_with(*pp, end, lit)) return 0;
    *pp += strlen(lit);
    return 1;
}

/* a run of token characters at *pp (at least one); its end */
static const unsigned char *token(const unsigned char **pp, const unsigned char *end) {
    const unsigned char *p = *pp;
    /* eight bytes at a time: the first byte <= 0x20 or >= 0x7F ends the token */
    while (end - p >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        uint64_t stop = (((w - ONES * 0x21) & ~w) | ((w + ONES) | w)) & HIGHS;
        if (stop) break;  /* the byte loop finds which */
        p += 8;
    }
    while (p < end && is_token(*p)) p++;
    if (p == *pp) return NULL;
    const unsigned char *start = *pp;
    *pp = p;
    return start;
}

/* a RequestId token: token characters but a backslash (a JSON-escaped copy such as
 * "abc\tDuration" is not one; the general parser reads those) */
static const unsigned char *rid_token(const unsigned char **pp, const unsigned char *end) {
    const unsigned char *start = token(pp, end);
    if (!start) return NULL;
    if (memchr(start, '\\', *pp - start)) return NULL;
    return start;
}

/* ------------------------------------------------------------------ the scanner */

enum { NONE = 0, START = 1, REPORT = 2, END = 3 };

typedef struct {
    int kind;
    double ts;
    const unsigned char *stream; Py_ssize_t stream_len;
    const unsigned char *rid; Py_ssize_t rid_len;
    const unsigned char *ver; Py_ssize_t ver_len;
    double nums[5];  /* duration, billed, memory, max memory, init (NaN when absent) */
    int8_t status;   /* 0 none, 1 success, 2 timeout, 3 error */
    const unsigned char *etype; Py_ssize_t etype_len;
} Row;

/* an empty row: the fields the parsers read before they set them (cheaper than a memset of
 * the whole row, line after line) */
static void row_clear(Row *row) {
    row->kind = NONE;
    row->ts = 0;
    row->stream = row->rid = row->ver = row->etype = NULL;
    row->stream_len = row->rid_len = row->ver_len = row->etype_len = 0;
    row->status = 0;
}

static int8_t status_code(const unsigned char *p, Py_ssize_t n) {
    char low[16];
    if (n == 0) return 0;
    if (n >= (Py_ssize_t)sizeof low) return 3;
    for (Py_ssize_t i = 0; i < n; i++) low[i] = (char)((p[i] >= 'A' && p[i] <= 'Z') ? p[i] + 32 : p[i]);
    low[n] = 0;
    if (strcmp(low, "success") == 0) return 1;
    if (strcmp(low, "timeout") == 0) return 2;
    return 3;  /* error, failure and any other word: error (platform.normalize_status) */
}

/* The message grammar shared by both entry points: [t, end) is exactly a canonical START,
 * END or REPORT message line of printable ASCII but the backslash, spaces and tabs (1, row
 * filled; 0 when it is not). The row is zeroed by the caller; on failure its fields mean
 * nothing. */
static int parse_message_line(const unsigned char *t, const unsigned char *end, Row *row) {
    /* a backslash: an escaped copy ("\\t" as two characters), malformed for the general
     * parser */
    int bad = 0;
    for (const unsigned char *q = t; q < end; q++) bad |= !message_byte[*q];
    if (bad) return 0;
    if (expect(&t, end, "START RequestId: ")) {
        row->rid = rid_token(&t, end);
        if (!row->rid) return 0;
        row->rid_len = t - row->rid;
        if (!expect(&t, end, " Version: ")) return 0;
        row->ver = token(&t, end);
        if (!row->ver || t != end) return 0;
        row->ver_len = t - row->ver;
        row->kind = START;
    } else if (expect(&t, end, "END RequestId: ")) {
        row->rid = rid_token(&t, end);
        if (!row->rid || t != end) return 0;
        row->rid_len = t - row->rid;
        row->kind = END;
    } else if (expect(&t, end, "REPORT RequestId: ")) {
        row->rid = rid_token(&t, end);
        if (!row->rid) return 0;
        row->rid_len = t - row->rid;
        if (!expect(&t, end, "\tDuration: ") || !parse_number(&t, end, 1, &row->nums[0])
            || !expect(&t, end, " ms\tBilled Duration: ") || !parse_number(&t, end, 0, &row->nums[1])
            || !expect(&t, end, " ms\tMemory Size: ") || !parse_number(&t, end, 0, &row->nums[2])
            || !expect(&t, end, " MB\tMax Memory Used: ") || !parse_number(&t, end, 0, &row->nums[3])
            || !expect(&t, end, " MB"))
            return 0;
        row->nums[4] = Py_NAN;
        row->status = 0;
        row->etype = NULL;
        row->etype_len = 0;
        if (expect(&t, end, "\tInit Duration: ")) {
            if (!parse_number(&t, end, 1, &row->nums[4]) || !expect(&t, end, " ms")) return 0;
        }
        if (expect(&t, end, "\tStatus: ")) {
            const unsigned char *w = t;
            while (t < end && is_word(*t)) t++;
            if (t == w) return 0;
            row->status = status_code(w, t - w);
            if (expect(&t, end, "\tError Type: ")) {
                row->etype = token(&t, end);
                if (!row->etype) return 0;
                row->etype_len = t - row->etype;
            }
        }
        if (t < end && *t == '\t') t++;
        if (t != end) return 0;
        row->kind = REPORT;
    } else {
        return 0;
    }
    return 1;
}

/* a rare keyword in the variable parts of a parsed message (the fixed words hold none) */
static int row_has_keyword(const Row *row, const Table *versions, const Table *etypes) {
    return has_keyword(row->rid, row->rid + row->rid_len)
           || (row->ver_len && span_keyword(versions, row->ver, row->ver_len))
           || (row->etype_len && span_keyword(etypes, row->etype, row->etype_len));
}

/* Read one `aws logs tail` event line exactly: `<time> <stream> <message>`; 1 with row
 * filled, 0 when it is not canonical. */
static int parse_line(const unsigned char *p, const unsigned char *end, Row *row) {
    const unsigned char *t = p;
    const unsigned char *time_start = token(&t, end);
    if (!time_start || t >= end || *t != ' ') return 0;
    const unsigned char *time_end = t;
    t++;
    row->stream = token(&t, end);
    if (!row->stream || t >= end || *t != ' ') return 0;
    row->stream_len = t - row->stream;
    t++;
    if (!parse_message_line(t, end, row)) return 0;
    if (!parse_time(time_start, time_end, &row->ts)) return 0;
    return 1;
}

/* RequestIds of one record kind: their bytes end to end, int64 offsets (len + 1, from 0) and
 * uint64 FNV-1a hashes (lifecycle/read/request_ids.py's RequestIds, collect.hash_ids) */
typedef struct {
    Buf data, offsets, hashes;
} Ids;

static int ids_init(Ids *ids) {
    int64_t zero = 0;
    return buf_put(&ids->offsets, &zero, 8);
}

static int ids_put(Ids *ids, const unsigned char *p, Py_ssize_t n) {
    uint64_t h = fnv1a(p, n);
    if (buf_put(&ids->data, p, n) < 0 || buf_put(&ids->hashes, &h, 8) < 0) return -1;
    int64_t end = ids->data.len;
    return buf_put(&ids->offsets, &end, 8);
}

static void ids_free(Ids *ids) { buf_free(&ids->data); buf_free(&ids->offsets); buf_free(&ids->hashes); }

typedef struct {
    Table streams, versions, etypes;
    Buf slow;                                       /* int64 per deferred event/line */
    Buf s_stream, s_ts, s_ver;                      /* int32, double, int32 */
    Buf r_stream, r_ts, r_nums, r_status, r_etype;  /* int32, double, 5 doubles, int8, int32 */
    Ids s_ids, r_ids;
    Buf s_line, r_line;  /* int32 per row: where its event is in the chunk (read order) */
    int32_t line;        /* where the event being committed is: set by each scanner (a
                          * line or element index in a chunk: below 2**31) */
    Py_ssize_t end_count;
} Out;

static int commit(Out *o, Row *row) {
    if (row->kind == END) { o->end_count++; return 0; }
    int32_t stream = table_index(&o->streams, row->stream, row->stream_len);
    if (stream < 0) return -1;
    if (row->kind == START) {
        int32_t ver = table_index(&o->versions, row->ver, row->ver_len);
        if (ver < 0) return -1;
        if (buf_put(&o->s_stream, &stream, 4) || buf_put(&o->s_ts, &row->ts, 8)
            || buf_put(&o->s_ver, &ver, 4) || buf_put(&o->s_line, &o->line, 4))
            return -1;
        return ids_put(&o->s_ids, row->rid, row->rid_len);
    }
    int32_t etype = 0;
    if (row->etype_len) {
        etype = table_index(&o->etypes, row->etype, row->etype_len);
        if (etype < 0) return -1;
    }
    if (buf_put(&o->r_stream, &stream, 4) || buf_put(&o->r_ts, &row->ts, 8)
        || buf_put(&o->r_nums, row->nums, 40) || buf_put(&o->r_status, &row->status, 1)
        || buf_put(&o->r_etype, &etype, 4) || buf_put(&o->r_line, &o->line, 4))
        return -1;
    return ids_put(&o->r_ids, row->rid, row->rid_len);
}

static void out_free(Out *o) {
    table_free(&o->streams); table_free(&o->versions); table_free(&o->etypes);
    buf_free(&o->slow); buf_free(&o->s_stream); buf_free(&o->s_ts); buf_free(&o->s_ver);
    buf_free(&o->r_stream); buf_free(&o->r_ts); buf_free(&o->r_nums);
    buf_free(&o->r_status); buf_free(&o->r_etype);
    ids_free(&o->s_ids); ids_free(&o->r_ids);
    buf_free(&o->s_line); buf_free(&o->r_line);
}

/* room for about `rows` records of each kind */
static int out_reserve(Out *o, Py_ssize_t rows) {
    return buf_reserve(&o->s_stream, rows * 4) || buf_reserve(&o->s_ts, rows * 8)
           || buf_reserve(&o->s_ver, rows * 4) || buf_reserve(&o->s_ids.data, rows * 40)
           || buf_reserve(&o->s_ids.offsets, rows * 8 + 8) || buf_reserve(&o->s_ids.hashes, rows * 8)
           || buf_reserve(&o->r_stream, rows * 4) || buf_reserve(&o->r_ts, rows * 8)
           || buf_reserve(&o->r_nums, rows * 40) || buf_reserve(&o->r_status, rows)
           || buf_reserve(&o->r_etype, rows * 4) || buf_reserve(&o->r_ids.data, rows * 40)
           || buf_reserve(&o->r_ids.offsets, rows * 8 + 8) || buf_reserve(&o->r_ids.hashes, rows * 8);
}

/* empty columns and tables (error type index 0 is ""), with room for the records of a chunk
 * of `size` bytes (a START or REPORT line is longer than 100 bytes); -1 with an exception set */
static int out_init(Out *o, Py_ssize_t size) {
    memset(o, 0, sizeof *o);
    if (out_reserve(o, size / 100 + 16)) {
        out_free(o);
        PyErr_NoMemory();
        return -1;
    }
    static const unsigned char empty[1] = {0};
    if (table_init(&o->streams) || table_init(&o->versions) || table_init(&o->etypes)
        || ids_init(&o->s_ids) || ids_init(&o->r_ids) || table_index(&o->etypes, empty, 0) < 0) {
        out_free(o);
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

/* the columns as (streams, versions, error types, starts, reports) */
static PyObject *out_columns(Out *o) {
    PyObject *streams = table_strings(&o->streams);
    PyObject *versions = streams ? table_strings(&o->versions) : NULL;
    PyObject *etypes = versions ? table_strings(&o->etypes) : NULL;
    if (!etypes) {
        Py_XDECREF(streams);
        Py_XDECREF(versions);
        return NULL;
    }
    return Py_BuildValue(
        "(NNN(NNNNNNN)(NNNNNNNNN))", streams, versions, etypes,
        buf_bytes(&o->s_stream), buf_bytes(&o->s_ts), buf_bytes(&o->s_ver),
        buf_bytes(&o->s_ids.data), buf_bytes(&o->s_ids.offsets), buf_bytes(&o->s_ids.hashes),
        buf_bytes(&o->s_line),
        buf_bytes(&o->r_stream), buf_bytes(&o->r_ts), buf_bytes(&o->r_nums),
        buf_bytes(&o->r_status), buf_bytes(&o->r_etype),
        buf_bytes(&o->r_ids.data), buf_bytes(&o->r_ids.offsets), buf_bytes(&o->r_ids.hashes),
        buf_bytes(&o->r_line));
}

/* close the current event [start, end): defer it, or keep its canonical row */
static int close_event(Out *o, Py_ssize_t start, Py_ssize_t end, Py_ssize_t line_index,
                       int deferred, Row *pending) {
    if (start < 0) return 0;
    if (deferred) {
        int64_t where[3] = {start, line_index, end};  /* offsets and line index in the chunk */
        return buf_put(&o->slow, where, 24);
    }
    o->line = (int32_t)line_index;
    if (pending->kind != NONE) return commit(o, pending);
    return 0;
}

typedef struct {
    Py_ssize_t lines, events, lead;
    int seen_event;
} TailCounts;

/* The tail scanner's loop over [data, data + size): no Python object, no GIL needed; -1 on
 * memory error (no exception set). */
static int scan_tail(const unsigned char *data, Py_ssize_t size, Out *o, TailCounts *counts) {
    Py_ssize_t lines = 0, events = 0, lead = 0;
    int seen_event = 0;
    Py_ssize_t event_start = -1;  /* offset of the current event's first line */
    Py_ssize_t event_index = 0;   /* its line index in the chunk */
    int deferred = 0;
    Row pending;
    memset(&pending, 0, sizeof pending);
    Py_ssize_t pos = 0;
    while (pos < size) {
        const unsigned char *line = data + pos;
        const unsigned char *nl = memchr(line, '\n', size - pos);
        Py_ssize_t len = nl ? nl - line : size - pos;
        Py_ssize_t next = pos + len + 1;
        /* "\r\n" ends a line as "\n" does (the text readers replace "\r\n" by "\n") */
        if (nl && len > 0 && line[len - 1] == '\r') len--;
        const unsigned char *end = line + len;
        lines++;
        if (event_line(line, len)) {
            if (close_event(o, event_start, pos, event_index, deferred, &pending) < 0) return -1;
            seen_event = 1;
            events++;
            event_start = pos;
            event_index = lines - 1;
            deferred = 0;
            row_clear(&pending);
            if (parse_line(line, end, &pending)) {
                /* the fixed words hold no keyword: look in the variable parts only */
                if (span_keyword(&o->streams, pending.stream, pending.stream_len)
                    || row_has_keyword(&pending, &o->versions, &o->etypes))
                    deferred = 1;
            } else {
                pending.kind = NONE;
                /* a RequestId, a rare keyword, or a REPORT the canonical shape does not take
                 * ("REPORT Duration: ..." without a RequestId): the general parser decides */
                if (find_text(line, end, "RequestId: ") || find_text(line, end, " REPORT ")
                    || has_keyword(line, end))
                    deferred = 1;
            }
        } else if (event_start >= 0) {
            /* a backslash after a platform line: the general parser decides (an escaped
             * copy is malformed there); so it does for a RequestId in a continuation line
             * (an event glued to its end, lifecycle/read/glued.py) */
            if (!deferred && (has_keyword_or_rid(line, end)
                              || (pending.kind != NONE && memchr(line, '\\', len))))
                deferred = 1;
        } else {
            /* output before the first event line: events when the chunk starts the input */
            if (has_text(line, end)) lead++;
        }
        pos = next;
    }
    if (close_event(o, event_start, size, event_index, deferred, &pending) < 0) return -1;
    counts->lines = lines;
    counts->events = events;
    counts->lead = lead;
    counts->seen_event = seen_event;
    return 0;
}

/* scan(chunk) -> (lines, events, lead, end_count, seen_event, slow, columns); see the top.
 * lead: the non-blank lines before the chunk's first event line (events only when the chunk
 * starts the input: else they continue an event of an earlier chunk); slow: int64 triples
 * (start offset, line index, end offset) of the events left to the general parser. */
static PyObject *scan(PyObject *self, PyObject *args) {
    (void)self;
    Py_buffer view;
    if (!PyArg_ParseTuple(args, "y*:scan", &view)) return NULL;
    Out o;
    if (out_init(&o, view.len) < 0) { PyBuffer_Release(&view); return NULL; }
    TailCounts counts;
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = scan_tail(view.buf, view.len, &o, &counts);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&view);
    if (rc < 0) {
        out_free(&o);
        return PyErr_NoMemory();
    }
    PyObject *columns = out_columns(&o);
    PyObject *result = columns ? Py_BuildValue("(nnnnNNO)", counts.lines, counts.events,
                                               counts.lead, o.end_count,
                                               PyBool_FromLong(counts.seen_event),
                                               buf_bytes(&o.slow), columns)
                               : NULL;
    Py_XDECREF(columns);
    out_free(&o);
    return result;
}

/* ------------------------------------------------------------------ JSON lines */

/* JSON whitespace between tokens (what Python's json module skips) */
static const unsigned char *json_ws(const unsigned char *p, const unsigned char *end) {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) p++;
    return p;
}

static int hex_value(unsigned char c) {
    if (is_digit(c)) return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* characters that end a run of plain string text: the quote, the backslash, controls */
static unsigned char string_stop[256];

static void init_string_stop(void) {
    for (int c = 0; c < 0x20; c++) string_stop[c] = 1;
    string_stop['"'] = string_stop['\\'] = 1;
}

/* the first quote, backslash or control character from p on (end when there is none):
 * eight bytes at a time while none of the eight is one */
static const unsigned char *string_run(const unsigned char *p, const unsigned char *end) {
    while (end - p >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        uint64_t q = w ^ (ONES * '"'), b = w ^ (ONES * '\\');
        if (((q - ONES) & ~q & HIGHS) | ((b - ONES) & ~b & HIGHS) | ((w - ONES * 0x20) & ~w & HIGHS))
            break;
        p += 8;
    }
    while (p < end && !string_stop[*p]) p++;
    return p;
}

/* A decoded JSON string: a span of the chunk when it holds no escape, else of a buffer. */
typedef struct {
    const unsigned char *ptr;
    Py_ssize_t len;
} Span;

/* the plain run [p, q) of a JSON string: ASCII, or valid UTF-8 (Python decodes invalid bytes
 * to U+FFFD: the general parser reads those lines) */
static int plain_run(const unsigned char *p, const unsigned char *q) {
    while (q - p >= 8) {  /* eight ASCII bytes at a time */
        uint64_t w;
        memcpy(&w, p, 8);
        if (w & HIGHS) break;
        p += 8;
    }
    for (; p < q; p++)
        if (*p >= 0x80) return utf8_valid(p, q - p);
    return 1;
}

static int put_utf8(Buf *b, uint32_t cp) {
    unsigned char u[4];
    Py_ssize_t n;
    if (cp < 0x80) { u[0] = (unsigned char)cp; n = 1; }
    else if (cp < 0x800) { u[0] = 0xC0 | (cp >> 6); u[1] = 0x80 | (cp & 0x3F); n = 2; }
    else if (cp < 0x10000) {
        u[0] = 0xE0 | (cp >> 12); u[1] = 0x80 | ((cp >> 6) & 0x3F); u[2] = 0x80 | (cp & 0x3F);
        n = 3;
    } else {
        u[0] = 0xF0 | (cp >> 18); u[1] = 0x80 | ((cp >> 12) & 0x3F);
        u[2] = 0x80 | ((cp >> 6) & 0x3F); u[3] = 0x80 | (cp & 0x3F);
        n = 4;
    }
    return buf_put(b, u, n);
}

/* four hex digits at p (p + 4 <= end): the value, or -1 */
static int hex4(const unsigned char *p) {
    int v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hex_value(p[i]);
        if (h < 0) return -1;
        v = v * 16 + h;
    }
    return v;
}

/* The JSON string whose opening quote is at *pp, decoded to UTF-8 into *out (pointing into
 * the chunk, or into b when it holds escapes): 1 with *pp past the closing quote; 0 when this
 * scanner does not read it exactly (an invalid escape, a raw control character, bytes that
 * are not UTF-8, a lone surrogate escape: the general parser decides); -1 on memory error. */
static int json_string(const unsigned char **pp, const unsigned char *end, Buf *b, Span *out) {
    const unsigned char *p = *pp;
    if (p >= end || *p != '"') return 0;
    const unsigned char *start = ++p;
    p = string_run(p, end);
    if (p >= end) return 0;
    if (!plain_run(start, p)) return 0;
    if (*p == '"') {  /* no escape: the chunk's own bytes */
        out->ptr = start;
        out->len = p - start;
        *pp = p + 1;
        return 1;
    }
    b->len = 0;
    if (buf_put(b, start, p - start) < 0) return -1;
    for (;;) {
        const unsigned char *run = p;
        p = string_run(p, end);
        if (p > run) {
            if (!plain_run(run, p)) return 0;
            if (buf_put(b, run, p - run) < 0) return -1;
        }
        if (p >= end || *p < 0x20) return 0;
        if (*p == '"') {
            out->ptr = (const unsigned char *)b->data;
            out->len = b->len;
            *pp = p + 1;
            return 1;
        }
        if (p + 1 >= end) return 0;
        unsigned char c;
        switch (p[1]) {
        case '"': c = '"'; break;
        case '\\': c = '\\'; break;
        case '/': c = '/'; break;
        case 'b': c = '\b'; break;
        case 'f': c = '\f'; break;
        case 'n': c = '\n'; break;
        case 'r': c = '\r'; break;
        case 't': c = '\t'; break;
        case 'u': {
            if (end - p < 6) return 0;
            int cp = hex4(p + 2);
            if (cp < 0 || (cp >= 0xDC00 && cp <= 0xDFFF)) return 0;  /* a lone low surrogate */
            p += 6;
            if (cp >= 0xD800 && cp <= 0xDBFF) {  /* a pair, as json.loads joins it */
                if (end - p < 6 || p[0] != '\\' || p[1] != 'u') return 0;
                int low = hex4(p + 2);
                if (low < 0xDC00 || low > 0xDFFF) return 0;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                p += 6;
            }
            if (put_utf8(b, (uint32_t)cp) < 0) return -1;
            continue;
        }
        default: return 0;
        }
        p += 2;
        if (buf_put(b, &c, 1) < 0) return -1;
    }
}

/* A JSON integer `0|[1-9][0-9]{0,17}` at *pp (not followed by a fraction or an exponent);
 * 0 otherwise (negative, float or longer numbers go to the general parser). */
static int json_uint(const unsigned char **pp, const unsigned char *end, int64_t *out) {
    const unsigned char *p = *pp;
    int64_t v = 0;
    int digits = 0;
    while (p < end && is_digit(*p)) {
        if (++digits > 18) return 0;
        v = v * 10 + (*p - '0');
        p++;
    }
    if (digits == 0 || (digits > 1 && **pp == '0')) return 0;
    if (p < end && (*p == '.' || *p == 'e' || *p == 'E')) return 0;
    *pp = p;
    *out = v;
    return 1;
}

enum { K_GROUP = 1, K_STREAM = 2, K_TIME = 4, K_MESSAGE = 8, K_EVENT_ID = 16, K_INGESTION = 32 };

static int key_is(const Span *k, const char *name, Py_ssize_t n) {
    return k->len == n && memcmp(k->ptr, name, n) == 0;
}

/* which field a key names (0: any other key) */
static int event_key(const Span *k) {
    switch (k->len) {
    case 7:
        if (key_is(k, "message", 7)) return K_MESSAGE;
        if (key_is(k, "eventId", 7)) return K_EVENT_ID;
        return 0;
    case 9: return key_is(k, "timestamp", 9) ? K_TIME : 0;
    case 12: return key_is(k, "logGroupName", 12) ? K_GROUP : 0;
    case 13:
        if (key_is(k, "logStreamName", 13)) return K_STREAM;
        if (key_is(k, "ingestionTime", 13)) return K_INGESTION;
        return 0;
    default: return 0;
    }
}

/* scratch buffers for strings with escapes, one per field, reused line after line */
typedef struct {
    Buf key, group, stream, message, other, env;
    Span group_s, stream_s, message_s;
} Scratch;

static void scratch_free(Scratch *s) {
    buf_free(&s->key); buf_free(&s->group); buf_free(&s->stream); buf_free(&s->message);
    buf_free(&s->other); buf_free(&s->env);
}

/* One stripped JSON line [p, end) in the shape lamlife fetch and CloudWatch write for an
 * event: an object with "logGroupName" (a non-empty string), "message" (a string),
 * "timestamp" (an integer epoch ms inside 1970..2262) and optionally "logStreamName" (a
 * string), "eventId" (a string) and "ingestionTime" (an integer), in any order, each once.
 * 1 with the fields decoded into s and *ts set; 0 for anything else; -1 on memory error. */
/* The fields of one event object at *pp ('{'): "logGroupName", "logStreamName", "message",
 * "eventId" (strings), "timestamp" and "ingestionTime" (integers), in any order, each once
 * (a repeated key goes to the general parser, which keeps the last), no other key. 1 with
 * the strings decoded into s, *ts set, the keys seen in *seen and *pp past the closing
 * brace; 0 for anything else (an object cut by the end of the buffer too); -1 on memory
 * error. Shared by JSON lines (json_event) and filter-log-events pages (page_event). */
static int event_fields(const unsigned char **pp, const unsigned char *end, Scratch *s,
                        int64_t *ts, int *seen) {
    const unsigned char *p = *pp;
    if (p >= end || *p != '{') return 0;
    p = json_ws(p + 1, end);
    for (;;) {
        Span key, other;
        int rc = json_string(&p, end, &s->key, &key);
        if (rc <= 0) return rc;
        p = json_ws(p, end);
        if (p >= end || *p != ':') return 0;
        p = json_ws(p + 1, end);
        int which = event_key(&key);
        if (which == 0 || (*seen & which)) return 0;  /* another key, or a repeated one */
        *seen |= which;
        switch (which) {
        case K_GROUP: rc = json_string(&p, end, &s->group, &s->group_s); break;
        case K_STREAM: rc = json_string(&p, end, &s->stream, &s->stream_s); break;
        case K_MESSAGE: rc = json_string(&p, end, &s->message, &s->message_s); break;
        case K_EVENT_ID: rc = json_string(&p, end, &s->other, &other); break;
        default: {
            int64_t v;
            rc = json_uint(&p, end, &v);
            if (which == K_TIME) *ts = v;
        }
        }
        if (rc <= 0) return rc;
        p = json_ws(p, end);
        if (p < end && *p == ',') { p = json_ws(p + 1, end); continue; }
        if (p < end && *p == '}') { *pp = p + 1; return 1; }
        return 0;
    }
}

static int json_event(const unsigned char *p, const unsigned char *end, Scratch *s,
                      int64_t *ts) {
    int seen = 0;
    s->stream_s.ptr = NULL;
    s->stream_s.len = 0;
    int rc = event_fields(&p, end, s, ts, &seen);
    if (rc <= 0) return rc;
    if (p != end) return 0;
    if ((seen & (K_GROUP | K_TIME | K_MESSAGE)) != (K_GROUP | K_TIME | K_MESSAGE)) return 0;
    /* an empty group names no function; a NUL would make the environment key ambiguous */
    if (s->group_s.len == 0 || memchr(s->group_s.ptr, 0, s->group_s.len)) return 0;
    if (*ts > 9214646400000LL) return 0;  /* platform.MAX_TIME_MS: the general parser */
    return 1;
}

static int outside(double v, double low, double high) { return v == v && !(v >= low && v <= high); }

/* How the general parser takes a message (after rstrip("\n")): 1 a canonical record (row
 * filled), 0 application output (no record), -1 anything else (the general parser reads
 * it). Same grammar as the tail lines; a message the grammar does not take is application
 * output only when it cannot start a platform record (platform._parse dispatches on the
 * first character) and holds no rare keyword ("Task timed out after" anywhere). */
static int classify_message(const unsigned char *m, Py_ssize_t n, Row *row, const Out *o) {
    const unsigned char *end = m + n;
    if (n == 0) return 0;
    if (memchr(m, '\\', n)) return -1;  /* escaped copies ("\t" as two characters) */
    const unsigned char *nl = memchr(m, '\n', n);
    const unsigned char *first_end = nl ? nl : end;
    if (parse_message_line(m, first_end, row)) {
        if (row_has_keyword(row, &o->versions, &o->etypes) || (nl && has_keyword(nl, end)))
            return -1;
        /* numbers Lambda cannot produce: the general parser counts the event malformed */
        if (row->kind == REPORT
            && (outside(row->nums[0], 0.0, 86400000.0) || outside(row->nums[1], 0.0, 86400000.0)
                || outside(row->nums[2], 128.0, 32768.0) || outside(row->nums[3], 0.0, 32768.0)
                || outside(row->nums[4], 0.0, 86400000.0)))
            return -1;
        return 1;
    }
    if (strchr(" \tRSEITLX{", m[0])) return -1;
    if (has_keyword(m, end)) return -1;
    return 0;
}

typedef struct {
    Py_ssize_t lines, events, ignored;
    Buf first_use;  /* int64 line index where each stream is first used */
} JsonCounts;

/* The JSON-lines scanner's loop over [data, data + size): no Python object, no GIL needed;
 * -1 on memory error (no exception set). */
static int scan_jsonl_loop(const unsigned char *data, Py_ssize_t size, Out *o, JsonCounts *c) {
    Scratch s;
    memset(&s, 0, sizeof s);
    Py_ssize_t lines = 0, events = 0, ignored = 0;
    Py_ssize_t pos = 0;
    while (pos < size) {
        const unsigned char *line = data + pos;
        const unsigned char *nl = memchr(line, '\n', size - pos);
        Py_ssize_t len = nl ? nl - line : size - pos;
        const unsigned char *p = line, *end = line + len;
        lines++;
        /* str.strip() of ASCII whitespace; a line with other whitespace at an end does not
         * start with '{' or end with '}' here and goes to the general parser, which strips it */
        while (p < end && ascii_space(*p)) p++;
        while (end > p && ascii_space(end[-1])) end--;
        if (p < end) {
            int64_t ts = 0;
            int rc = json_event(p, end, &s, &ts);
            if (rc < 0) goto fail;
            Row row;
            row_clear(&row);
            if (rc == 1) {
                Py_ssize_t n = s.message_s.len;
                const unsigned char *m = s.message_s.ptr;
                while (n > 0 && m[n - 1] == '\n') n--;
                rc = classify_message(m, n, &row, o);
                if (rc == 1) {
                    /* the environment key: group, NUL, stream */
                    static const unsigned char nul = 0;
                    s.env.len = 0;
                    if (buf_put(&s.env, s.group_s.ptr, s.group_s.len) < 0
                        || buf_put(&s.env, &nul, 1) < 0
                        || (s.stream_s.len
                            && buf_put(&s.env, s.stream_s.ptr, s.stream_s.len) < 0))
                        goto fail;
                    row.stream = (const unsigned char *)s.env.data;
                    row.stream_len = s.env.len;
                    row.ts = (double)ts;
                }
            } else {
                rc = -1;
            }
            if (rc < 0) {
                int64_t where[3] = {pos, len, lines - 1};  /* offset, length, line index */
                if (buf_put(&o->slow, where, 24) < 0) goto fail;
            } else {
                events++;
                if (rc == 0) {
                    ignored++;
                } else {
                    Py_ssize_t known = o->streams.count;
                    o->line = (int32_t)(lines - 1);
                    /* an END names its environment too (the general parser registers it) */
                    if ((row.kind == END
                         && table_index(&o->streams, row.stream, row.stream_len) < 0)
                        || commit(o, &row) < 0)
                        goto fail;
                    if (o->streams.count > known) {  /* where the environment is first named */
                        int64_t index = lines - 1;
                        if (buf_put(&c->first_use, &index, 8) < 0) goto fail;
                    }
                }
            }
        }
        pos += len + 1;
    }
    scratch_free(&s);
    c->lines = lines;
    c->events = events;
    c->ignored = ignored;
    return 0;
fail:
    scratch_free(&s);
    return -1;
}

/* scan_jsonl(chunk) -> (lines, events, ignored, end_count, slow, first_use, columns).
 * chunk: whole lines of JSON lines text as UTF-8 bytes (any buffer). Every line in the event
 * shape of json_event whose message is a canonical START/END/REPORT or application output is
 * read here; the byte offset, byte length and line index of every other non-blank line are in
 * slow (int64 triples). Columns as scan's; a stream is "<group>\0<stream>", and the streams
 * list also holds those of END lines (every environment a record names) and first_use the
 * line index where each is first named (int64), so that environments are registered in read
 * order. The loop runs without the GIL. */
static PyObject *scan_jsonl(PyObject *self, PyObject *args) {
    (void)self;
    Py_buffer view;
    if (!PyArg_ParseTuple(args, "y*:scan_jsonl", &view)) return NULL;
    Out o;
    if (out_init(&o, view.len) < 0) { PyBuffer_Release(&view); return NULL; }
    JsonCounts c;
    memset(&c, 0, sizeof c);
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = scan_jsonl_loop(view.buf, view.len, &o, &c);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&view);
    PyObject *result = NULL;
    if (rc < 0) {
        PyErr_NoMemory();
    } else {
        PyObject *columns = out_columns(&o);
        result = columns ? Py_BuildValue("(nnnnNNO)", c.lines, c.events, c.ignored,
                                         o.end_count, buf_bytes(&o.slow),
                                         buf_bytes(&c.first_use), columns)
                         : NULL;
        Py_XDECREF(columns);
    }
    buf_free(&c.first_use);
    out_free(&o);
    return result;
}

static PyObject *hash_ids(PyObject *self, PyObject *arg) {
    (void)self;
    PyObject *seq = PySequence_Fast(arg, "hash_ids expects a sequence of str");
    if (!seq) return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    PyObject *out = PyBytes_FromStringAndSize(NULL, n * 8);
    if (!out) { Py_DECREF(seq); return NULL; }
    uint64_t *hashes = (uint64_t *)PyBytes_AS_STRING(out);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *item = PySequence_Fast_GET_ITEM(seq, i);
        if (!PyUnicode_Check(item)) {
            PyErr_SetString(PyExc_TypeError, "hash_ids expects str items");
            goto fail;
        }
        Py_ssize_t len;
        const char *utf8 = PyUnicode_AsUTF8AndSize(item, &len);
        if (utf8) {
            hashes[i] = fnv1a((const unsigned char *)utf8, len);
            continue;
        }
        PyErr_Clear();  /* lone surrogates: their surrogatepass bytes, as hash_ids in Python */
        PyObject *raw = PyUnicode_AsEncodedString(item, "utf-8", "surrogatepass");
        if (!raw) goto fail;
        hashes[i] = fnv1a((const unsigned char *)PyBytes_AS_STRING(raw), PyBytes_GET_SIZE(raw));
        Py_DECREF(raw);
    }
    Py_DECREF(seq);
    return out;
fail:
    Py_DECREF(seq);
    Py_DECREF(out);
    return NULL;
}

/* find_line_start(buffer, value, end, line_start): the first position p in buffer[:end] of
   byte ``value`` that starts a line (p == 0 when line_start, else buffer[p - 1] == '\n'), -1
   when none. A memchr loop over any buffer (a memoryview too) without a copy: read.sources
   looks for byte order marks at line starts with it. */
static PyObject *find_line_start(PyObject *self, PyObject *args) {
    (void)self;
    Py_buffer view;
    int value, line_start;
    Py_ssize_t end;
    if (!PyArg_ParseTuple(args, "y*inp", &view, &value, &end, &line_start)) return NULL;
    if (end > view.len) end = view.len;
    const char *buf = (const char *)view.buf;
    Py_ssize_t pos = -1, at = 0;
    while (at < end) {
        const char *hit = memchr(buf + at, value & 0xFF, (size_t)(end - at));
        if (!hit) break;
        Py_ssize_t p = (Py_ssize_t)(hit - buf);
        if (p == 0 ? line_start : buf[p - 1] == '\n') { pos = p; break; }
        at = p + 1;
    }
    PyBuffer_Release(&view);
    return PyLong_FromSsize_t(pos);
}

/* the bulk exports' entry points (their section is at the end of this file) */
static PyObject *scan_events(PyObject *self, PyObject *args);
static PyObject *scan_csv(PyObject *self, PyObject *args);

static PyMethodDef methods[] = {
    {"find_line_start", find_line_start, METH_VARARGS,
     "find_line_start(buffer, value: int, end: int, line_start: bool) -> first position of"
     " value starting a line in buffer[:end], or -1"},
    {"hash_ids", hash_ids, METH_O,
     "hash_ids(ids: Sequence[str]) -> bytes of uint64 FNV-1a hashes of their UTF-8 bytes"},
    {"scan", scan, METH_VARARGS,
     "scan(chunk: bytes) -> columns of a chunk of aws logs tail text (UTF-8)"},
    {"scan_jsonl", scan_jsonl, METH_VARARGS,
     "scan_jsonl(chunk: bytes) -> columns of a chunk of JSON lines (lamlife fetch, UTF-8)"},
    {"scan_events", scan_events, METH_VARARGS,
     "scan_events(chunk: str, pos: int, first: bool) -> columns of filter-log-events events"},
    {"scan_csv", scan_csv, METH_VARARGS,
     "scan_csv(chunk: str, pos: int, final: bool, ...) -> columns of Insights CSV records"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_tailscan",
    "Compiled scanner for aws logs tail text (see lifecycle/read/tail.py).", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__tailscan(void) {
    init_string_stop();
    init_message_byte();
    return PyModule_Create(&module);
}

/* ================================================================== bulk exports
 * filter-log-events JSON pages and Logs Insights CSV exports (lifecycle/read/
 * cloudwatch_json.py and insights_csv.py drive these). Both read the messages by the same
 * grammar (classify_message) and hand back the same columns as scan_jsonl, plus where the
 * events (rows) they do not read exactly are, for the caller to read the general way. */

/* One event object of a page's "events" array at p: "message" (a string) and "timestamp"
 * (an integer epoch ms inside 1970..2262), optionally "logGroupName", "logStreamName",
 * "eventId" (strings) and "ingestionTime" (an integer), in any order, each once. 1 with the
 * fields decoded into s, *ts set and *after past the closing brace; 0 for anything else
 * (including an object cut by the end of the buffer); -1 on memory error. */
static int page_event(const unsigned char *p, const unsigned char *end, Scratch *s,
                      int64_t *ts, const unsigned char **after) {
    int seen = 0;
    s->group_s.ptr = s->stream_s.ptr = NULL;
    s->group_s.len = s->stream_s.len = 0;
    int rc = event_fields(&p, end, s, ts, &seen);
    if (rc <= 0) return rc;
    if ((seen & (K_TIME | K_MESSAGE)) != (K_TIME | K_MESSAGE)) return 0;
    /* a NUL in the group would make the environment key ambiguous */
    if (s->group_s.len && memchr(s->group_s.ptr, 0, s->group_s.len)) return 0;
    if (*ts > 9214646400000LL) return 0;  /* platform.MAX_TIME_MS: the general parser */
    *after = p;
    return 1;
}

/* row.stream := "<a>\0<b>" built in the scratch buffer env */
static int env_key(Buf *env, const unsigned char *a, Py_ssize_t na, const unsigned char *b,
                   Py_ssize_t nb, Row *row) {
    static const unsigned char nul = 0;
    env->len = 0;
    if ((na && buf_put(env, a, na) < 0) || buf_put(env, &nul, 1) < 0
        || (nb && buf_put(env, b, nb) < 0))
        return -1;
    row->stream = (const unsigned char *)env->data;
    row->stream_len = env->len;
    return 0;
}

/* The end of the JSON value at p as far as strings and brackets tell (its syntax is left to
 * the decoder): NULL when it does not end before end (a scalar must be followed by a
 * delimiter, so that a number cut by the end of the chunk is not taken whole). */
static const unsigned char *json_skip(const unsigned char *p, const unsigned char *end) {
    if (p >= end) return NULL;
    if (*p != '{' && *p != '[' && *p != '"') {
        while (p < end && *p != ',' && *p != ']' && *p != '}' && *p != ' ' && *p != '\t'
               && *p != '\n' && *p != '\r')
            p++;
        return p < end ? p : NULL;
    }
    Py_ssize_t depth = 0;
    while (p < end) {
        unsigned char c = *p;
        if (c == '"') {
            p++;
            for (;;) {
                p = string_run(p, end);
                if (p >= end) return NULL;
                if (*p == '"') break;
                if (*p == '\\') {
                    if (p + 1 >= end) return NULL;
                    p += 2;
                } else {
                    p++;  /* a control character: the decoder's error */
                }
            }
            p++;
            if (depth == 0) return p;
            continue;
        }
        if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            if (--depth <= 0) return p + 1;
        }
        p++;
    }
    return NULL;
}

/* scan_events(chunk, pos, first) -> (status, pos, first, quiet, slow, events, ignored,
 * end_count, columns, first_use) or None (a chunk not all ASCII).
 * Reads the elements of a filter-log-events "events" array in chunk (a str) from pos, which
 * is just after the '[' (first true) or just after an element (first false). Every element
 * in the shape of page_event whose message is a canonical START/END/REPORT or application
 * output is read here; every other element whose end json_skip finds is left to the caller
 * (slow: int64 offset, length and index of the element in this call). Stops with status 0
 * after the closing ']' (pos past it), or with status 1 at the last point it read up to
 * (pos, first) when the next separator is anything else or the next element is cut by the
 * end of the chunk: the caller reads on the general way and calls again. first_use: the
 * element index where each stream is first named (int64), as scan_jsonl's. Columns as scan_jsonl's; a stream is
 * "<logGroupName>\0<logStreamName>" (empty when absent), END lines included; quiet lists
 * the streams of the application output read here (the general parser names a function for
 * them too). */
static PyObject *scan_events(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *chunk;
    Py_ssize_t pos;
    int first;
    if (!PyArg_ParseTuple(args, "Unp:scan_events", &chunk, &pos, &first)) return NULL;
    if (!PyUnicode_IS_ASCII(chunk)) Py_RETURN_NONE;  /* ASCII is its own UTF-8 */
    const unsigned char *data = PyUnicode_1BYTE_DATA(chunk);
    Py_ssize_t size = PyUnicode_GET_LENGTH(chunk);
    if (pos < 0 || pos > size) {
        PyErr_SetString(PyExc_ValueError, "scan_events: position outside the chunk");
        return NULL;
    }
    const unsigned char *end = data + size;
    Out o;
    if (out_init(&o, size) < 0) return NULL;
    Scratch s;
    memset(&s, 0, sizeof s);
    Table quiet;  /* streams of the application output read here */
    if (table_init(&quiet) < 0) { out_free(&o); PyErr_NoMemory(); return NULL; }
    Py_ssize_t events = 0, ignored = 0;
    Buf slow = {NULL, 0, 0};       /* int64 (offset, length, index) of elements left */
    Buf first_use = {NULL, 0, 0};  /* int64 index where each stream is first named */
    int64_t index = 0;             /* of the element in this call */
    int status = 1;
    for (;;) {
        const unsigned char *q = json_ws(data + pos, end);
        if (q >= end) break;
        if (*q == ']') { status = 0; pos = q + 1 - data; break; }
        if (!first) {
            if (*q != ',') break;
            q = json_ws(q + 1, end);
        }
        int64_t ts = 0;
        const unsigned char *after = NULL;
        int rc = page_event(q, end, &s, &ts, &after);
        if (rc < 0) goto fail;
        Row row;
        row_clear(&row);
        if (rc == 1) {
            Py_ssize_t n = s.message_s.len;
            const unsigned char *m = s.message_s.ptr;
            while (n > 0 && m[n - 1] == '\n') n--;
            rc = classify_message(m, n, &row, &o);
        } else {
            rc = -1;
        }
        if (rc < 0) {  /* the caller decodes this element: its offset, length, index */
            const unsigned char *skip_end = json_skip(q, end);
            if (!skip_end) break;
            int64_t where[3] = {q - data, skip_end - q, index};
            if (buf_put(&slow, where, 24) < 0) goto fail;
            index++;
            pos = skip_end - data;
            first = 0;
            continue;
        }
        events++;
        if (env_key(&s.env, s.group_s.ptr, s.group_s.len, s.stream_s.ptr, s.stream_s.len,
                    &row) < 0)
            goto fail;
        if (rc == 0) {
            ignored++;
            if (table_index(&quiet, row.stream, row.stream_len) < 0) goto fail;
        } else {
            row.ts = (double)ts;
            Py_ssize_t known = o.streams.count;
            o.line = (int32_t)index;
            /* an END names its environment too (the general parser registers it) */
            if ((row.kind == END && table_index(&o.streams, row.stream, row.stream_len) < 0)
                || commit(&o, &row) < 0)
                goto fail;
            if (o.streams.count > known && buf_put(&first_use, &index, 8) < 0) goto fail;
        }
        index++;
        pos = after - data;
        first = 0;
    }
    scratch_free(&s);
    PyObject *result = NULL, *columns = out_columns(&o);
    if (columns)
        result = Py_BuildValue("(inNNNnnnON)", status, pos, PyBool_FromLong(first),
                               table_strings(&quiet),
                               buf_bytes(&slow), events, ignored, o.end_count, columns,
                               buf_bytes(&first_use));
    Py_XDECREF(columns);
    table_free(&quiet);
    buf_free(&slow);
    buf_free(&first_use);
    out_free(&o);
    return result;
fail:
    if (!PyErr_Occurred()) PyErr_NoMemory();
    scratch_free(&s);
    table_free(&quiet);
    buf_free(&slow);
    buf_free(&first_use);
    out_free(&o);
    return NULL;
}

/* ------------------------------------------------------------------ Insights CSV */

/* `YYYY-MM-DD[T ]HH:MM:SS[.f+][Z]` spanning exactly [p, end) -> epoch ms as
 * timeparse.iso_to_ms computes it (whole seconds * 1000 + float("0." + f) * 1000), inside
 * 1970..2262; 0 for any other text (the general parser decides). */
static int insights_time(const unsigned char *p, const unsigned char *end, double *out) {
    Py_ssize_t n = end - p;
    if (n < 19) return 0;
    for (int i = 0; i < 4; i++) if (!is_digit(p[i])) return 0;
    if (p[4] != '-' || p[7] != '-' || (p[10] != 'T' && p[10] != ' ') || p[13] != ':'
        || p[16] != ':')
        return 0;
    int year = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
    int month = num2(p + 5), day = num2(p + 8), hour = num2(p + 11), minute = num2(p + 14),
        second = num2(p + 17);
    if (year < 1970 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23
        || minute < 0 || minute > 59 || second < 0 || second > 59)
        return 0;
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (day > mdays[month - 1] + (month == 2 && leap)) return 0;
    const unsigned char *q = p + 19;
    char frac[48];
    int digits = 0;
    if (q < end && *q == '.') {
        q++;
        frac[0] = '0';
        frac[1] = '.';
        while (q < end && is_digit(*q)) {
            if (digits >= 40) return 0;
            frac[2 + digits++] = (char)*q++;
        }
        if (digits == 0) return 0;
        frac[2 + digits] = 0;
    }
    if (q < end && *q == 'Z') q++;
    if (q != end) return 0;
    int64_t seconds = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60
                      + second;
    if (seconds > 9214646400LL) return 0;
    double ms = (double)seconds * 1000.0;
    if (digits) {
        double f = PyOS_string_to_double(frac, NULL, NULL);
        if (f == -1.0 && PyErr_Occurred()) { PyErr_Clear(); return 0; }
        ms += f * 1000.0;
    }
    *out = ms;
    return 1;
}

#define CSV_MAX_COLUMNS 64

/* One CSV record of the csv module's default dialect from p (the start of a record):
 * *rec_end is set past its last line ending, *lines to its physical lines (a line ends at
 * \n, \r or \r\n, as the file's lines do with newline=""). Returns 1 when the record is
 * complete in [p, end) and plain (no \r or NUL, quotes only around whole fields, at most
 * CSV_MAX_COLUMNS fields: their decoded spans in fields, *nfields set, quoted fields with ""
 * decoded into qbuf), 2 when complete but not plain, 0 when the record is cut by the end
 * of the chunk (at the end of the file: a last line without an ending is complete) and -1
 * on memory error. */
static int csv_record(const unsigned char *p, const unsigned char *end, int final,
                      const unsigned char **rec_end, Py_ssize_t *lines, Span *fields,
                      int *nfields, Buf *qbuf) {
    enum { START_FIELD, IN_FIELD, IN_QUOTED, QUOTE_IN_QUOTED };
    const unsigned char *p0 = p, *fstart = p;
    int state = START_FIELD, plain = 1, n = 0, quoted = 0;
    Py_ssize_t nl = 0, qstart = 0;
    /* quoted fields are kept as offsets into qbuf until the record ends (qbuf may move) */
    Py_ssize_t qoff[CSV_MAX_COLUMNS];
    int isq[CSV_MAX_COLUMNS];
    qbuf->len = 0;
    if (p < end && (*p == '\n' || *p == '\r')) {  /* a blank line: the record [] */
        if (*p == '\r') {
            if (p + 1 >= end && !final) return 0;
            if (p + 1 < end && p[1] == '\n') p++;
        }
        *rec_end = p + 1;
        *lines = 1;
        *nfields = 0;
        return 1;
    }
    for (;;) {
        int at_end = p >= end;
        if (at_end) {
            if (!final || state == IN_QUOTED) return 0;
            if (p == p0) {  /* nothing left: no record */
                *rec_end = p;
                *lines = 0;
                *nfields = 0;
                return 1;
            }
        }
        unsigned char c = at_end ? '\n' : *p;
        if (!at_end && (c == 0 || c == '\r')) plain = 0;
        if (state == IN_QUOTED) {
            if (c == '"') {
                if (buf_put(qbuf, fstart, p - fstart) < 0) return -1;
                state = QUOTE_IN_QUOTED;
            } else if (c == '\n') {
                nl++;
            } else if (c == '\r') {
                if (p + 1 >= end && !final) return 0;
                if (p + 1 < end && p[1] == '\n') p++;
                nl++;
            }
            p++;
            continue;
        }
        if (state == QUOTE_IN_QUOTED) {
            if (c == '"') {  /* "" in a quoted field: the second quote starts the next run */
                fstart = p;
                state = IN_QUOTED;
                p++;
                continue;
            }
            if (c != ',' && c != '\n' && c != '\r') {  /* text after the closing quote */
                plain = 0;
                state = IN_FIELD;
                p++;
                continue;
            }
        } else if (state == START_FIELD && c == '"') {
            state = IN_QUOTED;
            quoted = 1;
            qstart = qbuf->len;
            fstart = p + 1;
            p++;
            continue;
        } else if (c == '"') {
            plain = 0;  /* a quote inside an unquoted field */
        }
        if (c == ',' || c == '\n' || c == '\r') {
            if (n < CSV_MAX_COLUMNS) {
                isq[n] = quoted;
                if (quoted) {
                    qoff[n] = qstart;
                    fields[n].len = qbuf->len - qstart;
                } else {
                    fields[n].ptr = fstart;
                    fields[n].len = p - fstart;
                }
            } else {
                plain = 0;
            }
            n++;
            if (c == ',') {
                state = START_FIELD;
                quoted = 0;
                p++;
                fstart = p;
                continue;
            }
            if (!at_end) {
                if (c == '\r') {
                    if (p + 1 >= end && !final) return 0;
                    if (p + 1 < end && p[1] == '\n') p++;
                }
                p++;
            }
            nl++;  /* a last line without an ending counts too */
            break;
        }
        if (state == START_FIELD) state = IN_FIELD;
        p++;
    }
    int kept = n > CSV_MAX_COLUMNS ? CSV_MAX_COLUMNS : n;
    for (int i = 0; i < kept; i++)
        if (isq[i]) fields[i].ptr = (const unsigned char *)qbuf->data + qoff[i];
    *rec_end = p;
    *lines = nl;
    *nfields = kept;
    return plain ? 1 : 2;
}

/* scan_csv(chunk, pos, final, columns, ts_i, msg_i, stream_i, group_i) -> (0, pos, 0, lines,
 * 0, events, ignored, end_count, columns, slow, first_use) or None (a chunk not all
 * ASCII).
 * Reads the records of a Logs Insights CSV export (after its header) in chunk from pos, the
 * start of a record; final: the chunk ends the file. A record of `columns` plain fields
 * whose @timestamp is a time insights_time reads and whose @message (not empty) is a
 * canonical START/END/REPORT or application output is read here; a blank line is skipped.
 * Every other whole record is left to the caller (slow: int64 offset, end, physical lines
 * before it in this call, its physical lines, index). Stops when the rest of the chunk holds
 * no whole record (pos at its start). lines: the physical lines read; first_use: the record
 * index where each stream is first named (int64). A stream is "<@log>\0<@logStream>" (-1:
 * no such column). */
static PyObject *scan_csv(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *chunk;
    Py_ssize_t pos;
    int final, ncols, ts_i, msg_i, stream_i, group_i;
    if (!PyArg_ParseTuple(args, "Unpiiiii:scan_csv", &chunk, &pos, &final, &ncols, &ts_i,
                          &msg_i, &stream_i, &group_i))
        return NULL;
    if (!PyUnicode_IS_ASCII(chunk)) Py_RETURN_NONE;  /* ASCII is its own UTF-8 */
    const unsigned char *data = PyUnicode_1BYTE_DATA(chunk);
    Py_ssize_t size = PyUnicode_GET_LENGTH(chunk);
    if (pos < 0 || pos > size || ncols < 1 || ncols > CSV_MAX_COLUMNS || ts_i < 0
        || ts_i >= ncols || msg_i < 0 || msg_i >= ncols || stream_i >= ncols
        || group_i >= ncols) {
        PyErr_SetString(PyExc_ValueError, "scan_csv: bad position or columns");
        return NULL;
    }
    const unsigned char *end = data + size;
    Out o;
    if (out_init(&o, size) < 0) return NULL;
    Buf qbuf = {NULL, 0, 0}, env = {NULL, 0, 0};
    Span fields[CSV_MAX_COLUMNS];
    Py_ssize_t lines = 0, events = 0, ignored = 0;
    Buf slow = {NULL, 0, 0}, first_use = {NULL, 0, 0};
    int64_t index = 0;  /* of the record in this call */
    while (pos < size) {
        const unsigned char *rec_end;
        Py_ssize_t nl;
        int nfields;
        int rc = csv_record(data + pos, end, final, &rec_end, &nl, fields, &nfields, &qbuf);
        if (rc < 0) goto fail;
        if (rc == 0) break;
        Row row;
        row_clear(&row);
        int kind = -1;  /* -1 general, 0 nothing kept, 1 a record */
        if (rc == 1 && nfields == 0) {
            kind = 0;  /* a blank line */
        } else if (rc == 1 && nfields == ncols && fields[msg_i].len > 0
                   && insights_time(fields[ts_i].ptr, fields[ts_i].ptr + fields[ts_i].len,
                                    &row.ts)) {
            Py_ssize_t n = fields[msg_i].len;
            while (n > 0 && fields[msg_i].ptr[n - 1] == '\n') n--;
            double ts = row.ts;
            int c = classify_message(fields[msg_i].ptr, n, &row, &o);
            row.ts = ts;
            if (c == 0) {
                events++;
                ignored++;
                kind = 0;
            } else if (c == 1) {
                kind = 1;
            }
        }
        if (kind < 0) {  /* the caller reads this record: offset, end, lines before, its
                          * lines, index */
            int64_t where[5] = {pos, rec_end - data, lines, nl, index};
            if (buf_put(&slow, where, 40) < 0) goto fail;
        } else if (kind == 1) {
            events++;
            const Span empty = {NULL, 0};
            const Span *g = group_i >= 0 ? &fields[group_i] : &empty;
            const Span *st = stream_i >= 0 ? &fields[stream_i] : &empty;
            Py_ssize_t known = o.streams.count;
            o.line = (int32_t)index;
            if (env_key(&env, g->ptr, g->len, st->ptr, st->len, &row) < 0
                || (row.kind == END && table_index(&o.streams, row.stream, row.stream_len) < 0)
                || commit(&o, &row) < 0)
                goto fail;
            if (o.streams.count > known && buf_put(&first_use, &index, 8) < 0) goto fail;
        }
        index++;
        lines += nl;
        pos = rec_end - data;
    }
    buf_free(&qbuf);
    buf_free(&env);
    PyObject *result = NULL, *columns = out_columns(&o);
    if (columns)
        result = Py_BuildValue("(innnnnnnONN)", 0, pos, (Py_ssize_t)0, lines, (Py_ssize_t)0,
                               events, ignored, o.end_count, columns, buf_bytes(&slow),
                               buf_bytes(&first_use));
    Py_XDECREF(columns);
    buf_free(&slow);
    buf_free(&first_use);
    out_free(&o);
    return result;
fail:
    if (!PyErr_Occurred()) PyErr_NoMemory();
    buf_free(&qbuf);
    buf_free(&env);
    buf_free(&slow);
    buf_free(&first_use);
    out_free(&o);
    return NULL;
}
