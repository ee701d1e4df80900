/* libvmaf 3.2.0 "float_ssim": SSIM with float32 moments.
 *
 * Specification (docs/internals-metrics.md):
 *  1. Samples become floats: 8-bit as they are, 10/12/16-bit divided by 4, 16, 256.
 *  2. With scale f > 1, each plane is averaged down in place: output (x, y), for x < w/f +
 *     (w & 1) and y < h/f + (h & 1), is the sum over the f x f box whose corner is
 *     (x f - f/2, y f - f/2) of the float product sample * (1/(f*f) as a float), added in
 *     a double in row-major order and rounded to a float; a box reaching past an edge
 *     reads mirrored samples (-1 -> 0, w -> w - 1).
 *  3. Five moment planes (mu_r, mu_d from the samples; r*r, d*d, r*d as float products)
 *     are filtered with the separable 11-tap Gaussian (sigma 1.5) over the positions where
 *     the window fits: horizontally then vertically, each output the double sum of float
 *     products in tap order, rounded to a float.
 *  4. Per position, in float unless marked: var = max(0, E[x^2] - mu^2), cov = E[rd] -
 *     mu_r mu_d; sd = (float)sqrt(var_r var_d); l = (2 mu_r mu_d + C1) [double] /
 *     (mu_r^2 + mu_d^2 + C1); c = (2 sd + C2) [double] / (var_r + var_d + C2); s = (cov'
 *     + C3) / (sd + C3), cov' = 0 where cov < 0 and sd <= 0; sum l c s in a double.
 *  5. ssim = (float)(sum / n); the means of l, c, s likewise.
 * Every step is ordered per position, so computing positions in any order (or in vector
 * lanes) gives the same floats. The filter passes and the statistic are kernels compiled per
 * SIMD level (ssim_kernels.inc); this driver streams the planes row by row: each row is
 * converted (or averaged down) to floats, filtered horizontally into a ring of the last 11
 * rows, and each row of positions is filtered vertically and scored as soon as its 11 rows
 * are in, so the moments never leave the cache and no plane-sized buffer is allocated.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "ssim.h"
#include "ssim_internal.h"
#include "vn_internal.h"

#define TAPS VN_SSIM_TAPS

static int round_half_away(float a)
{
    /* libvmaf's rounding of min(w, h) / 256: truncate, then step away from zero when the
     * dropped part is at least one half */
    const int t = (int)a;
    const int sign = a > 0.0f ? 1 : -1;
    return (double)(a - (float)t) >= 0.5 ? t + sign : t;
}

int vn_float_ssim_auto_scale(int width, int height)
{
    const int m = width < height ? width : height;
    const int s = round_half_away((float)m / 256.0f);
    return s > 1 ? s : 1;
}

/* Mirror index i into [0, n): -1 -> 0, n -> n - 1; the callers keep boxes within one mirror
 * of the plane, and a clamp is the last guard. */
static inline int mirror1(int i, int n)
{
    if (i < 0)
        i = -1 - i;
    else if (i >= n)
        i = 2 * n - i - 1;
    return i < 0 ? 0 : (i >= n ? n - 1 : i);
}

/* Step 1 for row y of a plane (stride in bytes) into dst (w floats). */
void vn_ssim_row_to_float(const void *src, int w, int y, ptrdiff_t stride, int bitdepth,
                          float *restrict dst)
{
    if (bitdepth == 8) {
        const uint8_t *p = (const uint8_t *)src + (size_t)y * (size_t)stride;
        for (int x = 0; x < w; x++)
            dst[x] = (float)p[x];
        return;
    }
    const float div = bitdepth == 10 ? 4.0f : (bitdepth == 12 ? 16.0f : 256.0f);
    const uint16_t *p = (const uint16_t *)((const uint8_t *)src + (size_t)y * (size_t)stride);
    for (int x = 0; x < w; x++)
        dst[x] = (float)p[x] / div;
}

/* Step 2 for output row y: the f source rows of its boxes (mirrored) are converted into src
 * (f rows of w floats), then each output is its box's double sum in row-major order. */
