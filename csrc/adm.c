/* Native integer ADM: libvmaf 3.2.0's integer_adm features for several gain limits from one
 * wavelet decomposition. Specification: the NumPy reference
 * pyvmafneg/engines/reference/_adm.py, which this code follows step for step.
 *
 * Pipeline per scale (0 .. 3), row by row:
 *   1. db2 wavelet level of ref and dis (vertical pass, then horizontal on both halves);
 *   2. denominator rows from the reference bands over the pooled window (ROI);
 *   3. decoupling core (angle test, gain k, rst = k * o, cap mode) over the ROI plus one
 *      coefficient each side: everything that does not depend on the gain limit;
 * then per gain limit, streaming three rows at a time:
 *   4. restoration r (the cap) and additive a = t - r, cap counting;
 *   5. masking filter sums, 3x3 thresholds and the cubic pooling of DLM and AIM.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "adm.h"
#include "adm_internal.h"

int32_t vn_adm_div_table[32769];

void vn_adm_init(void)
{
    vn_adm_div_table[0] = 0;
    for (int m = 1; m <= 32768; m++)
        vn_adm_div_table[m] = (int32_t)((1 << 30) / m);
}

int vn_adm_outputs_per_limit(void) { return VN_ADM_NOUT; }

/* ------------------------------------------------------------------ CSF weights (Watson 1997) */

static const float vn_watson_amp[4][4] = {
    { 0.62171f, 0.67234f, 0.72709f, 0.67234f },
    { 0.34537f, 0.41317f, 0.49428f, 0.41317f },
    { 0.18004f, 0.22727f, 0.28688f, 0.22727f },
    { 0.091401f, 0.11792f, 0.15214f, 0.11792f },
};
static const float vn_watson_g[4] = { 1.501f, 1.0f, 0.534f, 1.0f };

static float vn_watson_rf(int scale, int theta, double nvd, int rdh)
{
    double r = (double)(float)(nvd * rdh * 3.141592653589793 / 180.0);
    double f0 = (double)0.401f, g = (double)vn_watson_g[theta];
    float temp = (float)log10(pow(2.0, scale + 1) * f0 * g / r);
    double a = (double)0.495f, amplitude = (double)vn_watson_amp[scale][theta];
    float e1 = 0.466f * temp;
    float exponent = e1 * temp;
    float q = (float)(2.0 * a * pow(10.0, (double)exponent) / amplitude);
    return 1.0f / q;
}

/* ------------------------------------------------------------------ workspace */

typedef struct {
    char *base;
    size_t used;
} vn_arena;

static void *vn_take(vn_arena *ar, size_t bytes)
{
    size_t at = (ar->used + 63) & ~(size_t)63;
    ar->used = at + bytes;
    return ar->base == NULL ? NULL : ar->base + at;
}

/* One decoupled row: distorted coefficients t, rst = k * o and the cap mode, 3 bands. */
typedef struct {
    int32_t *t[3], *rst[3];
    int32_t *mode[3];
} vn_dec_row;

/* Per limit and scale: pooled row sums and the count of coefficients held at the limit. */
typedef struct {
    vn_adm_limit lim;
    int64_t acc_d[3], acc_a[3], bound;
    float num[4], aim[4];
    int64_t held[4];
} vn_limit_state;

typedef struct {
    vn_dec_row dec[4];         /* ring of decoupled rows, by row % 4 */
    int32_t *ain[2], *aout[2]; /* approximation bands (ref, dis): input and output */
    int32_t *pad[2];           /* vertical pass rows (lo, hi), padded (adm_internal.h) */
    int16_t *pad16[2];         /* the same in int16 (8-bit samples, scale 0) */
    int32_t *orow[3];          /* reference band rows */
    int32_t *flag;             /* angle flags of one row */
    vn_adm_ring_row *ring;     /* 3 per limit */
    vn_limit_state *lims;
    int64_t *scratch;
} vn_bufs;

