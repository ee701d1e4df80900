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
 * lanes) gives the same floats.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "ssim.h"
#include "vn_internal.h"

#if VN_X86
#include <xmmintrin.h>
#endif

#define TAPS 11
#define HALF 5

/* The normalized sigma-1.5 Gaussian, each weight rounded to six decimals. */
static const float GAUSS[TAPS] = { 0.001028f, 0.007599f, 0.036001f, 0.109361f, 0.213006f, 0.266012f,
                                   0.213006f, 0.109361f, 0.036001f, 0.007599f, 0.001028f };

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

static inline float mirrored(const float *img, int w, int h, int x, int y)
{
    if (x < 0)
        x = -1 - x;
    else if (x >= w)
        x = 2 * w - x - 1;
    if (y < 0)
        y = -1 - y;
    else if (y >= h)
        y = 2 * h - y - 1;
    /* the callers keep boxes within one mirror of the plane; clamp as a last guard */
    x = x < 0 ? 0 : (x >= w ? w - 1 : x);
    y = y < 0 ? 0 : (y >= h ? h - 1 : y);
    return img[(size_t)y * (size_t)w + (size_t)x];
}

/* Step 2, in place (each output lands before any sample a later output reads). */
static void box_down(float *img, int w, int h, int f, int *ow, int *oh)
{
    const int sw = w / f + (w & 1);
    const int sh = h / f + (h & 1);
    const float k = 1.0f / (float)(f * f);
    const int c = f / 2;
    const int hi = f - c; /* taps -c .. hi-1 */
    for (int y = 0; y < sh; y++) {
        for (int x = 0; x < sw; x++) {
            const int cx = x * f, cy = y * f;
            const int inside = cx >= c && cy >= c && cx < w - c && cy < h - c;
            double sum = 0.0;
            for (int v = -c; v < hi; v++) {
                for (int u = -c; u < hi; u++) {
                    const float p = inside ? img[(size_t)(cy + v) * (size_t)w + (size_t)(cx + u)]
                                           : mirrored(img, w, h, cx + u, cy + v);
                    const float prod = p * k;
                    sum += (double)prod;
                }
            }
            img[(size_t)y * (size_t)sw + (size_t)x] = (float)sum;
        }
    }
    *ow = sw;
    *oh = sh;
}

/* Step 3 for one plane: src (w x h) -> dst ((w-10) x (h-10)); tmp holds h x (w-10), acc
 * w - 10 doubles. Each output is its own double sum over the taps in tap order; the loops
 * run over positions innermost, so the compiler may use vector lanes across positions
 * without reordering any one sum. */
static void gauss_valid(const float *src, int w, int h, float *tmp, double *acc, float *dst)
{
    const int dw = w - (TAPS - 1), dh = h - (TAPS - 1);
    for (int y = 0; y < h; y++) {
        const float *row = src + (size_t)y * (size_t)w;
        float *out = tmp + (size_t)y * (size_t)dw;
        for (int x = 0; x < dw; x++)
            acc[x] = 0.0;
        for (int i = 0; i < TAPS; i++) {
            const float g = GAUSS[i];
            const float *in = row + i;
            for (int x = 0; x < dw; x++) {
                const float prod = in[x] * g;
                acc[x] += (double)prod;
            }
        }
        for (int x = 0; x < dw; x++)
            out[x] = (float)acc[x];
    }
    for (int y = 0; y < dh; y++) {
        float *out = dst + (size_t)y * (size_t)dw;
        for (int x = 0; x < dw; x++)
            acc[x] = 0.0;
        for (int i = 0; i < TAPS; i++) {
            const float g = GAUSS[i];
            const float *in = tmp + (size_t)(y + i) * (size_t)dw;
            for (int x = 0; x < dw; x++) {
                const float prod = in[x] * g;
                acc[x] += (double)prod;
            }
        }
        for (int x = 0; x < dw; x++)
            out[x] = (float)acc[x];
    }
}

/* sd[x] = the correctly rounded float square root of v[x] >= 0 (equal to
 * (float)sqrt((double)v[x]): a double square root rounded to a float is the correctly
 * rounded float one). SSE's sqrtps is IEEE's square root, four at a time. */
static void sqrt_row(float *v, int n)
{
    int x = 0;
#if VN_X86
    for (; x + 4 <= n; x += 4)
        _mm_storeu_ps(v + x, _mm_sqrt_ps(_mm_loadu_ps(v + x)));
#endif
    for (; x < n; x++)
        v[x] = sqrtf(v[x]);
}

/* Step 4 for one row of positions, in three loops over positions (the square roots apart,
 * so the other two run in vector lanes); every value is computed as the specification says. */
static void ssim_row(const float *restrict mu_r, const float *restrict mu_d,
                     const float *restrict e_rr, const float *restrict e_dd,
                     const float *restrict e_rd, int n, float c1, float c2, float c3,
                     float *restrict sdv, double *restrict pl, double *restrict pc,
                     double *restrict ps, double *restrict pp)
{
    for (int x = 0; x < n; x++) {
        float vr = e_rr[x] - mu_r[x] * mu_r[x];
        float vd = e_dd[x] - mu_d[x] * mu_d[x];
        vr = 0.0f > vr ? 0.0f : vr;
        vd = 0.0f > vd ? 0.0f : vd;
        sdv[x] = vr * vd;
    }
    sqrt_row(sdv, n);
    for (int x = 0; x < n; x++) {
        const float mr = mu_r[x], md = mu_d[x];
        float vr = e_rr[x] - mr * mr;
        float vd = e_dd[x] - md * md;
        vr = 0.0f > vr ? 0.0f : vr;
        vd = 0.0f > vd ? 0.0f : vd;
        const float cov = e_rd[x] - mr * md;
        const float sd = sdv[x];
        const double l =
            (2.0 * (double)mr * (double)md + (double)c1) / (double)(mr * mr + md * md + c1);
        const double c = (2.0 * (double)sd + (double)c2) / (double)(vr + vd + c2);
        const int flat = (cov < 0.0f) & (sd <= 0.0f);
        const float cv = flat ? 0.0f : cov;
        const double sv = (double)((cv + c3) / (sd + c3));
        pl[x] = l;
        pc[x] = c;
        ps[x] = sv;
        pp[x] = l * c * sv;
    }
}

