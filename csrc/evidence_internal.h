/* Internal declarations of the frame evidence (evidence.c): row kernels compiled once per
 * SIMD level. Every kernel does float32 operations element by element in a fixed order (no
 * reassociation, no contraction), so every level gives the same bits. */
#ifndef VN_EVIDENCE_INTERNAL_H
#define VN_EVIDENCE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vn_internal.h"

typedef struct vn_evidence_kernels {
    /* out[x] = (float)src[x] * scale */
    void (*load8)(const uint8_t *src, int w, float scale, float *out);
    void (*load16)(const uint16_t *src, int w, float scale, float *out);
    /* out[x] = src[x] * src[x] */
    void (*square)(const float *src, int w, float *out);
    /* Horizontal binomial pass of a row of w >= 5 samples, the two columns past each edge
     * repeating it: out[x] = ((p[x-2] + p[x+2]) + (p[x-1] + p[x+1]) * 4) + p[x] * 6 */
    void (*hblur)(const float *p, int w, float *out);
    /* Vertical pass over five rows: out = (((r0 + r4) + (r1 + r3) * 4) + r2 * 6) / 256 */
    void (*vblur)(const float *const *r, int w, float *out);
    /* cur[x] -= blur[x] */
    void (*band)(float *cur, const float *blur, int w);
    /* Adds one row's sums to acc (rr, rd, dd over every location, where local >= top, where
     * local >= edge; products and sums in double, four lanes x % 4 added (l0 + l1) + (l2 + l3)
     * per row) and its structured and edge locations to cnt. */
    void (*sums)(const float *r, const float *d, const float *local, int w, double top, double edge,
                 double *acc, int64_t *cnt);
} vn_evidence_kernels;

#endif
