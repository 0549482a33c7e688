/* xlsxscan: the common form of an xlsx sheet region, summed up in one pass.

   common_form(region) gives what xlsx.common_form_python gives, by another route: None
   unless every row or cell start tag of the region (xlsx._XLSX_START, however written) is
   `<c r="A1" ...>` or `<row r="1" ...>` as xlsx._FAST_CELL and xlsx._FAST_ROW match them;
   otherwise (cells, rows, min row, max row, min column, max column, hidden rows, "<f" in
   region, a cell tag holding "e" or 'e'). The regexes are followed to the letter, limits included ({1,8} letters, {1,12}
   digits, {0,4096} attribute bytes), so that both routes give the same answer on every
   input; tests/test_preflight.py holds them equal. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

typedef const unsigned char *ptr;

/* \s and \w of a bytes pattern: ASCII only */
static int is_space(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
static int is_alpha(unsigned char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static int is_name(unsigned char c) { return is_alpha(c) || is_digit(c) || c == '_' || c == '.' || c == '-'; }
static int ends_name(ptr p, ptr end) { return p < end && (is_space(*p) || *p == '/' || *p == '>'); }

/* _XLSX_START at the '<' p: an optional prefix [A-Za-z_][\w.-]*: then row or c, then [\s/>].
   The prefix is all or nothing: its run of name characters either ends in ':' or not. */
static int is_start(ptr p, ptr end) {
    ptr q = p + 1;
    if (q < end && (is_alpha(*q) || *q == '_')) {
        ptr r = q + 1;
        while (r < end && is_name(*r)) r++;
        if (r < end && *r == ':') q = r + 1;
    }
    if (end - q >= 3 && q[0] == 'r' && q[1] == 'o' && q[2] == 'w' && ends_name(q + 3, end)) return 1;
    return q < end && q[0] == 'c' && ends_name(q + 1, end);
}

/* [^<>]{0,4096}> from p: the '>' that closes the tag, or NULL */
static ptr tag_end(ptr p, ptr end) {
    ptr stop = end - p > 4096 ? p + 4097 : end;
    for (; p < stop; p++) {
        if (*p == '>') return p;
        if (*p == '<') return NULL;
    }
    return NULL;
}

/* a run of at most `most` characters that `is` accepts, at least one: its end, or NULL */
static ptr run(ptr p, ptr end, int (*is)(unsigned char), int most) {
    ptr q = p;
    while (q < end && is(*q)) q++;
    return q > p && q - p <= most ? q : NULL;
}

static int is_upper(unsigned char c) { return c >= 'A' && c <= 'Z'; }

/* xlsx._attr(attrs, b"hidden") in (b"1", b"true"): the first match of
   (?:^|\s)hidden\s*=\s*(["'])(.*?)\1 decides */
static int hidden_at(ptr h, ptr end, int *value) {
    ptr p = h + 6, close;
    unsigned char quote;
    while (p < end && is_space(*p)) p++;
    if (p >= end || *p != '=') return 0;
    p++;
    while (p < end && is_space(*p)) p++;
    if (p >= end || (*p != '"' && *p != '\'')) return 0;
    quote = *p++;
    close = memchr(p, quote, (size_t)(end - p));
    if (close == NULL) return 0;
    *value = (close - p == 1 && p[0] == '1') || (close - p == 4 && memcmp(p, "true", 4) == 0);
    return 1;
}

static int is_hidden(ptr a, ptr end) {
    int value = 0;
    ptr s;
    if (end - a >= 6 && memcmp(a, "hidden", 6) == 0 && hidden_at(a, end, &value)) return value;
    for (s = a; s < end; s++)
        if (is_space(*s) && end - s > 6 && memcmp(s + 1, "hidden", 6) == 0 && hidden_at(s + 1, end, &value))
            return value;
    return 0;
}

typedef struct {
    Py_ssize_t cells, rows;
    long long row_lo, row_hi, col_lo, col_hi;
    int formula, error;
    PyObject *hidden;
} Summary;

/* "e" or 'e' in [p, end): the only way a cell's t can be e */
static int holds_e(ptr p, ptr end) {
    for (; end - p >= 3; p++)
        if (p[1] == 'e' && (p[0] == '"' || p[0] == '\'') && p[2] == p[0]) return 1;
    return 0;
}

static long long number(ptr p, ptr end) {
    long long n = 0;
    for (; p < end; p++) n = n * 10 + (*p - '0');
    return n;
}

/* <c r="A1" ...>: 1 if read, 0 if not this form */
static int cell(ptr p, ptr end, Summary *s) {
    ptr letters = p + 6, digits, quote, close;
    long long row, col = 0;
    if (end - p < 6 || memcmp(p, "<c r=\"", 6) != 0) return 0;
    if ((digits = run(letters, end, is_upper, 8)) == NULL) return 0;
    if ((quote = run(digits, end, is_digit, 12)) == NULL || quote >= end || *quote != '"') return 0;
    if ((close = tag_end(quote + 1, end)) == NULL) return 0;
    if (!s->error) s->error = holds_e(quote, close);
    row = number(digits, quote);
    for (; letters < digits; letters++) col = col * 26 + (*letters - 64);
    col -= 1;
    if (!s->cells++) {
        s->row_lo = s->row_hi = row;
        s->col_lo = s->col_hi = col;
    }
    if (row < s->row_lo) s->row_lo = row;
    if (row > s->row_hi) s->row_hi = row;
    if (col < s->col_lo) s->col_lo = col;
    if (col > s->col_hi) s->col_hi = col;
    return 1;
}

/* <row r="1" ...>: 1 if read, 0 if not this form, -1 on a Python error */
static int row(ptr p, ptr end, Summary *s) {
    ptr digits = p + 8, quote, close;
    if (end - p < 8 || memcmp(p, "<row r=\"", 8) != 0) return 0;
    if ((quote = run(digits, end, is_digit, 12)) == NULL || quote >= end || *quote != '"') return 0;
    if ((close = tag_end(quote + 1, end)) == NULL) return 0;
    s->rows++;
    if (is_hidden(quote + 1, close)) {
        PyObject *n = PyLong_FromLongLong(number(digits, quote));
        if (n == NULL || PyList_Append(s->hidden, n) < 0) {
            Py_XDECREF(n);
            return -1;
        }
        Py_DECREF(n);
    }
    return 1;
}

static PyObject *common_form(PyObject *module, PyObject *arg) {
    Py_buffer view;
    Summary s = {0, 0, 0, 0, 0, 0, 0, 0, NULL};
    ptr p, end;
    PyObject *result = NULL;
    (void)module;
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0) return NULL;
    if ((s.hidden = PyList_New(0)) == NULL) goto done;
    p = view.buf;
    end = p + view.len;
    while ((p = memchr(p, '<', (size_t)(end - p))) != NULL) {
        int got = 0;
        if (p + 1 < end && p[1] == 'f') s.formula = 1;
        if (is_start(p, end)) {  /* a prefixed one (<x:c, <c:row) is neither form */
            got = p[1] == 'c' ? cell(p, end, &s) : row(p, end, &s);
            if (got < 0) goto done;
            if (got == 0) {
                result = Py_NewRef(Py_None);
                goto done;
            }
        }
        p++;
    }
    result = Py_BuildValue("nnLLLLOOO", s.cells, s.rows, s.row_lo, s.row_hi, s.col_lo, s.col_hi, s.hidden,
                           s.formula ? Py_True : Py_False, s.error ? Py_True : Py_False);
done:
    Py_XDECREF(s.hidden);
    PyBuffer_Release(&view);
    return result;
}

static PyMethodDef methods[] = {
    {"common_form", common_form, METH_O,
     "common_form(region) -> None | (cells, rows, min_row, max_row, min_col, max_col, hidden_rows, formulas, "
     "errors)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, .m_name = "xlsxscan", .m_size = -1, .m_methods = methods,
};

PyMODINIT_FUNC PyInit_xlsxscan(void) { return PyModule_Create(&module); }
