/* Tokenizer of the VALUES tuples of MySQL INSERT statements, into column buffers.
 *
 * The compiled twin of mysql_values.py (same function, same results); the
 * pure-Python one is used when this extension is not built.  For every column
 * it fills three buffers that Arrow can adopt as they are: one kind byte per
 * value (0 NULL, 1 string, 2 number, 3 hex literal, 4 bit literal, 5 DEFAULT),
 * int64 offsets, and the value bytes (strings unescaped, hex and bit literals
 * decoded to bytes, numbers as written).  Rows with the wrong number of values
 * or an expression that is not a literal are rolled back and reported by byte
 * span, so one bad row never costs the others.
 *
 * Given the header of the statement being read (its bytes from INSERT up to
 * the first '('), the tokenizer goes on through a following statement that
 * starts with the very same bytes, so a dump of one-row INSERTs is read in a
 * few calls instead of one per row.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

enum { K_NULL = 0, K_STR = 1, K_NUM = 2, K_HEX = 3, K_BIT = 4, K_DEFAULT = 5 };
enum { ST_END = 0, ST_MORE = 1, ST_FULL = 2, ST_TRAILER = 3, ST_TRUNCATED = 4 };
enum { V_OK = 0, V_MORE = 1, V_BAD = 2 };

typedef struct {
    char *p;
    Py_ssize_t len, cap;
} Buf;

typedef struct {
    Buf kinds, offsets, data;
} Col;

static int buf_reserve(Buf *b, Py_ssize_t extra) {
    if (b->len + extra <= b->cap) return 0;
    Py_ssize_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + extra) cap *= 2;
    /* raw allocator: this runs without the GIL */
    char *np = PyMem_RawRealloc(b->p, (size_t)cap);
    if (!np) return -1;
    b->p = np;
    b->cap = cap;
    return 0;
}

static inline int buf_put(Buf *b, const char *src, Py_ssize_t n) {
    if (buf_reserve(b, n) < 0) return -1;
    memcpy(b->p + b->len, src, (size_t)n);
    b->len += n;
    return 0;
}

static inline int buf_byte(Buf *b, char c) {
    if (b->len >= b->cap && buf_reserve(b, 1) < 0) return -1;
    b->p[b->len++] = c;
    return 0;
}

static inline int is_space(unsigned char c) {
    return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == '\v';
}

static inline int is_ident(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '$' || c >= 0x80;
}

