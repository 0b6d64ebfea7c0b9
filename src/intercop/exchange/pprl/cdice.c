/* Dice scan of packed CLKs with hardware popcount: the fast kernel of dice.py.
 *
 * scan(a, b, row_bytes, threshold, pop_a, pop_b) -> (rows, cols, scores) as bytes
 * (int32, int32, float32): every pair of rows of a x b with Dice >= threshold.
 * Rows are row_bytes long, a multiple of 8. The loop runs without the GIL, so
 * Python threads scanning separate blocks use separate cores.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int32_t *rows;
    int32_t *cols;
    float *scores;
    Py_ssize_t len;
    Py_ssize_t cap;
} Found;

static int push(Found *f, int32_t r, int32_t c, float s) {
    if (f->len == f->cap) {
        Py_ssize_t cap = f->cap ? f->cap * 2 : 1024;
        int32_t *rows = realloc(f->rows, cap * sizeof(int32_t));
        if (!rows) return -1;
        f->rows = rows;
        int32_t *cols = realloc(f->cols, cap * sizeof(int32_t));
        if (!cols) return -1;
        f->cols = cols;
        float *scores = realloc(f->scores, cap * sizeof(float));
        if (!scores) return -1;
        f->scores = scores;
        f->cap = cap;
    }
    f->rows[f->len] = r;
    f->cols[f->len] = c;
    f->scores[f->len] = s;
    f->len++;
    return 0;
}

__attribute__((target_clones("popcnt", "default")))
static int scan_loop(const uint64_t *a, Py_ssize_t na, const uint64_t *b, Py_ssize_t nb,
                     Py_ssize_t words, const int32_t *pop_a, const int32_t *pop_b,
                     double threshold, Found *found) {
    for (Py_ssize_t i = 0; i < na; i++) {
        const uint64_t *x = a + i * words;
        for (Py_ssize_t j = 0; j < nb; j++) {
            const uint64_t *y = b + j * words;
            int32_t total = pop_a[i] + pop_b[j];
            if (total == 0) continue;
            /* the bound 2 min / total >= threshold: skip pairs that cannot reach it */
            int32_t low = pop_a[i] < pop_b[j] ? pop_a[i] : pop_b[j];
            if (2.0 * low < threshold * total) continue;
            int32_t both = 0;
            if (words == 16) { /* 1024 bits, the default: a fixed count the compiler unrolls */
                for (int w = 0; w < 16; w++) both += __builtin_popcountll(x[w] & y[w]);
            } else {
                for (Py_ssize_t w = 0; w < words; w++) both += __builtin_popcountll(x[w] & y[w]);
            }
            double score = 2.0 * both / total;
            if (score >= threshold && push(found, (int32_t)i, (int32_t)j, (float)score) < 0)
                return -1;
        }
    }
    return 0;
}

static PyObject *scan(PyObject *self, PyObject *args) {
    Py_buffer a, b, pa, pb;
    Py_ssize_t row_bytes;
    double threshold;
    if (!PyArg_ParseTuple(args, "y*y*ndy*y*", &a, &b, &row_bytes, &threshold, &pa, &pb))
        return NULL;
    PyObject *out = NULL;
    Found found = {0};
    if (row_bytes <= 0 || row_bytes % 8 || a.len % row_bytes || b.len % row_bytes) {
        PyErr_SetString(PyExc_ValueError, "rows must be a positive multiple of 8 bytes");
        goto done;
    }
    Py_ssize_t na = a.len / row_bytes, nb = b.len / row_bytes;
    if (pa.len != na * (Py_ssize_t)sizeof(int32_t) || pb.len != nb * (Py_ssize_t)sizeof(int32_t)) {
        PyErr_SetString(PyExc_ValueError, "one int32 popcount per row is needed");
        goto done;
    }
    int failed;
    Py_BEGIN_ALLOW_THREADS
    failed = scan_loop((const uint64_t *)a.buf, na, (const uint64_t *)b.buf, nb, row_bytes / 8,
                       (const int32_t *)pa.buf, (const int32_t *)pb.buf, threshold, &found);
    Py_END_ALLOW_THREADS
    if (failed) {
        PyErr_NoMemory();
        goto done;
    }
    /* "y#" turns a NULL pointer into None: give empty results a real (empty) buffer */
    static const char empty[1] = {0};
    out = Py_BuildValue("(y#y#y#)", found.len ? (const char *)found.rows : empty,
                        found.len * (Py_ssize_t)sizeof(int32_t),
                        found.len ? (const char *)found.cols : empty,
                        found.len * (Py_ssize_t)sizeof(int32_t),
                        found.len ? (const char *)found.scores : empty,
                        found.len * (Py_ssize_t)sizeof(float));
done:
    free(found.rows);
    free(found.cols);
    free(found.scores);
    PyBuffer_Release(&a);
    PyBuffer_Release(&b);
    PyBuffer_Release(&pa);
    PyBuffer_Release(&pb);
    return out;
}

static PyMethodDef methods[] = {
    {"scan", scan, METH_VARARGS, "Pairs of packed rows with Dice >= threshold."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "cdice", NULL, -1, methods};

PyMODINIT_FUNC PyInit_cdice(void) { return PyModule_Create(&module); }
