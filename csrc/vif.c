/* libvmaf 3.2.0 integer VIF, four scales, several enhancement gain limits from one pass.
 *
 * Specification: the package's NumPy reference (pyvmafneg/engines/reference/_vif.py).
 * Every filtering step is exact integer arithmetic; the per-location gain, residual
 * variance and cap follow C double arithmetic and truncation; the per-scale numerator,
 * denominator and ratio are rounded to float32 where libvmaf stores floats.
 *
 * The filtering (four pyramid levels, five local moments per level) runs once per
 * frame; only the per-location statistic is evaluated per gain limit. While it is
 * evaluated, the locations where the gain was held at a limit are counted.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vif.h"
#include "vif_internal.h"

static const int NTAPS[4] = { 17, 9, 5, 3 };

/* ---- 2048 * log2 -------------------------------------------------------------------- */
int32_t vn_vif_log2[65536];

void vn_vif_init(void)
{
    /* T[i] = round_half_away(f32(log2 i) * 2048) for i in [32767, 65535]. */
    for (int i = 32767; i < 65536; i++) {
        float v = (float)log2((double)i) * 2048.0f; /* exact scaling by a power of two */
        vn_vif_log2[i] = (int32_t)floor((double)v + 0.5);
    }
}

/* ---- driver ----------------------------------------------------------------------------- */
int vn_vif_work_alloc(struct vn_vif_work *wk, size_t rowlen)
{
    uint32_t *rows32 = malloc(sizeof(uint32_t) * 10 * rowlen);
    int32_t *sig = malloc(sizeof(int32_t) * 3 * rowlen);
    uint16_t *drow = malloc(sizeof(uint16_t) * rowlen);
    int16_t *d = calloc(8 * (rowlen + 32), sizeof(int16_t));
    if (rows32 == NULL || sig == NULL || drow == NULL || d == NULL) {
        free(rows32);
        free(sig);
        free(drow);
        free(d);
        return VN_ENOMEM;
    }
    wk->d = d;
    wk->dstride = (ptrdiff_t)rowlen + 32;
    for (int c = 0; c < 5; c++) {
        wk->v[c] = rows32 + c * rowlen;
        wk->m[c] = rows32 + (5 + c) * rowlen;
    }
    for (int c = 0; c < 3; c++)
        wk->s[c] = sig + c * rowlen;
    wk->drow = drow;
    return VN_OK;
}

void vn_vif_work_free(struct vn_vif_work *wk)
{
    free(wk->v[0]); /* the start of the moment rows */
    free(wk->s[0]); /* the start of the sigma rows */
    free(wk->drow);
    free(wk->d);
}

void vn_vif_pad_u32(uint32_t *p, int w, int r)
{
    /* p points at the padded start; data is p[r .. r + w - 1] */
    for (int k = 1; k <= r; k++) {
        p[r - k] = p[r + k];
        p[r + w - 1 + k] = p[r + w - 1 - k];
    }
}

static void pad_u16(uint16_t *p, int w, int r)
{
    for (int k = 1; k <= r; k++) {
        p[r - k] = p[r + k];
        p[r + w - 1 + k] = p[r + w - 1 - k];
    }
}

