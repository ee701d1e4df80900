/* libvmaf 3.2.0 "float_ms_ssim": multi-scale SSIM with float32 planes and moments.
 *
 * Specification (docs/internals-metrics.md, "MS-SSIM"):
 *  1. Samples become floats as for the float SSIM (8-bit as they are, 10/12/16-bit divided
 *     by 4, 16, 256); the first scale is the plane itself (no averaging down).
 *  2. A plane is refused unless its width and height stay at least 11 when halved (rounding
 *     down) four times: 176 samples a side at least.
 *  3. Scale k + 1 (k < 4) is scale k low-passed and decimated by two: output (x, y), for
 *     x < w/2 + (w & 1) and y < h/2 + (h & 1), is the double sum over the 9x9 neighbourhood
 *     of (2x, 2y), rows then columns, of the float product sample * weight, rounded to a
 *     float; a neighbour past an edge reads the mirrored sample (-1 -> 0, w -> w - 1).
 *  4. At every scale the float SSIM's steps 3 to 5 (11x11 Gaussian window where it fits,
 *     float moments, l, c, s per position) give the means of l, c and s, each rounded to a
 *     float.
 *  5. ms = 1.0 (a double); per scale k in order, ms *= (pow(l_k, a_k) * pow(c_k, b_k)) *
 *     pow(s_k, g_k), the exponents floats widened to doubles; an infinite product refuses
 *     the frame.
 * The scales' SSIM runs the float SSIM's kernels (csrc/ssim_kernels.inc) at the chosen SIMD
 * level, and so does the decimation away from the left and right edges (neighbouring outputs in
 * vector lanes, each output's taps in the order above); the edges' outputs are computed here.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "ms_ssim.h"
#include "ssim_internal.h"
#include "vn_internal.h"

enum { SCALES = 5, LPF_REACH = 4, LPF_TAPS = 2 * LPF_REACH + 1, MIN_SIDE = 176 };

/* The 9x9 low-pass weights (the 9/7 biorthogonal analysis filter's outer product, each weight
 * rounded to six decimals), indexed by the distance of the row and of the column from the
 * centre: the table is symmetric about both axes and its diagonal. */
static const float LPF_QUADRANT[LPF_REACH + 1][LPF_REACH + 1] = {
    {0.363505f, 0.160885f, -0.047149f, -0.010146f, 0.016114f},
    {0.160885f, 0.071207f, -0.020867f, -0.004490f, 0.007132f},
    {-0.047149f, -0.020867f, 0.006115f, 0.001316f, -0.002090f},
    {-0.010146f, -0.004490f, 0.001316f, 0.000283f, -0.000450f},
    {0.016114f, 0.007132f, -0.002090f, -0.000450f, 0.000714f},
};

/* Wang's exponents of l, c and s per scale (l counts at the coarsest scale only). */
static const float EXP_L[SCALES] = {0.0f, 0.0f, 0.0f, 0.0f, 0.1333f};
static const float EXP_CS[SCALES] = {0.0448f, 0.2856f, 0.3001f, 0.2363f, 0.1333f};

int vn_float_ms_ssim_min_side(void) { return MIN_SIDE; }

/* Mirror index i into [0, n): -1 -> 0, n -> n - 1 (one reflection; a clamp is the last
 * guard). */
static inline int mirror(int i, int n)
{
    if (i < 0)
        i = -1 - i;
    else if (i >= n)
        i = 2 * n - 1 - i;
    return i < 0 ? 0 : (i >= n ? n - 1 : i);
}

/* Step 3: src (w x h, rows w floats apart) into dst (sw x sh); the outputs whose taps all lie
 * inside their rows run in the kernel, the others here with mirrored columns. */