static void vn_layout(vn_arena *ar, vn_bufs *b, int width, int height, int n_limits)
{
    size_t cols0 = (size_t)(width + 1) / 2, rows0 = (size_t)(height + 1) / 2;
    size_t n0 = cols0 * rows0, wide = cols0 + 2;
    for (int s = 0; s < 4; s++)
        for (int k = 0; k < 3; k++) {
            b->dec[s].t[k] = vn_take(ar, cols0 * sizeof(int32_t));
            b->dec[s].rst[k] = vn_take(ar, cols0 * sizeof(int32_t));
            b->dec[s].mode[k] = vn_take(ar, cols0 * sizeof(int32_t));
        }
    for (int k = 0; k < 3; k++)
        b->orow[k] = vn_take(ar, cols0 * sizeof(int32_t));
    b->flag = vn_take(ar, cols0 * sizeof(int32_t));
    for (int k = 0; k < 2; k++) {
        b->ain[k] = vn_take(ar, n0 * sizeof(int32_t));
        b->aout[k] = vn_take(ar, n0 * sizeof(int32_t));
    }
    for (int k = 0; k < 2; k++) {
        b->pad[k] = vn_take(ar, ((size_t)width + 3) * sizeof(int32_t));
        b->pad16[k] = vn_take(ar, ((size_t)width + 3) * sizeof(int16_t));
    }
    size_t n_ring = 3 * (size_t)n_limits;
    b->ring = vn_take(ar, n_ring * sizeof(vn_adm_ring_row));
    b->lims = vn_take(ar, (size_t)n_limits * sizeof(vn_limit_state));
    for (size_t s = 0; s < n_ring; s++) {
        vn_adm_ring_row row;
        for (int k = 0; k < 3; k++) {
            row.r[k] = vn_take(ar, wide * sizeof(int32_t));
            row.a[k] = vn_take(ar, wide * sizeof(int32_t));
        }
        row.flt_dlm = vn_take(ar, wide * sizeof(int64_t));
        row.flt_aim = vn_take(ar, wide * sizeof(int64_t));
        row.flt32_dlm = vn_take(ar, wide * sizeof(int32_t));
        row.flt32_aim = vn_take(ar, wide * sizeof(int32_t));
        if (b->ring != NULL)
            b->ring[s] = row;
    }
    b->scratch = vn_take(ar, 2 * cols0 * sizeof(int64_t));
}

static int vn_sizes_ok(int width, int height)
{
    return width >= VN_ADM_MIN_SIZE && height >= VN_ADM_MIN_SIZE && width <= VN_ADM_MAX_SIZE &&
           height <= VN_ADM_MAX_SIZE;
}

size_t vn_adm_workspace_size(int width, int height, int n_limits)
{
    if (!vn_sizes_ok(width, height) || n_limits < 1 || n_limits > VN_MAX_GAIN_LIMITS)
        return 0;
    vn_arena ar = { NULL, 0 };
    vn_bufs b;
    vn_layout(&ar, &b, width, height, n_limits);
    return ar.used + 64;
}

/* ------------------------------------------------------------------ helpers */

static int vn_ceil_log2(double x) { return (int)ceil(log2(x)); }

static inline int vn_cm_row(int j, int n) { return j < 0 ? 1 : (j > n - 1 ? n - 1 : j); }

/* One wavelet row of one picture: band row i of (a, h, v, d) from the input. */
typedef struct {
    int scale, bitdepth, in_w, in_h;
    const void *plane; /* scale 0: samples */
    ptrdiff_t stride;  /* bytes */
    const int32_t *in; /* scales 1..3: approximation band, in_w per row */
} vn_dwt_src;

static const int vn_dwt123[3][4] = { { 0, 0, 15, 1 << 14 },
                                     { 16, 1 << 15, 16, 1 << 15 },
                                     { 16, 1 << 15, 15, 1 << 14 } };

/* The wavelet's edge rule on a padded row of n samples (x[j] at p[j + 1]). */
#define VN_PAD_EDGES(p, n)                                                                         \
    do {                                                                                           \
        (p)[0] = (p)[2];                                                                           \
        (p)[(n) + 1] = (p)[n];                                                                     \
        (p)[(n) + 2] = (p)[(n) - 1];                                                               \
    } while (0)