/* Moments and statistic of one scale. plane is uint8 (is8) or uint16 with stride in samples. */
static void vif_scale(const vn_vif_kernels *kn, int scale, const void *pa, const void *pb, int is8,
                      int w, int h, int64_t sta, int64_t stb, int q1, int q2, const double *egl,
                      int ne, struct vn_vif_work *wk, vn_vif_acc *acc)
{
    const int nt = NTAPS[scale], r = nt / 2;
    const void *ra[17], *rb[17];
    for (int y = 0; y < h; y++) {
        for (int k = 0; k < nt; k++) {
            int64_t row = vn_mirror(y + k - r, h);
            if (is8) {
                ra[k] = (const uint8_t *)pa + row * sta;
                rb[k] = (const uint8_t *)pb + row * stb;
            } else {
                ra[k] = (const uint16_t *)pa + row * sta;
                rb[k] = (const uint16_t *)pb + row * stb;
            }
        }
        if (is8 && kn->mom8_sig) {
            kn->mom8_sig((const uint8_t *const *)ra, (const uint8_t *const *)rb, w, wk->d,
                         wk->dstride, wk->s[0], wk->s[1], wk->s[2]);
            kn->stat(wk->s[0], wk->s[1], wk->s[2], w, egl, ne, acc);
            continue;
        }
        if (!is8 && scale > 0 && kn->mom16_sig[scale]) { /* q1 = q2 = 16 */
            kn->mom16_sig[scale]((const uint16_t *const *)ra, (const uint16_t *const *)rb, w,
                                 wk->d, wk->dstride, wk->s[0], wk->s[1], wk->s[2]);
            kn->stat(wk->s[0], wk->s[1], wk->s[2], w, egl, ne, acc);
            continue;
        }
        if (is8)
            kn->vmom8((const uint8_t *const *)ra, (const uint8_t *const *)rb, w, wk->v[0] + r,
                      wk->v[1] + r, wk->v[2] + r, wk->v[3] + r, wk->v[4] + r);
        else
            kn->vmom16[scale]((const uint16_t *const *)ra, (const uint16_t *const *)rb, w, q1, q2,
                              wk->v[0] + r, wk->v[1] + r, wk->v[2] + r, wk->v[3] + r, wk->v[4] + r);
        for (int c = 0; c < 5; c++)
            vn_vif_pad_u32(wk->v[c], w, r);
        kn->hmom[scale](wk->v[0], wk->v[1], wk->v[2], wk->v[3], wk->v[4], w, wk->m[0], wk->m[1],
                        wk->m[2], wk->m[3], wk->m[4]);
        kn->sigmas(wk->m[0], wk->m[1], wk->m[2], wk->m[3], wk->m[4], w, wk->s[0], wk->s[1],
                   wk->s[2]);
        kn->stat(wk->s[0], wk->s[1], wk->s[2], w, egl, ne, acc);
    }
}

/* Filter one plane with F_dst and keep even rows and columns (floors odd sizes). */
void vn_vif_decimate(const vn_vif_kernels *kn, int dst, const void *src, int is8, int w, int h,
                     int64_t stride, int q, uint16_t *out, struct vn_vif_work *wk)
{
    const int nt = NTAPS[dst], r = nt / 2;
    const int wo = w / 2, ho = h / 2;
    (void)wo;
    const void *rows[9];
    for (int yo = 0; yo < ho; yo++) {
        const int y = 2 * yo;
        for (int k = 0; k < nt; k++) {
            int64_t row = vn_mirror(y + k - r, h);
            rows[k] = is8 ? (const void *)((const uint8_t *)src + row * stride)
                          : (const void *)((const uint16_t *)src + row * stride);
        }
        if (is8)
            kn->dvert8((const uint8_t *const *)rows, w, q, wk->drow + r);
        else
            kn->dvert16[dst]((const uint16_t *const *)rows, w, q, wk->drow + r);
        pad_u16(wk->drow, w, r);
        kn->dhor[dst](wk->drow, w, wk->m[0], out + (int64_t)yo * wo);
    }
}

void vn_vif_finish_scale(const vn_vif_acc *acc, int s, int n_limits, double *scores,
                         int64_t *capped)
{
    const double den = (double)acc->den_log / 2048.0 + (double)acc->den_nonlog;
    const float den_f = (float)den;
    const double nonlog = (double)acc->den_nonlog - ((double)acc->num_nonlog / 16384.0) / 65025.0;
    for (int e = 0; e < n_limits; e++) {
        const float num_f = (float)((double)acc->num_log[e] / 2048.0 + nonlog);
        scores[e * 4 + s] = (double)(num_f / den_f);
        capped[e * 4 + s] = acc->capped[e];
    }
}

int vn_vif_plane_ok(const void *plane, int width, int height, ptrdiff_t stride, int bitdepth)
{
    return plane != NULL && width >= 16 && height >= 16 && bitdepth >= 8 && bitdepth <= 16 &&
           vn_stride_ok(stride, width, bitdepth) && !(bitdepth > 8 && ((uintptr_t)plane & 1));
}

