/* The enhancement verdict's frame evidence: the band-pass sums of a luma pyramid.
 *
 * Specification: pyvmafneg/verdict/_projection.py (frame_sums, _bands, _masks, _blur), the
 * reference this code equals. Per level: the plane's separable binomial blur (1, 4, 6, 4, 1)
 * / 16 with edges repeated, in float32, each pass ((a + e) + 4 (b + d)) + 6 c, the vertical
 * one then times 1/256; the band is the plane minus its blur, the next level the blur's
 * even rows and columns. The local energy is the blur of the reference band squared; its
 * thresholds are NumPy's default ("linear") quantiles of its every third row and column;
 * a location is structured or an edge where its energy is >= the threshold (compared as
 * doubles). The float32 values are the reference's bit for bit; the double sums are added
 * in another order (see the sums kernel). The low-pass residual (the last level's blur,
 * decimated, minus its mean) is left to the caller, whose float32 mean adds in NumPy's own
 * order: the call hands back both planes' last blurs.
 *
 * The blur streams: the horizontal pass of a row is computed once, into a ring of five
 * rows, when the vertical pass first needs it.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "evidence.h"
#include "evidence_internal.h"

/* A blur in progress: horizontal row i is kept in ring slot i % 5. */
typedef struct {
    const vn_evidence_kernels *k;
    int w, h;
    float *ring; /* 5 rows of w */
    float *sq;   /* w: a row squared */
} blur_state;

/* Vertical pass of row y of the blur of plane (rows of w floats, h of them), the horizontal
 * rows up to *done computed; out gets the row. */
static void blur_row(const blur_state *s, const float *plane, int square, int y, int *done,
                     float *out)
{
    const int w = s->w, h = s->h;
    const int last = y + 2 < h - 1 ? y + 2 : h - 1;
    while (*done <= last) {
        const int i = *done;
        const float *src = plane + (size_t)i * (size_t)w;
        if (square) {
            s->k->square(src, w, s->sq);
            src = s->sq;
        }
        s->k->hblur(src, w, s->ring + (size_t)(i % 5) * (size_t)w);
        (*done)++;
    }
    const float *rows[5];
    for (int k = 0; k < 5; k++) {
        int i = y + k - 2;
        i = i < 0 ? 0 : (i > h - 1 ? h - 1 : i);
        rows[k] = s->ring + (size_t)(i % 5) * (size_t)w;
    }
    s->k->vblur(rows, w, out);
}

/* The band of plane in place, the next level's plane (even rows and columns of the blur) in
 * next, and (when low is not NULL) the blur itself in low. */
static void band_level(const blur_state *s, float *plane, float *row, float *next, float *low)
{
    const int w = s->w, h = s->h, w2 = (w + 1) / 2;
    int done = 0;
    for (int y = 0; y < h; y++) {
        blur_row(s, plane, 0, y, &done, row);
        if (low)
            memcpy(low + (size_t)y * (size_t)w, row, sizeof(float) * (size_t)w);
        if (!(y & 1)) {
            float *n = next + (size_t)(y / 2) * (size_t)w2;
            for (int x = 0; x < w2; x++)
                n[x] = row[2 * x];
        }
        /* row y's horizontal pass is in the ring already: the plane's row is free */
        s->k->band(plane + (size_t)y * (size_t)w, row, w);
    }
}