static void vn_dwt_row(const vn_adm_kernels *K, const vn_dwt_src *s, vn_bufs *b, int i, int32_t *a,
                       int32_t *h, int32_t *v, int32_t *d)
{
    int n = s->in_w, rows = s->in_h, half = (n + 1) / 2;
    int y0 = vn_src(2 * i - 1, rows), y1 = vn_src(2 * i, rows), y2 = vn_src(2 * i + 1, rows),
        y3 = vn_src(2 * i + 2, rows);
    int32_t *plo = b->pad[0], *phi = b->pad[1];
    if (s->scale == 0) {
        int bd = s->bitdepth;
        int32_t hb = 1 << (bd - 1);
        int32_t add_lo = (int32_t)((uint32_t)hb - (uint32_t)46342 * (uint32_t)hb);
        const char *p = s->plane;
        if (bd == 8) {
            int16_t *qlo = b->pad16[0], *qhi = b->pad16[1];
            K->dwt0_vert_u8(
                (const uint8_t *)(p + y0 * s->stride), (const uint8_t *)(p + y1 * s->stride),
                (const uint8_t *)(p + y2 * s->stride), (const uint8_t *)(p + y3 * s->stride), n, bd,
                add_lo, hb, qlo + 1, qhi + 1);
            VN_PAD_EDGES(qlo, n);
            VN_PAD_EDGES(qhi, n);
            K->dwt0_horiz16(qlo, half, a, v);
            K->dwt0_horiz16(qhi, half, h, d);
            return;
        }
        K->dwt0_vert_u16(
            (const uint16_t *)(p + y0 * s->stride), (const uint16_t *)(p + y1 * s->stride),
            (const uint16_t *)(p + y2 * s->stride), (const uint16_t *)(p + y3 * s->stride), n, bd,
            add_lo, hb, plo + 1, phi + 1);
        VN_PAD_EDGES(plo, n);
        VN_PAD_EDGES(phi, n);
        K->dwt0_horiz(plo, half, a, v);
        K->dwt0_horiz(phi, half, h, d);
    } else {
        const int *c = vn_dwt123[s->scale - 1];
        const int32_t *in = s->in;
        K->dwt_vert64(in + (size_t)y0 * n, in + (size_t)y1 * n, in + (size_t)y2 * n,
                      in + (size_t)y3 * n, n, c[0], c[1], plo + 1, phi + 1);
        VN_PAD_EDGES(plo, n);
        VN_PAD_EDGES(phi, n);
        K->dwt_horiz64(plo, half, c[2], c[3], a, v);
        K->dwt_horiz64(phi, half, c[2], c[3], h, d);
    }
}

#undef VN_PAD_EDGES

/* ------------------------------------------------------------------ the engine */

static const int32_t vn_s0_irf[3] = { 36453, 36453, 49417 };
static const int vn_s0_csf_shift[3] = { 15, 15, 17 }, vn_s0_csf_add[3] = { 16384, 16384, 65535 },
                 vn_s0_sub_shift[3] = { 10, 10, 12 }, vn_s0_sq_shift[3] = { 29, 29, 30 },
                 vn_s0_cube_off[3] = { 4, 4, 3 }, vn_s0_exp[3] = { 52, 52, 57 };
static const int vn_s123_cm_exp[3] = { 45, 39, 36 }, vn_s123_den_q[3] = { 31, 30, 31 },
                 vn_s123_den_exp[3] = { 32, 27, 23 };

static inline float vn_cbrtf(float x) { return powf(x, 1.0f / 3.0f); }

static float vn_sum3(const float p[3]) { return (p[0] + p[1]) + p[2]; }

/* Everything one call shares between scales. */
typedef struct {
    const vn_adm_kernels *K;
    const void *ref, *dis;
    ptrdiff_t stride;
    int width, height, bitdepth, lanes, n_limits, wide;
    float rf[4][3];
    int32_t irf0[3];
    float den[4];
    int64_t roi_area[4];
    vn_bufs b;
    const int32_t *ref_bands[4]; /* the reference's bands by scale (vn_adm_many), or NULL */
} vn_ctx;

#define VN_NEED_WIDE 1

/* Restoration, masking filters and (from the second row on) pooling of window row e - 1,
 * for every limit, from decoupled row vn_cm_row(e). */
