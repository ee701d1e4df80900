/* Internal declarations of the native float SSIM: the window's filter passes and the
 * per-position statistic, compiled once per SIMD level (ssim_kernels.inc). */
#ifndef VN_SSIM_INTERNAL_H
#define VN_SSIM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "vn_internal.h"

#if VN_X86
#include <xmmintrin.h> /* SSE: the baseline of x86-64 */
#endif

#define VN_SSIM_TAPS 11

/* The normalized sigma-1.5 Gaussian, each weight rounded to six decimals. */
__attribute__((unused)) static const float VN_SSIM_GAUSS[VN_SSIM_TAPS] = {
    0.001028f, 0.007599f, 0.036001f, 0.109361f, 0.213006f, 0.266012f,
    0.213006f, 0.109361f, 0.036001f, 0.007599f, 0.001028f
};

/* The five moments of one row of positions, in this order: mu_r, mu_d, E[r r], E[d d],
 * E[r d]. */
enum { VN_SSIM_MOMENTS = 5 };

typedef struct vn_ssim_kernels {
    /* Horizontal pass of one row: r and d hold n + 10 samples; out[k][x] (x < n) is moment
     * k's double sum over the 11 taps, in tap order, of float products (sample, or the float
     * product of two samples, times the weight), rounded to a float. */
    void (*hor)(const float *r, const float *d, int n, float *const *out);
    /* Vertical pass of one row of positions: rows[11 k + i] is moment k's horizontal row at
     * tap i; out[k][x] as for hor, over the rows. */
    void (*vert)(const float *const *rows, int n, float *const *out);
    /* The statistic of one row of positions (mom: the five moments' rows): per position l, c,
     * s and l c s as doubles, in pl, pc, ps, pp; sdv is scratch (n floats). */
    void (*stat)(const float *const *mom, int n, float c1, float c2, float c3, float *sdv,
                 double *pl, double *pc, double *ps, double *pp);
    /* MS-SSIM's low-pass decimation of one output row, away from the plane's left and right
     * edges: rows[v] (v < 9) is the source row 2y - 4 + v; out[x] for x0 <= x < x1 (every tap
     * 2x - 4 + u, u < 9, inside the row) is the double sum, rows then columns, of the float
     * products rows[v][2x - 4 + u] * k[9 v + u], rounded to a float. */
    void (*lpf)(const float *const *rows, const float *k, int x0, int x1, float *out);
} vn_ssim_kernels;

/* Step 1 of the float SSIM for row y of a plane (stride in bytes) into dst (w floats): samples
 * as floats, divided by 4, 16 or 256 above 8 bits. */
void vn_ssim_row_to_float(const void *src, int w, int y, ptrdiff_t stride, int bitdepth,
                          float *restrict dst);

/* Steps 3 to 5 of the float SSIM on a w x h pair of float planes (rows w floats apart; w, h
 * >= 11): out[0..3] = ssim and the means of l, c, s, each rounded to a float. */
int vn_ssim_float_planes(const float *ref, const float *dis, int w, int h,
                         const vn_ssim_kernels *kern, double *out);

#endif