static void box_row(const void *plane, int w, int h, ptrdiff_t stride, int bitdepth, int f,
                    int y, float *restrict src, float *restrict dst, int sw)
{
    const float k = 1.0f / (float)(f * f);
    const int c = f / 2;
    const int cy = y * f;
    for (int v = 0; v < f; v++)
        vn_ssim_row_to_float(plane, w, mirror1(cy - c + v, h), stride, bitdepth,
                             src + (size_t)v * w);
    for (int x = 0; x < sw; x++) {
        const int cx = x * f;
        const int inside = cx >= c && cx < w - c;
        double sum = 0.0;
        for (int v = 0; v < f; v++) {
            const float *row = src + (size_t)v * (size_t)w;
            for (int u = -c; u < f - c; u++) {
                const float p = inside ? row[cx + u] : row[mirror1(cx + u, w)];
                const float prod = p * k;
                sum += (double)prod;
            }
        }
        dst[x] = (float)sum;
    }
}

/* Where the streaming core gets row y of each plane as floats (step 1 or 2 done). */
typedef struct ssim_source {
    /* integer planes: converted (and averaged down when f > 1) into row_r, row_d */
    const void *ref, *dis;
    int width, height, bitdepth, f;
    ptrdiff_t stride_ref, stride_dis;
    float *row_r, *row_d, *box;
    /* float planes (ms-ssim's scales): rows read in place, `w` floats apart */
    const float *fref, *fdis;
} ssim_source;

static void source_rows(const ssim_source *src, int y, int w, const float **r, const float **d)
{
    if (src->fref) {
        *r = src->fref + (size_t)y * (size_t)w;
        *d = src->fdis + (size_t)y * (size_t)w;
    } else if (src->f > 1) {
        box_row(src->ref, src->width, src->height, src->stride_ref, src->bitdepth, src->f, y,
                src->box, src->row_r, w);
        box_row(src->dis, src->width, src->height, src->stride_dis, src->bitdepth, src->f, y,
                src->box, src->row_d, w);
        *r = src->row_r;
        *d = src->row_d;
    } else {
        vn_ssim_row_to_float(src->ref, w, y, src->stride_ref, src->bitdepth, src->row_r);
        vn_ssim_row_to_float(src->dis, w, y, src->stride_dis, src->bitdepth, src->row_d);
        *r = src->row_r;
        *d = src->row_d;
    }
}

/* Steps 3 to 5 on a w x h pair of float planes (w, h >= 11) given row by row by src. */
static int ssim_stream(const vn_ssim_kernels *kern, const ssim_source *src, int w, int h,
                       double *out)
{
    const size_t dw = (size_t)(w - (TAPS - 1));
    const int dh = h - (TAPS - 1);
    /* the ring of horizontal moments (11 rows of five), one row of vertical moments, and
     * the statistic's rows */
    float *fbuf = malloc(((TAPS + 1) * VN_SSIM_MOMENTS * dw + dw) * sizeof(float));
    double *lcs = malloc(4 * dw * sizeof(double));
    int rc = VN_ENOMEM;
    if (!fbuf || !lcs)
        goto done;
    float *ring = fbuf;
    float *mom = ring + TAPS * VN_SSIM_MOMENTS * dw;
    float *sdv = mom + VN_SSIM_MOMENTS * dw;
    double *pl = lcs, *pc = lcs + dw, *ps = lcs + 2 * dw, *pp = lcs + 3 * dw;
    float *mrow[VN_SSIM_MOMENTS];
    for (int k = 0; k < VN_SSIM_MOMENTS; k++)
        mrow[k] = mom + (size_t)k * dw;

    const float k1 = 0.01f, k2 = 0.03f;
    const int peak = 255;
    const float c1 = (k1 * peak) * (k1 * peak);
    const float c2 = (k2 * peak) * (k2 * peak);
    const float c3 = c2 / 2.0f;
    /* the four sums in position order, as one loop over the positions would add them */
    double sum = 0.0, sum_l = 0.0, sum_c = 0.0, sum_s = 0.0;
    for (int y = 0; y < h; y++) {
        const float *row_r, *row_d;
        source_rows(src, y, w, &row_r, &row_d);
        float *hrow[VN_SSIM_MOMENTS];
        for (int k = 0; k < VN_SSIM_MOMENTS; k++)
            hrow[k] = ring + ((size_t)(y % TAPS) * VN_SSIM_MOMENTS + (size_t)k) * dw;
        kern->hor(row_r, row_d, (int)dw, hrow);
        if (y < TAPS - 1)
            continue;
        const int oy = y - (TAPS - 1);
        const float *rows[TAPS * VN_SSIM_MOMENTS];
        for (int k = 0; k < VN_SSIM_MOMENTS; k++)
            for (int i = 0; i < TAPS; i++)
                rows[TAPS * k + i] =
                    ring + ((size_t)((oy + i) % TAPS) * VN_SSIM_MOMENTS + (size_t)k) * dw;
        kern->vert(rows, (int)dw, mrow);
        kern->stat((const float *const *)mrow, (int)dw, c1, c2, c3, sdv, pl, pc, ps, pp);
        for (size_t x = 0; x < dw; x++) {
            sum += pp[x];
            sum_l += pl[x];
            sum_c += pc[x];
            sum_s += ps[x];
        }
    }
    const double count = (double)((int)dw * dh);
    out[0] = (double)(float)(sum / count);
    out[1] = (double)(float)(sum_l / count);
    out[2] = (double)(float)(sum_c / count);
    out[3] = (double)(float)(sum_s / count);
    rc = VN_OK;
done:
    free(fbuf);
    free(lcs);
    return rc;
}