static void vn_ext_row(vn_ctx *cx, int scale, int fast, int e, int rows, int cols, int top,
                       int bottom, int left, int right, const vn_adm_s0_consts *c0s,
                       const vn_adm_s123_consts *c123, int vec_row0, int vec_row1, int vec_hi,
                       int round_lo, int round_hi)
{
    const vn_adm_kernels *K = cx->K;
    vn_bufs *b = &cx->b;
    int w = right - left;
    int sr = vn_cm_row(e, rows);
    const vn_dec_row *dr = &b->dec[sr % 4];
    int ledge = left > 0 ? left - 1 : 1, redge = right < cols ? right : cols - 1;
    int count = e >= top && e < bottom;
    for (int l = 0; l < cx->n_limits; l++) {
        vn_limit_state *ls = &b->lims[l];
        vn_adm_ring_row *ring = &b->ring[3 * l];
        vn_adm_ring_row *slot = &ring[(e - top + 1) % 3];
        const int32_t *rs[3], *ts[3];
        const int32_t *ms[3];
        int32_t *rr[3], *aa[3];
        /* window columns [left, right) land at buffer 1 .. w; neighbours at 0 and w + 1 */
        for (int k = 0; k < 3; k++) {
            rs[k] = dr->rst[k] + left;
            ts[k] = dr->t[k] + left;
            ms[k] = dr->mode[k] + left;
            rr[k] = slot->r[k] + 1;
            aa[k] = slot->a[k] + 1;
        }
        vn_adm_limit lim = ls->lim;
        lim.round_lo = round_lo - left;
        lim.round_hi = round_hi - left;
        ls->bound +=
            (scale == 0 && fast ? K->restore0 : K->restore)(&lim, rs, ts, ms, w, rr, aa, count);
        for (int side = 0; side < 2; side++) {
            int col = side == 0 ? ledge : redge;
            int pos = side == 0 ? 0 : w + 1;
            for (int k = 0; k < 3; k++) {
                rs[k] = dr->rst[k] + col;
                ts[k] = dr->t[k] + col;
                ms[k] = dr->mode[k] + col;
                rr[k] = slot->r[k] + pos;
                aa[k] = slot->a[k] + pos;
            }
            lim.round_lo = round_lo - col;
            lim.round_hi = round_hi - col;
            K->restore(&lim, rs, ts, ms, 1, rr, aa, 0);
        }
        if (scale == 0 && fast)
            K->flt0_fast(c0s, slot, w + 2);
        else if (scale == 0)
            K->flt0(c0s, slot, w + 2);
        else
            K->flt123(c123, slot, w + 2);
        if (e < top + 1)
            continue;
        int i = e - 1;
        const vn_adm_ring_row *up = &ring[(e - top + 2) % 3];
        const vn_adm_ring_row *mid = &ring[(e - top) % 3];
        int64_t sd[3], sa[3];
        if (scale == 0) {
            int vh = (i >= vec_row0 && i < vec_row1) ? vec_hi : 0;
            if (fast)
                K->pool0_fast(c0s, up, mid, slot, w, 0, vh, sd, sa, b->scratch);
            else
                K->pool0(c0s, up, mid, slot, w, 0, vh, sd, sa, b->scratch);
        } else {
            K->pool123(c123, up, mid, slot, w, sd, sa, b->scratch);
        }
        int shift_r = vn_ceil_log2(rows);
        int64_t add_r = shift_r > 0 ? (int64_t)1 << (shift_r - 1) : 0;
        for (int k = 0; k < 3; k++) {
            ls->acc_d[k] += (sd[k] + add_r) >> shift_r;
            ls->acc_a[k] += (sa[k] + add_r) >> shift_r;
        }
    }
}

/* One scale: wavelet level, denominator, decoupling, and every limit's numerators.
 * fast: scale 0 in 32-bit lanes; returns VN_NEED_WIDE if a coefficient is too large for it. */