static void lowpass_decimate(const vn_ssim_kernels *kern, const float *restrict src, int w, int h,
                             float *restrict dst, int sw, int sh)
{
    float k[LPF_TAPS * LPF_TAPS];
    for (int v = 0; v < LPF_TAPS; v++)
        for (int u = 0; u < LPF_TAPS; u++)
            k[LPF_TAPS * v + u] = LPF_QUADRANT[abs(v - LPF_REACH)][abs(u - LPF_REACH)];
    /* inside: 2x - 4 >= 0 and 2x + 4 <= w - 1 */
    const int xa = (LPF_REACH + 1) / 2;
    int xb = (w - 1 - LPF_REACH) / 2 + 1;
    if (xb > sw)
        xb = sw;
    if (xb < xa)
        xb = xa;
    for (int y = 0; y < sh; y++) {
        const float *rows[LPF_TAPS];
        for (int v = 0; v < LPF_TAPS; v++)
            rows[v] = src + (size_t)mirror(2 * y - LPF_REACH + v, h) * (size_t)w;
        float *out = dst + (size_t)y * (size_t)sw;
        kern->lpf(rows, k, xa, xb, out);
        for (int x = 0; x < sw; x++) {
            if (x == xa)
                x = xb;
            if (x >= sw)
                break;
            const int x0 = 2 * x - LPF_REACH;
            double sum = 0.0;
            for (int v = 0; v < LPF_TAPS; v++) {
                const float *row = rows[v];
                const float *kv = k + LPF_TAPS * v;
                for (int u = 0; u < LPF_TAPS; u++) {
                    const float prod = row[mirror(x0 + u, w)] * kv[u];
                    sum += (double)prod;
                }
            }
            out[x] = (float)sum;
        }
    }
}

int vn_float_ms_ssim(const void *ref, const void *dis, int width, int height,
                     ptrdiff_t stride_ref, ptrdiff_t stride_dis, int bitdepth, int simd,
                     double *out)
{
    if (!ref || !dis || !out || width < 1 || height < 1 ||
        (bitdepth != 8 && bitdepth != 10 && bitdepth != 12 && bitdepth != 16) ||
        !vn_stride_ok(stride_ref, width, bitdepth) || !vn_stride_ok(stride_dis, width, bitdepth) ||
        (bitdepth > 8 && (((uintptr_t)ref | (uintptr_t)dis) & 1)))
        return VN_EINVAL;
    /* step 2: halved four times (rounding down), each side keeps the window's 11 samples */
    for (int k = 0, w = width, h = height; k < SCALES; k++, w /= 2, h /= 2)
        if (w < VN_SSIM_TAPS || h < VN_SSIM_TAPS)
            return VN_EINVAL;
    const vn_kernels *kt;
    int rc = vn_select(simd, &kt);
    if (rc != VN_OK)
        return rc;
    /* every scale's two planes in one allocation; scale k + 1 is (w + 1) / 2 by (h + 1) / 2 */
    int ws[SCALES], hs[SCALES];
    size_t at[SCALES + 1];
    at[0] = 0;
    for (int k = 0; k < SCALES; k++) {
        ws[k] = k ? ws[k - 1] / 2 + (ws[k - 1] & 1) : width;
        hs[k] = k ? hs[k - 1] / 2 + (hs[k - 1] & 1) : height;
        at[k + 1] = at[k] + (size_t)ws[k] * (size_t)hs[k];
    }
    float *buf = malloc(2 * at[SCALES] * sizeof(float));
    if (!buf)
        return VN_ENOMEM;
    float *r = buf, *d = buf + at[SCALES];
    for (int y = 0; y < height; y++) {
        vn_ssim_row_to_float(ref, width, y, stride_ref, bitdepth, r + (size_t)y * (size_t)width);
        vn_ssim_row_to_float(dis, width, y, stride_dis, bitdepth, d + (size_t)y * (size_t)width);
    }
    for (int k = 1; k < SCALES; k++) {
        lowpass_decimate(kt->ssim, r + at[k - 1], ws[k - 1], hs[k - 1], r + at[k], ws[k], hs[k]);
        lowpass_decimate(kt->ssim, d + at[k - 1], ws[k - 1], hs[k - 1], d + at[k], ws[k], hs[k]);
    }
    double ms = 1.0;
    for (int k = 0; k < SCALES && rc == VN_OK; k++) {
        double s4[4];
        rc = vn_ssim_float_planes(r + at[k], d + at[k], ws[k], hs[k], kt->ssim, s4);
        if (rc != VN_OK)
            break;
        /* the means are floats held in doubles: the powers take them as they are */
        const double l = s4[1], c = s4[2], s = s4[3];
        ms *= pow(l, (double)EXP_L[k]) * pow(c, (double)EXP_CS[k]) * pow(s, (double)EXP_CS[k]);
        out[1 + k] = l;
        out[1 + SCALES + k] = c;
        out[1 + 2 * SCALES + k] = s;
        if (ms == (double)INFINITY)
            rc = VN_EINVAL;
    }
    if (rc == VN_OK)
        out[0] = ms;
    free(buf);
    return rc;
}