int vn_ssim_float_planes(const float *ref, const float *dis, int w, int h,
                         const vn_ssim_kernels *kern, double *out)
{
    if (!ref || !dis || !kern || !out || w < TAPS || h < TAPS)
        return VN_EINVAL;
    ssim_source src = {0};
    src.fref = ref;
    src.fdis = dis;
    return ssim_stream(kern, &src, w, h, out);
}

int vn_float_ssim(const void *ref, const void *dis, int width, int height, ptrdiff_t stride_ref,
                  ptrdiff_t stride_dis, int bitdepth, int scale, int simd, double *out)
{
    if (!ref || !dis || !out || width < 1 || height < 1 || scale < 0 || scale > 10 ||
        (bitdepth != 8 && bitdepth != 10 && bitdepth != 12 && bitdepth != 16) ||
        !vn_stride_ok(stride_ref, width, bitdepth) || !vn_stride_ok(stride_dis, width, bitdepth) ||
        (bitdepth > 8 && (((uintptr_t)ref | (uintptr_t)dis) & 1)))
        return VN_EINVAL;
    const vn_kernels *kt;
    int rc = vn_select(simd, &kt);
    if (rc != VN_OK)
        return rc;
    const int f = scale > 0 ? scale : vn_float_ssim_auto_scale(width, height);
    int w = width, h = height;
    if (f > 1) {
        w = width / f + (width & 1);
        h = height / f + (height & 1);
        /* a box must stay within one mirror of the plane */
        if (f / 2 >= width || f / 2 >= height || (w - 1) * f + f - f / 2 > 2 * width ||
            (h - 1) * f + f - f / 2 > 2 * height)
            return VN_EINVAL;
    }
    if (w < TAPS || h < TAPS)
        return VN_EINVAL;
    /* the current row of each plane (w floats), and the source rows of a box (f rows of the
     * plane's width each, f > 1 only) */
    const size_t nrow = 2 * (size_t)w + (f > 1 ? (size_t)f * (size_t)width : 0);
    float *rows = malloc(nrow * sizeof(float));
    if (!rows)
        return VN_ENOMEM;
    ssim_source src = {
        .ref = ref,
        .dis = dis,
        .width = width,
        .height = height,
        .bitdepth = bitdepth,
        .f = f,
        .stride_ref = stride_ref,
        .stride_dis = stride_dis,
        .row_r = rows,
        .row_d = rows + w,
        .box = rows + 2 * (size_t)w,
    };
    rc = ssim_stream(kt->ssim, &src, w, h, out);
    free(rows);
    return rc;
}