static int vn_scale(vn_ctx *cx, int scale, int in_w, int in_h, int fast)
{
    const vn_adm_kernels *K = cx->K;
    vn_bufs *b = &cx->b;
    int cols = (in_w + 1) / 2, rows = (in_h + 1) / 2;
    int left = (int)(cols * 0.1 - 0.5), top = (int)(rows * 0.1 - 0.5);
    int right = cols - left, bottom = rows - top, w = right - left;
    int64_t area = (int64_t)(bottom - top) * w;
    cx->roi_area[scale] = area;
    int r0 = top > 0 ? top - 1 : 0, r1 = bottom < rows ? bottom + 1 : rows;
    int c0 = left > 0 ? left - 1 : 0, c1 = right < cols ? right + 1 : cols;

    vn_dwt_src ref_src = { scale, cx->bitdepth, in_w, in_h, cx->ref, cx->stride, b->ain[0] };
    vn_dwt_src dis_src = { scale, cx->bitdepth, in_w, in_h, cx->dis, cx->stride, b->ain[1] };

    int den_shift0 = 0, den_sc = 0, den_sr = 0, den_q = 0;
    if (scale == 0) {
        den_shift0 = (int)ceil(log2((double)area) - 20);
        if (den_shift0 < 0)
            den_shift0 = 0;
    } else {
        den_sc = vn_ceil_log2(w);
        den_sr = vn_ceil_log2(bottom - top);
        den_q = vn_s123_den_q[scale - 1];
    }
    int64_t den_acc[3] = { 0, 0, 0 };

    vn_adm_s0_consts c0s;
    vn_adm_s123_consts c123;
    if (scale == 0) {
        for (int k = 0; k < 3; k++) {
            c0s.irf[k] = cx->irf0[k];
            c0s.csf_add[k] = vn_s0_csf_add[k];
            c0s.csf_shift[k] = vn_s0_csf_shift[k];
            c0s.sub_shift[k] = vn_s0_sub_shift[k];
            c0s.sq_shift[k] = vn_s0_sq_shift[k];
            c0s.shift_c[k] = (int)ceil(log2((double)cols) - vn_s0_cube_off[k]);
        }
    } else {
        for (int k = 0; k < 3; k++)
            c123.u32[k] = (int64_t)((double)cx->rf[scale][k] * 4294967296.0);
        c123.shift_c = vn_ceil_log2(cols);
    }
    /* Columns where libvmaf's vector masking kernel (lanes wide) keeps the centre term
     * in 32 bits: interior rows, whole vector steps from the window's left edge. */
    int lanes = cx->lanes;
    int vec_ok = scale == 0 && lanes > 0 && left > 0 && right <= cols - 1;
    int vec_row0 = top > 1 ? top : 1, vec_row1 = bottom < rows - 1 ? bottom : rows - 1;
    int vec_hi = vec_ok ? w - w % lanes : 0;
    /* Band columns [round_lo, round_hi) where libvmaf's vector decoupling rounds rst * egl
     * to nearest (non-integer limits). It decouples columns [dlo, dhi), the window widened
     * by a filter margin, step columns at a time from dlo; the AVX2 kernel (lanes 6) runs
     * at scale 0 only and stops at the last multiple of 8, the AVX-512 kernel (lanes 14)
     * runs at every scale and stops after whole steps of 16. The rest truncates (C). */
    int round_lo = 0, round_hi = 0;
    if (lanes == 14 || (lanes == 6 && scale == 0)) {
        int raw = (int)(cols * 0.1 - 0.5 - 1);
        int dlo = raw > 0 ? raw : 0, dhi = cols - raw + 2;
        if (dhi > cols)
            dhi = cols;
        int stop = lanes == 14 ? dhi - (dhi - dlo) % 16 : dhi - dhi % 8;
        if (stop > dlo) {
            round_lo = dlo;
            round_hi = stop;
        }
    }

    for (int l = 0; l < cx->n_limits; l++) {
        vn_limit_state *ls = &b->lims[l];
        for (int k = 0; k < 3; k++)
            ls->acc_d[k] = ls->acc_a[k] = 0;
        ls->bound = 0;
    }

    int next_e = top - 1;
    for (int i = 0; i < rows; i++) {
        vn_dec_row *dr = &b->dec[i % 4];
        size_t at = (size_t)i * cols;
        const int32_t *orow[3] = { b->orow[0], b->orow[1], b->orow[2] };
        if (cx->ref_bands[scale]) {
            const int32_t *band = cx->ref_bands[scale] + (size_t)i * 3 * cols;
            for (int k = 0; k < 3; k++)
                orow[k] = band + (size_t)k * cols;
        } else {
            vn_dwt_row(K, &ref_src, b, i, b->aout[0] + at, b->orow[0], b->orow[1], b->orow[2]);
        }
        vn_dwt_row(K, &dis_src, b, i, b->aout[1] + at, dr->t[0], dr->t[1], dr->t[2]);
        if (i >= top && i < bottom) {
            for (int k = 0; k < 3; k++) {
                const int32_t *o = orow[k] + left;
                if (scale == 0) {
                    int64_t add = den_shift0 > 0 ? (int64_t)1 << (den_shift0 - 1) : 0;
                    den_acc[k] += (K->den0_row(o, w) + add) >> den_shift0;
                } else {
                    int64_t add = den_sr > 0 ? (int64_t)1 << (den_sr - 1) : 0;
                    den_acc[k] += (K->den123_row(o, w, den_q, den_sc) + add) >> den_sr;
                }
            }
        }
        if (i >= r0 && i < r1) {
            const int32_t *o3[3] = { orow[0] + c0, orow[1] + c0, orow[2] + c0 };
            const int32_t *t3[3] = { dr->t[0] + c0, dr->t[1] + c0, dr->t[2] + c0 };
            int32_t *rst3[3] = { dr->rst[0] + c0, dr->rst[1] + c0, dr->rst[2] + c0 };
            int32_t *md3[3] = { dr->mode[0] + c0, dr->mode[1] + c0, dr->mode[2] + c0 };
            if (scale == 0 && fast) {
                if (K->decouple0(o3, t3, c1 - c0, rst3, md3, b->flag) > 32768)
                    return VN_NEED_WIDE;
            } else {
                K->decouple(scale == 0, o3, t3, c1 - c0, rst3, md3, b->flag);
            }
        }
        while (next_e <= bottom && vn_cm_row(next_e, rows) <= i) {
            vn_ext_row(cx, scale, fast, next_e, rows, cols, top, bottom, left, right, &c0s, &c123,
                       vec_row0, vec_row1, vec_hi, round_lo, round_hi);
            next_e++;
        }
    }

    float noise = vn_cbrtf((float)((double)area * 0.03125));
    float parts[3];
    for (int k = 0; k < 3; k++) {
        double rf3 = pow((double)cx->rf[scale][k], 3.0);
        double value;
        if (scale == 0)
            value = (double)den_acc[k] / ldexp(1.0, 18 - den_shift0) * rf3;
        else
            value =
                (double)den_acc[k] / ldexp(1.0, vn_s123_den_exp[scale - 1] - den_sr - den_sc) * rf3;
        parts[k] = vn_cbrtf((float)value) + noise;
    }
    cx->den[scale] = vn_sum3(parts);

    int shift_r = vn_ceil_log2(rows);
    for (int l = 0; l < cx->n_limits; l++) {
        vn_limit_state *ls = &b->lims[l];
        float pd[3], pa[3];
        for (int k = 0; k < 3; k++) {
            float fd, fa;
            if (scale == 0) {
                double unit = ldexp(1.0, vn_s0_exp[k] - c0s.shift_c[k] - shift_r);
                fd = (float)((double)ls->acc_d[k] / unit);
                fa = (float)((double)ls->acc_a[k] / unit);
            } else {
                float unit = (float)ldexp(1.0, vn_s123_cm_exp[scale - 1] - c123.shift_c - shift_r);
                fd = (float)ls->acc_d[k] / unit;
                fa = (float)ls->acc_a[k] / unit;
            }
            pd[k] = vn_cbrtf(fd) + noise;
            pa[k] = vn_cbrtf(fa) + 0.0f;
        }
        ls->num[scale] = vn_sum3(pd);
        ls->aim[scale] = vn_sum3(pa);
        ls->held[scale] = ls->bound;
    }
    return 0;
}