static int cmp_float(const void *a, const void *b)
{
    const float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

static void swap_f(float *a, float *b)
{
    const float t = *a;
    *a = *b;
    *b = t;
}

/* Puts the k-th smallest of a[0..n) at a[k], the smaller ones before it and the larger ones
 * after (quickselect with a median of three; a sort past a depth limit). No NaN. */
static void select_k(float *a, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    int depth = 0;
    while (hi > lo) {
        if (++depth > 64) {
            qsort(a + lo, hi - lo + 1, sizeof(float), cmp_float);
            return;
        }
        const size_t mid = lo + (hi - lo) / 2;
        if (a[mid] < a[lo])
            swap_f(&a[mid], &a[lo]);
        if (a[hi] < a[lo])
            swap_f(&a[hi], &a[lo]);
        if (a[hi] < a[mid])
            swap_f(&a[hi], &a[mid]);
        const float pivot = a[mid];
        size_t i = lo, j = hi;
        /* Hoare partition: a[lo..j] <= pivot <= a[i..hi] on exit */
        for (;;) {
            while (a[i] < pivot)
                i++;
            while (pivot < a[j])
                j--;
            if (i >= j)
                break;
            swap_f(&a[i], &a[j]);
            i++;
            j--;
        }
        if (i == j) { /* a[i] == pivot: in place */
            if (k == i)
                return;
            if (k < i)
                hi = i - 1;
            else
                lo = i + 1;
        } else if (k <= j) {
            hi = j;
        } else {
            lo = j + 1;
        }
    }
}

/* A float's bits as an unsigned key in the floats' order (-0 just below +0). */
static inline uint32_t order_key(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u & 0x80000000u ? ~u : u | 0x80000000u;
}

enum { KEY_SHIFT = 21, BUCKETS = 1 << (32 - KEY_SHIFT) };

/* The order statistics of ascending ranks ks[0..m) (m <= 4, each < n) of a[0..n) in out:
 * a histogram of the keys' top bits finds each rank's bucket, each bucket asked for is
 * gathered once into scratch (n floats), and a quickselect there picks the rank. No NaN. */
static void order_stats(const float *a, size_t n, const size_t *ks, int m, float *scratch,
                        float *out)
{
    uint32_t count[BUCKETS] = { 0 };
    for (size_t i = 0; i < n; i++)
        count[order_key(a[i]) >> KEY_SHIFT]++;
    int bucket[4], seg[4], distinct = 0;
    size_t rank[4], start[4], fill[4], below = 0, at = 0;
    int b = 0;
    for (int j = 0; j < m; j++) {
        while (below + count[b] <= ks[j])
            below += count[b++];
        rank[j] = ks[j] - below;
        if (!distinct || bucket[distinct - 1] != b) {
            bucket[distinct] = b;
            start[distinct] = fill[distinct] = at;
            at += count[b];
            distinct++;
        }
        seg[j] = distinct - 1;
    }
    for (size_t i = 0; i < n; i++) {
        const int k = (int)(order_key(a[i]) >> KEY_SHIFT);
        for (int d = 0; d < distinct; d++)
            if (bucket[d] == k) {
                scratch[fill[d]++] = a[i];
                break;
            }
    }
    for (int j = 0; j < m; j++) {
        float *part = scratch + start[seg[j]];
        select_k(part, count[bucket[seg[j]]], rank[j]);
        out[j] = part[rank[j]];
    }
}

/* NumPy's quantiles (method "linear") of a[0..n) at q[0], q[1], as NumPy 2 computes them
 * for a float32 array and float64 quantiles: the virtual index v = (n - 1) q, its floor i
 * and fraction g = v - i, the neighbours lo, hi (the order statistics i, i + 1; the largest
 * when v >= n - 1), their float32 difference d = hi - lo, then lo + d g (g < 0.5) or
 * hi - d (1 - g), in double. */
static void quantiles(const float *a, size_t n, const double *q, float *scratch, double *out)
{
    size_t ks[4], i[2];
    double g[2];
    int top[2], m = 0;
    for (int j = 0; j < 2; j++) {
        const double v = (double)(n - 1) * q[j];
        top[j] = v >= (double)(n - 1);
        const double f = top[j] ? (double)(n - 1) : floor(v);
        i[j] = (size_t)f;
        g[j] = v - f;
        /* ranks in ascending order, each once (q[0] <= q[1], so i[0] <= i[1]) */
        if (!m || ks[m - 1] < i[j])
            ks[m++] = i[j];
        if (!top[j] && ks[m - 1] < i[j] + 1)
            ks[m++] = i[j] + 1;
    }
    float v[4];
    order_stats(a, n, ks, m, scratch, v);
    for (int j = 0; j < 2; j++) {
        int at = 0;
        while (ks[at] != i[j])
            at++;
        const float lo = v[at];
        if (top[j]) {
            out[j] = (double)lo;
            continue;
        }
        const float hi = v[at + 1];
        const float d = hi - lo;
        out[j] =
            g[j] >= 0.5 ? (double)hi - (double)d * (1.0 - g[j]) : (double)lo + (double)d * g[j];
    }
}

/* The work buffers of a width x height plane, in floats: the reference's and the encode's
 * planes, the local energy, the next level of each, the quantiles' subsample and scratch, the ring
 * of horizontal rows, a squared row, a blurred row. Each part is rounded up to 16 floats. */
enum { WORK_PARTS = 10 };

static size_t work_sizes(int width, int height, size_t *sizes)
{
    const size_t w0 = (size_t)width, h0 = (size_t)height, full = w0 * h0;
    const size_t half = ((w0 + 1) / 2) * ((h0 + 1) / 2);
    const size_t third = ((w0 + 2) / 3) * ((h0 + 2) / 3);
    const size_t part[WORK_PARTS] = { full, full, full, half, half, third, third, 5 * w0, w0, w0 };
    size_t total = 0;
    for (int i = 0; i < WORK_PARTS; i++) {
        const size_t n = (part[i] + 15) / 16 * 16;
        if (sizes)
            sizes[i] = n;
        total += n;
    }
    return total;
}

size_t vn_evidence_work_floats(int width, int height)
{
    return width < 1 || height < 1 ? 0 : work_sizes(width, height, NULL);
}

int vn_evidence_sums(const void *ref, const void *dis, int width, int height, ptrdiff_t stride_ref,
                     ptrdiff_t stride_dis, int bitdepth, int levels, int min_side, double q_top,
                     double q_edge, int simd, double *sums, int64_t *counts, float *low_ref,
                     float *low_dis, int low_width, int low_height, float *work, size_t work_floats)
{
    if (!ref || !dis || !sums || !counts || !low_ref || !low_dis || bitdepth < 8 || bitdepth > 16 ||
        levels < 1 || levels > 8 || min_side < 5 || width < min_side || height < min_side ||
        !vn_stride_ok(stride_ref, width, bitdepth) || !vn_stride_ok(stride_dis, width, bitdepth) ||
        !(q_top >= 0.0 && q_top <= 1.0) || !(q_edge >= q_top && q_edge <= 1.0))
        return VN_EINVAL;
    if (bitdepth > 8 && (((uintptr_t)ref | (uintptr_t)dis) & 1))
        return VN_EINVAL;
    /* the levels run and the sides of the last one */
    int run = 0, lw = width, lh = height;
    for (int w = width, h = height; run < levels && w >= min_side && h >= min_side; run++) {
        lw = w;
        lh = h;
        w = (w + 1) / 2;
        h = (h + 1) / 2;
    }
    if (low_width != lw || low_height != lh)
        return VN_EINVAL;
    const vn_kernels *ks;
    const int rc = vn_select(simd, &ks);
    if (rc != VN_OK)
        return rc;
    const vn_evidence_kernels *k = ks->evidence;

    const size_t w0 = (size_t)width;
    if (w0 > SIZE_MAX / 16 / (size_t)height) /* the work's size in bytes would not fit */
        return VN_ENOMEM;
    const size_t need = work_sizes(width, height, NULL);
    if (work && work_floats < need)
        return VN_EINVAL;
    /* the parts carved from work, or (work NULL) each its own allocation */
    float *parts[WORK_PARTS] = { NULL };
    size_t sizes[WORK_PARTS], at = 0;
    work_sizes(width, height, sizes);
    for (int i = 0; i < WORK_PARTS; i++) {
        parts[i] = work ? work + at : malloc(sizeof(float) * sizes[i]);
        at += sizes[i];
        if (!parts[i]) {
            for (int j = 0; j < i; j++)
                free(parts[j]);
            return VN_ENOMEM;
        }
    }
    float *cur_r = parts[0], *cur_d = parts[1], *local = parts[2], *next_r = parts[3];
    float *next_d = parts[4], *sub = parts[5], *scratch = parts[6], *ring = parts[7];
    float *sq = parts[8], *row = parts[9];

    const float scale = 1.0f / (float)(1 << (bitdepth - 8));
    for (int y = 0; y < height; y++) {
        float *or_ = cur_r + (size_t)y * w0, *od = cur_d + (size_t)y * w0;
        if (bitdepth == 8) {
            k->load8((const uint8_t *)ref + y * stride_ref, width, scale, or_);
            k->load8((const uint8_t *)dis + y * stride_dis, width, scale, od);
        } else {
            k->load16((const uint16_t *)((const uint8_t *)ref + y * stride_ref), width, scale, or_);
            k->load16((const uint16_t *)((const uint8_t *)dis + y * stride_dis), width, scale, od);
        }
    }
    for (int i = 0; i < levels * 9; i++)
        sums[i] = NAN;
    for (int i = 0; i < levels * 2; i++)
        counts[i] = -1;

    int w = width, h = height;
    for (int lev = 0; lev < run; lev++) {
        blur_state s = { k, w, h, ring, sq };
        const int last = lev == run - 1;
        band_level(&s, cur_r, row, next_r, last ? low_ref : NULL);
        band_level(&s, cur_d, row, next_d, last ? low_dis : NULL);
        /* the local energy: the blur of the reference band squared */
        int done = 0;
        for (int y = 0; y < h; y++)
            blur_row(&s, cur_r, 1, y, &done, local + (size_t)y * (size_t)w);
        size_t n = 0;
        for (int y = 0; y < h; y += 3)
            for (int x = 0; x < w; x += 3)
                sub[n++] = local[(size_t)y * (size_t)w + (size_t)x];
        const double q[2] = { q_top, q_edge };
        double thr[2];
        quantiles(sub, n, q, scratch, thr);
        const double top = thr[0], edge = thr[1];
        double *acc = sums + 9 * lev;
        int64_t *cnt = counts + 2 * lev;
        for (int i = 0; i < 9; i++)
            acc[i] = 0.0;
        cnt[0] = cnt[1] = 0;
        for (int y = 0; y < h; y++) {
            const size_t o = (size_t)y * (size_t)w;
            k->sums(cur_r + o, cur_d + o, local + o, w, top, edge, acc, cnt);
        }
        /* the next level */
        w = (w + 1) / 2;
        h = (h + 1) / 2;
        memcpy(cur_r, next_r, sizeof(float) * (size_t)w * (size_t)h);
        memcpy(cur_d, next_d, sizeof(float) * (size_t)w * (size_t)h);
    }
    if (!work)
        for (int i = 0; i < WORK_PARTS; i++)
            free(parts[i]);
    return VN_OK;
}