static inline int hexval(unsigned char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Parser state for one call. */
typedef struct {
    const unsigned char *s;
    Py_ssize_t n;
    int final;
    int backslash;
    const char *reason; /* why a value is bad */
    const unsigned char *header; /* of the statement being read; may continue into a twin */
    Py_ssize_t hlen;
} P;

/* Decode hex digits s[a:b] into out; odd counts get a leading zero nibble. */
static int put_hex(Buf *out, const unsigned char *s, Py_ssize_t a, Py_ssize_t b) {
    Py_ssize_t nd = b - a;
    if (buf_reserve(out, nd / 2 + 1) < 0) return -1;
    Py_ssize_t i = a;
    if (nd % 2) out->p[out->len++] = (char)hexval(s[i++]);
    for (; i < b; i += 2) out->p[out->len++] = (char)(hexval(s[i]) << 4 | hexval(s[i + 1]));
    return 0;
}

/* Decode binary digits s[a:b] into big-endian bytes. */
static int put_bits(Buf *out, const unsigned char *s, Py_ssize_t a, Py_ssize_t b) {
    Py_ssize_t nd = b - a;
    Py_ssize_t nbytes = (nd + 7) / 8;
    if (nbytes == 0) nbytes = 1;
    if (buf_reserve(out, nbytes) < 0) return -1;
    unsigned int acc = 0;
    int filled = (int)((8 - nd % 8) % 8);
    if (nd == 0) {
        out->p[out->len++] = 0;
        return 0;
    }
    for (Py_ssize_t i = a; i < b; i++) {
        acc = (acc << 1) | (unsigned)(s[i] - '0');
        if (++filled == 8) {
            out->p[out->len++] = (char)acc;
            acc = 0;
            filled = 0;
        }
    }
    return 0;
}

/* A quoted string at *pp (on the quote); appends the unescaped bytes to out. */
static int parse_string(P *ps, Py_ssize_t *pp, Buf *out) {
    const unsigned char *s = ps->s;
    Py_ssize_t n = ps->n, p = *pp;
    unsigned char q = s[p++];
    for (;;) {
        Py_ssize_t run = p;
        while (p < n && s[p] != q && !(s[p] == '\\' && ps->backslash)) p++;
        if (out && p > run && buf_put(out, (const char *)s + run, p - run) < 0) return -1;
        if (p >= n) return V_MORE;
        if (s[p] == q) {
            if (p + 1 >= n) {
                if (!ps->final) return V_MORE;
                p++;
                break;
            }
            if (s[p + 1] == q) {
                if (out && buf_byte(out, (char)q) < 0) return -1;
                p += 2;
                continue;
            }
            p++;
            break;
        }
        /* backslash escape, as MySQL defines them */
        if (p + 1 >= n) return V_MORE;
        unsigned char e = s[p + 1];
        p += 2;
        if (!out) continue;
        int rc = 0;
        switch (e) {
            case '0': rc = buf_byte(out, '\0'); break;
            case 'b': rc = buf_byte(out, '\b'); break;
            case 'n': rc = buf_byte(out, '\n'); break;
            case 'r': rc = buf_byte(out, '\r'); break;
            case 't': rc = buf_byte(out, '\t'); break;
            case 'Z': rc = buf_byte(out, '\x1a'); break;
            case '%': rc = buf_put(out, "\\%", 2); break;
            case '_': rc = buf_put(out, "\\_", 2); break;
            default: rc = buf_byte(out, (char)e); break;
        }
        if (rc < 0) return -1;
    }
    *pp = p;
    return V_OK;
}

/* One value at *pp; its kind goes to *kind and its bytes to out (NULL: parse only). */
static int parse_value(P *ps, Py_ssize_t *pp, Buf *out, int *kind) {
    const unsigned char *s = ps->s;
    Py_ssize_t n = ps->n, p = *pp;
    unsigned char c = s[p];
    if (c == '\'' || c == '"') {
        *kind = K_STR;
        return parse_string(ps, pp, out);
    }
    if ((c == 'x' || c == 'X' || c == 'b' || c == 'B') && p + 1 < n && s[p + 1] == '\'') {
        int hex = (c == 'x' || c == 'X');
        Py_ssize_t a = p + 2, q = a;
        while (q < n && s[q] != '\'') {
            if (hex ? hexval(s[q]) < 0 : (s[q] != '0' && s[q] != '1')) {
                ps->reason = hex ? "bad hex literal" : "bad bit literal";
                return V_BAD;
            }
            q++;
        }
        if (q >= n) return V_MORE;
        if (hex && (q - a) % 2) {
            ps->reason = "hex literal X'...' needs an even number of digits";
            return V_BAD;
        }
        *kind = hex ? K_HEX : K_BIT;
        if (out && (hex ? put_hex(out, s, a, q) : put_bits(out, s, a, q)) < 0) return -1;
        *pp = q + 1;
        return V_OK;
    }
    if (c == '0' && p + 1 < n && (s[p + 1] == 'x' || s[p + 1] == 'b')) {
        int hex = s[p + 1] == 'x';
        Py_ssize_t a = p + 2, q = a;
        while (q < n && (hex ? hexval(s[q]) >= 0 : (s[q] == '0' || s[q] == '1'))) q++;
        if (q >= n && !ps->final) return V_MORE;
        if (q > a && (q >= n || !is_ident(s[q]))) {
            *kind = hex ? K_HEX : K_BIT;
            if (out && (hex ? put_hex(out, s, a, q) : put_bits(out, s, a, q)) < 0) return -1;
            *pp = q;
            return V_OK;
        }
        /* not a literal after all: fall through to a number, which will fail */
    }
    if ((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.') {
        Py_ssize_t a = p;
        if (c == '+') a++;
        p++;
        while (p < n) {
            unsigned char d = s[p];
            if ((d >= '0' && d <= '9') || d == '.') {
                p++;
            } else if (d == 'e' || d == 'E') {
                if (p + 1 >= n) {
                    if (!ps->final) return V_MORE;
                    break;
                }
                p++;
                if (s[p] == '-' || s[p] == '+') p++;
            } else {
                break;
            }
        }
        if (p >= n && !ps->final) return V_MORE;
        if (p < n && is_ident(s[p])) {
            ps->reason = "bad number";
            return V_BAD;
        }
        *kind = K_NUM;
        if (out && buf_put(out, (const char *)s + a, p - a) < 0) return -1;
        *pp = p;
        return V_OK;
    }
    if (is_ident(c)) {
        Py_ssize_t a = p;
        while (p < n && is_ident(s[p])) p++;
        if (p >= n && !ps->final) return V_MORE;
        Py_ssize_t len = p - a;
        const char *w = (const char *)s + a;
        if (c == '_' && len > 1) {
            /* a character set introducer (_binary, _utf8mb4) before a literal */
            while (p < n && is_space(s[p])) p++;
            if (p >= n) return V_MORE;
            if (s[p] == '\'' || s[p] == '"' || s[p] == 'x' || s[p] == 'X' || s[p] == 'b' ||
                s[p] == 'B' || s[p] == '0') {
                *pp = p;
                return parse_value(ps, pp, out, kind);
            }
            ps->reason = "character set introducer without a literal";
            return V_BAD;
        }
        if ((c == 'N' || c == 'n') && len == 1 && p < n && s[p] == '\'') {
            *pp = p;
            *kind = K_STR;
            return parse_string(ps, pp, out);
        }
        if (len == 4 && PyOS_strnicmp(w, "NULL", 4) == 0) {
            *kind = K_NULL;
        } else if (len == 4 && PyOS_strnicmp(w, "TRUE", 4) == 0) {
            *kind = K_NUM;
            if (out && buf_byte(out, '1') < 0) return -1;
        } else if (len == 5 && PyOS_strnicmp(w, "FALSE", 5) == 0) {
            *kind = K_NUM;
            if (out && buf_byte(out, '0') < 0) return -1;
        } else if (len == 7 && PyOS_strnicmp(w, "DEFAULT", 7) == 0) {
            *kind = K_DEFAULT;
        } else {
            ps->reason = "expression is not a literal value";
            return V_BAD;
        }
        *pp = p;
        return V_OK;
    }
    ps->reason = "unexpected character in a value";
    return V_BAD;
}

/* From a tuple's '(' at p, the index after its matching ')', or -1 when the buffer ends. */
static Py_ssize_t skip_tuple(P *ps, Py_ssize_t p) {
    int depth = 0;
    const unsigned char *s = ps->s;
    while (p < ps->n) {
        unsigned char c = s[p];
        if (c == '\'' || c == '"') {
            Py_ssize_t q = p;
            int rc = parse_string(ps, &q, NULL);
            if (rc != V_OK) return -1;
            p = q;
            continue;
        }
        if (c == '(') depth++;
        if (c == ')' && --depth == 0) return p + 1;
        p++;
    }
    return -1;
}

static void free_cols(Col *cols, int ncols) {
    if (!cols) return;
    for (int i = 0; i < ncols; i++) {
        PyMem_RawFree(cols[i].kinds.p);
        PyMem_RawFree(cols[i].offsets.p);
        PyMem_RawFree(cols[i].data.p);
    }
    PyMem_RawFree(cols);
}

/* After a ';' at p: the '(' of a next statement with the same header, else -1.
 * When the buffer ends before that can be told, -1: the caller reads it as usual. */
static Py_ssize_t continuation(P *ps, Py_ssize_t p) {
    const unsigned char *s = ps->s;
    Py_ssize_t n = ps->n, h = ps->hlen;
    if (h == 0) return -1;
    while (p < n && is_space(s[p])) p++;
    if (p + h >= n || s[p + h] != '(' || memcmp(s + p, ps->header, (size_t)h) != 0) return -1;
    return p + h;
}

typedef struct {
    Py_ssize_t start, end;
    const char *reason; /* NULL: wrong number of values */
    int nvalues;
} BadRow;

typedef struct {
    Py_ssize_t pos, nrows;
    int state, status;
    Col *cols;
    Py_ssize_t *marks;
    Buf starts, bad;
} Scan;

/* The tuple loop; touches no Python object, so it runs with the GIL released. */
static int scan(P *ps, Scan *sc, int ncols, Py_ssize_t max_rows) {
    const unsigned char *s = ps->s;
    Py_ssize_t n = ps->n, p = sc->pos;
    int state = sc->state, store = ncols > 0, status = ST_MORE;
    Col *cols = sc->cols;
    for (;;) {
        while (p < n && is_space(s[p])) p++;
        if (p >= n) {
            status = ps->final ? (state == 1 ? ST_END : ST_TRUNCATED) : ST_MORE;
            break;
        }
        if (state == 1) {
            if (s[p] == ',') {
                p++;
                state = 0;
                continue;
            }
            if (s[p] == ';') {
                p++;
                Py_ssize_t q = continuation(ps, p);
                if (q >= 0) {
                    p = q;
                    state = 0;
                    continue;
                }
                status = ST_END;
                break;
            }
            status = ST_TRAILER;
            break;
        }
        if (s[p] != '(') {
            status = ST_TRAILER;
            break;
        }
        Py_ssize_t row_start = p;
        if (store)
            for (int i = 0; i < ncols; i++) {
                sc->marks[2 * i] = cols[i].kinds.len;
                sc->marks[2 * i + 1] = cols[i].data.len;
            }
        p++;
        int vi = 0, rc = V_OK;
        ps->reason = NULL;
        for (;;) {
            while (p < n && is_space(s[p])) p++;
            if (p >= n) {
                rc = V_MORE;
                break;
            }
            if (vi == 0 && s[p] == ')') {
                p++;
                break; /* empty tuple: () */
            }
            int kind = K_NULL;
            Buf *out = (store && vi < ncols) ? &cols[vi].data : NULL;
            rc = parse_value(ps, &p, out, &kind);
            if (rc < 0) return -1;
            if (rc != V_OK) break;
            if (out) {
                int64_t off = cols[vi].data.len;
                if (buf_byte(&cols[vi].kinds, (char)kind) < 0) return -1;
                if (buf_put(&cols[vi].offsets, (const char *)&off, 8) < 0) return -1;
            }
            vi++;
            while (p < n && is_space(s[p])) p++;
            if (p >= n) {
                rc = V_MORE;
                break;
            }
            if (s[p] == ',') {
                p++;
                continue;
            }
            if (s[p] == ')') {
                p++;
                break;
            }
            ps->reason = "expected ',' or ')' after a value";
            rc = V_BAD;
            break;
        }
        if (rc == V_OK && store && vi != ncols) rc = V_BAD;
        if (rc != V_OK && store)
            for (int i = 0; i < ncols; i++) {
                cols[i].kinds.len = sc->marks[2 * i];
                cols[i].offsets.len = (sc->marks[2 * i] + 1) * 8;
                cols[i].data.len = sc->marks[2 * i + 1];
            }
        if (rc == V_MORE) {
            p = row_start;
            status = ps->final ? ST_TRUNCATED : ST_MORE;
            break;
        }
        if (rc == V_BAD) {
            Py_ssize_t end = skip_tuple(ps, row_start);
            if (end < 0) {
                p = row_start;
                status = ps->final ? ST_TRUNCATED : ST_MORE;
                break;
            }
            BadRow b = {row_start, end, ps->reason, vi};
            if (buf_put(&sc->bad, (const char *)&b, sizeof b) < 0) return -1;
            p = end;
            state = 1;
            continue;
        }
        int64_t rs = row_start;
        if (buf_put(&sc->starts, (const char *)&rs, 8) < 0) return -1;
        sc->nrows++;
        state = 1;
        if (sc->nrows >= max_rows) {
            status = ST_FULL;
            break;
        }
    }
    sc->pos = p;
    sc->state = state;
    sc->status = status;
    return 0;
}

static PyObject *tokenize(PyObject *self, PyObject *args) {
    Py_buffer view;
    const char *header = "";
    Py_ssize_t pos, max_rows, hlen = 0;
    int ncols, state, final, backslash;
    if (!PyArg_ParseTuple(args, "y*niniip|y#", &view, &pos, &ncols, &max_rows, &state, &final,
                          &backslash, &header, &hlen))
        return NULL;
    P ps = {(const unsigned char *)view.buf, view.len, final, backslash, NULL,
            (const unsigned char *)header, hlen};
    int store = ncols > 0, rc = -1;
    Scan sc = {pos, 0, state, ST_MORE, NULL, NULL, {0}, {0}};
    PyObject *result = NULL, *collist = NULL, *bad = NULL;
    if (store) {
        sc.cols = PyMem_RawCalloc((size_t)ncols, sizeof(Col));
        sc.marks = PyMem_RawCalloc((size_t)ncols * 2, sizeof(Py_ssize_t));
        if (!sc.cols || !sc.marks) goto done;
        for (int i = 0; i < ncols; i++) {
            int64_t zero = 0;
            if (buf_put(&sc.cols[i].offsets, (const char *)&zero, 8) < 0) goto done;
        }
    }
    Py_BEGIN_ALLOW_THREADS rc = scan(&ps, &sc, ncols, max_rows);
    Py_END_ALLOW_THREADS
done:
    if (rc < 0) {
        PyErr_NoMemory();
        goto fail;
    }
    bad = PyList_New(0);
    if (!bad) goto fail;
    for (Py_ssize_t k = 0; k < sc.bad.len / (Py_ssize_t)sizeof(BadRow); k++) {
        BadRow *b = (BadRow *)sc.bad.p + k;
        PyObject *item;
        if (b->reason)
            item = Py_BuildValue("(nns)", b->start, b->end, b->reason);
        else
            item = Py_BuildValue("(nnN)", b->start, b->end,
                                 PyUnicode_FromFormat("%d values where %d columns were expected",
                                                      b->nvalues, ncols));
        if (!item || PyList_Append(bad, item) < 0) {
            Py_XDECREF(item);
            goto fail;
        }
        Py_DECREF(item);
    }
    collist = PyList_New(store ? ncols : 0);
    if (!collist) goto fail;
    for (int i = 0; store && i < ncols; i++) {
        Col *c = &sc.cols[i];
        PyObject *t = Py_BuildValue("(y#y#y#)", c->kinds.p ? c->kinds.p : "", c->kinds.len,
                                    c->offsets.p, c->offsets.len, c->data.p ? c->data.p : "",
                                    c->data.len);
        if (!t) goto fail;
        PyList_SET_ITEM(collist, i, t);
    }
    result = Py_BuildValue("(inniOy#O)", sc.status, sc.pos, sc.nrows, sc.state, collist,
                           sc.starts.p ? sc.starts.p : "", sc.starts.len, bad);
fail:
    Py_XDECREF(collist);
    Py_XDECREF(bad);
    free_cols(sc.cols, store ? ncols : 0);
    PyMem_RawFree(sc.marks);
    PyMem_RawFree(sc.starts.p);
    PyMem_RawFree(sc.bad.p);
    PyBuffer_Release(&view);
    return result;
}

static PyObject *newlines(PyObject *self, PyObject *args) {
    Py_buffer view;
    Py_ssize_t start, end, count = 0;
    if (!PyArg_ParseTuple(args, "y*nn", &view, &start, &end)) return NULL;
    if (start < 0) start = 0;
    if (end > view.len) end = view.len;
    const char *s = view.buf;
    Py_BEGIN_ALLOW_THREADS;
    const char *p = s + start, *e = s + end;
    while (p < e && (p = memchr(p, '\n', (size_t)(e - p))) != NULL) {
        count++;
        p++;
    }
    Py_END_ALLOW_THREADS;
    PyBuffer_Release(&view);
    return PyLong_FromSsize_t(count);
}

static PyMethodDef methods[] = {
    {"tokenize", tokenize, METH_VARARGS,
     "tokenize(buf, pos, ncols, max_rows, state, final, backslash, header=b'') -> "
     "(status, pos, nrows, state, columns, row_starts, bad)"},
    {"newlines", newlines, METH_VARARGS, "newlines(buf, start, end) -> count of b'\\n'"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "mysql_cvalues", "Compiled tokenizer of MySQL VALUES tuples.", -1,
    methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_mysql_cvalues(void) { return PyModule_Create(&module); }