static void vn_adm_run(vn_ctx *cx, const double *limits, double nvd, int rdh, double *out)
{
    vn_bufs *b = &cx->b;
    for (int s = 0; s < 4; s++)
        for (int k = 0; k < 3; k++)
            cx->rf[s][k] = vn_watson_rf(s, k == 2 ? 2 : 1, nvd, rdh);
    if (fabs(nvd * rdh - 3240.0) < 1.0e-8) {
        memcpy(cx->irf0, vn_s0_irf, sizeof cx->irf0);
    } else {
        cx->irf0[0] = (int32_t)((double)cx->rf[0][0] * 2097152.0);
        cx->irf0[1] = (int32_t)((double)cx->rf[0][1] * 2097152.0);
        cx->irf0[2] = (int32_t)((double)cx->rf[0][2] * 8388608.0);
    }
    for (int l = 0; l < cx->n_limits; l++) {
        vn_limit_state *ls = &b->lims[l];
        ls->lim.egl = limits[l];
        ls->lim.egl_int = limits[l] == floor(limits[l]) ? (int32_t)limits[l] : 0;
        ls->lim.round_lo = ls->lim.round_hi = 0;
    }

    int in_w = cx->width, in_h = cx->height;
    for (int scale = 0; scale < 4; scale++) {
        /* Scale 0 runs in 32-bit lanes unless a coefficient exceeds 2^15 (pathological
         * patterns only); then it is redone with the general kernels. */
        if (vn_scale(cx, scale, in_w, in_h, scale == 0 && !cx->wide) == VN_NEED_WIDE)
            vn_scale(cx, scale, in_w, in_h, 0);
        int32_t *tmp0 = b->ain[0], *tmp1 = b->ain[1];
        b->ain[0] = b->aout[0];
        b->ain[1] = b->aout[1];
        b->aout[0] = tmp0;
        b->aout[1] = tmp1;
        in_w = (in_w + 1) / 2;
        in_h = (in_h + 1) / 2;
    }

    double limit = 1e-10 * ((double)cx->width * cx->height) / (1920.0 * 1080.0);
    for (int l = 0; l < cx->n_limits; l++) {
        const vn_limit_state *ls = &b->lims[l];
        double num = 0.0, dn = 0.0, aim_num = 0.0;
        for (int s = 0; s < 4; s++) {
            num += (double)ls->num[s];
            dn += (double)cx->den[s];
            aim_num += (double)ls->aim[s];
        }
        num = num < limit ? 0.0 : num;
        dn = dn < limit ? 0.0 : dn;
        double adm2 = dn == 0.0 ? 1.0 : num / dn;
        double aim = dn == 0.0 ? 0.0 : aim_num / dn;
        double adm3 = adm2 * 0.5 + (1.0 - aim) * (1.0 - 0.5);
        double *o = out + (size_t)l * VN_ADM_NOUT;
        o[0] = adm2;
        o[1] = aim;
        o[2] = adm3 > 0.0 ? adm3 : 0.0;
        for (int s = 0; s < 4; s++) {
            o[3 + s] = (double)ls->num[s] / (double)cx->den[s];
            o[7 + s] = (double)ls->held[s] / (3.0 * (double)cx->roi_area[s]);
        }
    }
}