/* stride in bytes */
static void to_float(const void *src, int w, int h, ptrdiff_t stride, int bitdepth, float *dst)
{
    if (bitdepth == 8) {
        const uint8_t *p = src;
        for (int y = 0; y < h; y++, p += stride)
            for (int x = 0; x < w; x++)
                dst[(size_t)y * (size_t)w + (size_t)x] = (float)p[x];
        return;
    }
    const float div = bitdepth == 10 ? 4.0f : (bitdepth == 12 ? 16.0f : 256.0f);
    const uint16_t *p = src;
    for (int y = 0; y < h; y++, p += stride / 2)
        for (int x = 0; x < w; x++)
            dst[(size_t)y * (size_t)w + (size_t)x] = (float)p[x] / div;
}

int vn_float_ssim(const void *ref, const void *dis, int width, int height, ptrdiff_t stride_ref,
                  ptrdiff_t stride_dis, int bitdepth, int scale, double *out)
{
    if (!ref || !dis || !out || width < 1 || height < 1 || scale < 0 || scale > 10 ||
        (bitdepth != 8 && bitdepth != 10 && bitdepth != 12 && bitdepth != 16) ||
        !vn_stride_ok(stride_ref, width, bitdepth) || !vn_stride_ok(stride_dis, width, bitdepth) ||
        (bitdepth > 8 && (((uintptr_t)ref | (uintptr_t)dis) & 1)))
        return VN_EINVAL;
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
    const size_t n = (size_t)width * (size_t)height;
    const int dw = w - (TAPS - 1), dh = h - (TAPS - 1);
    const size_t m = (size_t)w * (size_t)h;
    const size_t nd = (size_t)dw * (size_t)dh;
    float *r = malloc(n * sizeof(float));
    float *d = malloc(n * sizeof(float));
    float *sq = malloc(m * sizeof(float));
    float *tmp = malloc((size_t)h * (size_t)dw * sizeof(float));
    float *mom = malloc(5 * nd * sizeof(float));
    double *acc = malloc((size_t)dw * sizeof(double));
    double *lcs = malloc(4 * (size_t)dw * sizeof(double));
    float *sdv = malloc((size_t)dw * sizeof(float));
    int rc = VN_ENOMEM;
    if (!r || !d || !sq || !tmp || !mom || !acc || !lcs || !sdv)
        goto done;
    to_float(ref, width, height, stride_ref, bitdepth, r);
    to_float(dis, width, height, stride_dis, bitdepth, d);
    if (f > 1) {
        box_down(r, width, height, f, &w, &h);
        box_down(d, width, height, f, &w, &h);
    }
    float *mu_r = mom, *mu_d = mom + nd, *e_rr = mom + 2 * nd, *e_dd = mom + 3 * nd,
          *e_rd = mom + 4 * nd;
    gauss_valid(r, w, h, tmp, acc, mu_r);
    gauss_valid(d, w, h, tmp, acc, mu_d);
    for (size_t i = 0; i < m; i++)
        sq[i] = r[i] * r[i];
    gauss_valid(sq, w, h, tmp, acc, e_rr);
    for (size_t i = 0; i < m; i++)
        sq[i] = d[i] * d[i];
    gauss_valid(sq, w, h, tmp, acc, e_dd);
    for (size_t i = 0; i < m; i++)
        sq[i] = r[i] * d[i];
    gauss_valid(sq, w, h, tmp, acc, e_rd);

    const float k1 = 0.01f, k2 = 0.03f;
    const int peak = 255;
    const float c1 = (k1 * peak) * (k1 * peak);
    const float c2 = (k2 * peak) * (k2 * peak);
    const float c3 = c2 / 2.0f;
    /* per position in vector-friendly loops (one row at a time), then the four sums in
     * position order, as one loop would add them */
    double sum = 0.0, sum_l = 0.0, sum_c = 0.0, sum_s = 0.0;
    double *pl = lcs, *pc = lcs + dw, *ps = lcs + 2 * (size_t)dw, *pp = lcs + 3 * (size_t)dw;
    for (int y = 0; y < dh; y++) {
        const size_t o = (size_t)y * (size_t)dw;
        ssim_row(mu_r + o, mu_d + o, e_rr + o, e_dd + o, e_rd + o, dw, c1, c2, c3, sdv, pl, pc,
                 ps, pp);
        for (int x = 0; x < dw; x++) {
            sum += pp[x];
            sum_l += pl[x];
            sum_c += pc[x];
            sum_s += ps[x];
        }
    }
    const double count = (double)(dw * dh);
    out[0] = (double)(float)(sum / count);
    out[1] = (double)(float)(sum_l / count);
    out[2] = (double)(float)(sum_c / count);
    out[3] = (double)(float)(sum_s / count);
    rc = VN_OK;
done:
    free(r);
    free(d);
    free(sq);
    free(tmp);
    free(mom);
    free(acc);
    free(lcs);
    free(sdv);
    return rc;
}