int vn_vif_args_ok(const double *gain_limits, int n_limits, const double *scores,
                   const int64_t *capped, const int64_t *locations)
{
    if (!gain_limits || !scores || !capped || !locations)
        return 0;
    if (n_limits < 1 || n_limits > VN_MAX_GAIN_LIMITS)
        return 0;
    for (int e = 0; e < n_limits; e++)
        if (!(gain_limits[e] >= 1.0 && gain_limits[e] <= 100.0))
            return 0;
    return 1;
}

int vn_vif(const void *ref, const void *dis, int width, int height, ptrdiff_t stride_ref,
           ptrdiff_t stride_dis, int bitdepth, const double *gain_limits, int n_limits, int simd,
           double *scores, int64_t *capped, int64_t *locations)
{
    if (!vn_vif_plane_ok(ref, width, height, stride_ref, bitdepth) ||
        !vn_vif_plane_ok(dis, width, height, stride_dis, bitdepth) ||
        !vn_vif_args_ok(gain_limits, n_limits, scores, capped, locations))
        return VN_EINVAL;
    const vn_kernels *ks;
    const int rc = vn_select(simd, &ks);
    if (rc != VN_OK)
        return rc;
    const vn_vif_kernels *kn = ks->vif;
    /* rows are addressed in samples below */
    const int64_t sample = bitdepth == 8 ? 1 : 2;
    stride_ref /= sample;
    stride_dis /= sample;

    const int64_t w1 = width / 2, h1 = height / 2;
    const int64_t n1 = w1 * h1, n2 = (w1 / 2) * (h1 / 2), n3 = (w1 / 4) * (h1 / 4);
    const int64_t rowlen = (int64_t)width + 16;
    struct vn_vif_work wk;
    uint16_t *planes = malloc(sizeof(uint16_t) * 2 * (size_t)(n1 + n2 + n3));
    if (planes == NULL || vn_vif_work_alloc(&wk, (size_t)rowlen) != VN_OK) {
        free(planes);
        return VN_ENOMEM;
    }

    uint16_t *pl[4][2];
    pl[1][0] = planes;
    pl[1][1] = planes + n1;
    pl[2][0] = planes + 2 * n1;
    pl[2][1] = pl[2][0] + n2;
    pl[3][0] = pl[2][1] + n2;
    pl[3][1] = pl[3][0] + n3;

    const int is8 = bitdepth == 8;
    int w = width, h = height;
    for (int s = 0; s < 4; s++) {
        const void *a, *b;
        int64_t sta, stb;
        int q1, q2, in8;
        if (s == 0) {
            a = ref;
            b = dis;
            sta = stride_ref;
            stb = stride_dis;
            q1 = bitdepth;
            q2 = 2 * (bitdepth - 8);
            in8 = is8;
        } else {
            const void *pa = s == 1 ? ref : (const void *)pl[s - 1][0];
            const void *pb = s == 1 ? dis : (const void *)pl[s - 1][1];
            const int64_t psa = s == 1 ? stride_ref : w, psb = s == 1 ? stride_dis : w;
            const int pin8 = s == 1 ? is8 : 0;
            const int q = s == 1 ? bitdepth : 16;
            vn_vif_decimate(kn, s, pa, pin8, w, h, psa, q, pl[s][0], &wk);
            vn_vif_decimate(kn, s, pb, pin8, w, h, psb, q, pl[s][1], &wk);
            w /= 2;
            h /= 2;
            a = pl[s][0];
            b = pl[s][1];
            sta = stb = w;
            q1 = q2 = 16;
            in8 = 0;
        }
        vn_vif_acc acc;
        memset(&acc, 0, sizeof acc);
        vif_scale(kn, s, a, b, in8, w, h, sta, stb, q1, q2, gain_limits, n_limits, &wk, &acc);

        vn_vif_finish_scale(&acc, s, n_limits, scores, capped);
        locations[s] = (int64_t)w * h;
    }
    free(planes);
    vn_vif_work_free(&wk);
    return 0;
}