/* The checks every ADM entry point makes of the arguments the pairs share (the reference
 * plane, geometry, bit depth, masking lanes, gain limits, output size): 1 if they hold. */
static int vn_adm_args_ok(const void *ref, ptrdiff_t stride_bytes, int width, int height,
                          int bitdepth, const double *gain_limits, int n_limits, int lanes,
                          const double *out, size_t out_len)
{
    if (ref == NULL || gain_limits == NULL || out == NULL)
        return 0;
    if (bitdepth != 8 && bitdepth != 10 && bitdepth != 12 && bitdepth != 16)
        return 0;
    if (!vn_sizes_ok(width, height) || !vn_stride_ok(stride_bytes, width, bitdepth))
        return 0;
    if (bitdepth > 8 && ((uintptr_t)ref & 1))
        return 0;
    if (lanes != 0 && lanes != 6 && lanes != 14)
        return 0;
    if (n_limits < 1 || n_limits > VN_MAX_GAIN_LIMITS)
        return 0;
    if (out_len < (size_t)n_limits * VN_ADM_NOUT)
        return 0;
    for (int l = 0; l < n_limits; l++)
        if (!(gain_limits[l] >= 1.0 && gain_limits[l] <= 100.0))
            return 0;
    return 1;
}

/* A pass's context over the reference plane, its buffers laid out in `workspace` (at least
 * vn_adm_workspace_size bytes, any alignment); the distorted plane is set per pair. */
static void vn_ctx_open(vn_ctx *cx, const vn_adm_kernels *K, const void *ref,
                        ptrdiff_t stride_bytes, int width, int height, int bitdepth, int lanes,
                        int n_limits, int wide, void *workspace)
{
    memset(cx, 0, sizeof *cx);
    cx->K = K;
    cx->ref = ref;
    cx->stride = stride_bytes;
    cx->width = width;
    cx->height = height;
    cx->bitdepth = bitdepth;
    cx->lanes = lanes;
    cx->n_limits = n_limits;
    cx->wide = wide;
    uintptr_t base = ((uintptr_t)workspace + 63) & ~(uintptr_t)63;
    vn_arena ar = { (char *)base, 0 };
    vn_layout(&ar, &cx->b, width, height, n_limits);
}

int vn_adm_multi_ws(const void *ref, const void *dis, ptrdiff_t stride_bytes, int width, int height,
                    int bitdepth, const double *gain_limits, int n_limits, int lanes, int simd,
                    double *out, size_t out_len, void *workspace, size_t workspace_len)
{
    if (dis == NULL || workspace == NULL)
        return VN_EINVAL;
    if (!vn_adm_args_ok(ref, stride_bytes, width, height, bitdepth, gain_limits, n_limits, lanes,
                        out, out_len))
        return VN_EINVAL;
    if (bitdepth > 8 && ((uintptr_t)dis & 1))
        return VN_EINVAL;
    int wide = simd >= 0 && (simd & 256);
    simd = simd >= 0 ? simd & 255 : simd;
    if (workspace_len < vn_adm_workspace_size(width, height, n_limits))
        return VN_EINVAL;
    const vn_kernels *ks;
    int rc = vn_select(simd, &ks);
    if (rc != VN_OK)
        return rc;
    vn_ctx cx;
    vn_ctx_open(&cx, ks->adm, ref, stride_bytes, width, height, bitdepth, lanes, n_limits, wide,
                workspace);
    cx.dis = dis;
    vn_adm_run(&cx, gain_limits, 3.0, 1080, out);
    return 0;
}

int vn_adm_multi(const void *ref, const void *dis, ptrdiff_t stride_bytes, int width, int height,
                 int bitdepth, const double *gain_limits, int n_limits, int lanes, int simd,
                 double *out, size_t out_len)
{
    size_t need = vn_adm_workspace_size(width, height, n_limits);
    if (need == 0)
        return VN_EINVAL;
    void *ws = malloc(need);
    if (ws == NULL)
        return VN_ENOMEM;
    int rc = vn_adm_multi_ws(ref, dis, stride_bytes, width, height, bitdepth, gain_limits, n_limits,
                             lanes, simd, out, out_len, ws, need);
    free(ws);
    return rc;
}

/* ------------------------------------------------------------------ one reference, many */

/* int32 values of the reference's bands (h, v, d rows of every scale). */
static size_t vn_band_values(int width, int height)
{
    size_t total = 0;
    int in_w = width, in_h = height;
    for (int s = 0; s < 4; s++) {
        total += (size_t)((in_w + 1) / 2) * (size_t)((in_h + 1) / 2) * 3;
        in_w = (in_w + 1) / 2;
        in_h = (in_h + 1) / 2;
    }
    return total;
}

int vn_adm_many(const void *ref, const void *const *dis, int n_dis, ptrdiff_t stride_bytes,
                int width, int height, int bitdepth, const double *gain_limits, int n_limits,
                int lanes, int simd, double *out, size_t out_len)
{
    if (dis == NULL || n_dis < 1)
        return VN_EINVAL;
    /* vn_adm_multi_ws's checks, on every pair, before anything is computed */
    if (!vn_adm_args_ok(ref, stride_bytes, width, height, bitdepth, gain_limits, n_limits, lanes,
                        out, out_len))
        return VN_EINVAL;
    for (int i = 0; i < n_dis; i++)
        if (dis[i] == NULL || (bitdepth > 8 && ((uintptr_t)dis[i] & 1)))
            return VN_EINVAL;
    const size_t need = vn_adm_workspace_size(width, height, n_limits);
    if (need == 0)
        return VN_EINVAL;
    const int wide = simd >= 0 && (simd & 256);
    const int level = simd >= 0 ? simd & 255 : simd;
    const vn_kernels *ks;
    int rc = vn_select(level, &ks);
    if (rc != VN_OK)
        return rc;
    const size_t n_band = vn_band_values(width, height);
    void *ws = malloc(need);
    int32_t *bands = malloc(n_band * sizeof(int32_t));
    if (ws == NULL || bands == NULL) {
        free(ws);
        free(bands);
        return VN_ENOMEM;
    }
    vn_ctx cx;
    vn_ctx_open(&cx, ks->adm, ref, stride_bytes, width, height, bitdepth, lanes, n_limits, wide,
                ws);

    /* the reference's share: its wavelet bands at every scale, kept whole */
    vn_bufs *b = &cx.b;
    int32_t *band = bands;
    int in_w = width, in_h = height;
    for (int s = 0; s < 4; s++) {
        const int cols = (in_w + 1) / 2, rows = (in_h + 1) / 2;
        vn_dwt_src src = { s, bitdepth, in_w, in_h, ref, stride_bytes, b->ain[0] };
        for (int i = 0; i < rows; i++) {
            int32_t *row = band + (size_t)i * 3 * cols;
            vn_dwt_row(cx.K, &src, b, i, b->aout[0] + (size_t)i * cols, row, row + cols,
                       row + 2 * (size_t)cols);
        }
        cx.ref_bands[s] = band;
        band += (size_t)rows * cols * 3;
        int32_t *tmp = b->ain[0];
        b->ain[0] = b->aout[0];
        b->aout[0] = tmp;
        in_w = cols;
        in_h = rows;
    }

    /* each distorted plane's share */
    for (int i = 0; i < n_dis; i++) {
        cx.dis = dis[i];
        vn_adm_run(&cx, gain_limits, 3.0, 1080, out + (size_t)i * out_len);
    }
    free(ws);
    free(bands);
    return VN_OK;
}
