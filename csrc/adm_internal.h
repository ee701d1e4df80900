/* Internal declarations of the native ADM: row kernels compiled once per instruction set. */
#ifndef VN_ADM_INTERNAL_H
#define VN_ADM_INTERNAL_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vn_internal.h"

#define VN_ADM_NOUT 11
#define VN_ADM_MIN_SIZE 33
#define VN_ADM_MAX_SIZE 32768

/* Wrap to int32 / int16 as a C cast of a wider integer does (two's complement). */
static inline int64_t vn_w32(int64_t x) { return (int32_t)(uint32_t)(uint64_t)x; }
static inline int32_t vn_w16(int32_t x) { return (int16_t)(uint16_t)(uint32_t)x; }

/* Restoration of one band row for one gain limit. */
typedef struct {
    double egl;      /* the gain limit */
    int32_t egl_int; /* egl when it is an integer, else 0 */
    /* Non-integer egl: coefficients [round_lo, round_hi) of the row given to the kernel
     * round rst * egl to nearest (ties to even), as libvmaf's vector decoupling does;
     * the others truncate it, as its C code does. */
    int round_lo, round_hi;
} vn_adm_limit;

/* Constants of one scale-0 band for the masking/pooling stage. */
typedef struct {
    int32_t irf[3];
    int csf_add[3], csf_shift[3], sub_shift[3], sq_shift[3], shift_c[3];
} vn_adm_s0_consts;

typedef struct {
    int64_t u32[3];
    int shift_c;
} vn_adm_s123_consts;

/* One ring row of the numerator stage: restored r and additive a for 3 bands,
 * over w + 2 columns (the pooled window plus one column each side, edges clamped). */
typedef struct {
    int32_t *r[3];
    int32_t *a[3];
    int64_t *flt_dlm;               /* sum over bands of the masking filter of a (DLM) */
    int64_t *flt_aim;               /* ... of r (AIM) */
    int32_t *flt32_dlm, *flt32_aim; /* the same in 32 bits (scale-0 fast path) */
} vn_adm_ring_row;

typedef struct vn_adm_kernels {
    /* Rows of the horizontal passes are padded: x[j] at p[j + 1], j = -1 .. n + 1, with the
     * wavelet's edge rule (p[0] = p[2], p[n + 1] = p[n], p[n + 2] = p[n - 1]); output i reads
     * p[2i .. 2i + 3]. */
    /* Scale-0 wavelet, 8-bit samples: vertical pass over 4 source rows into lo/hi (int32
     * arithmetic; every result fits int16, |x| <= 27411), and the horizontal pass of such a
     * padded int16 row (lo and hi outputs of half samples). */
    void (*dwt0_vert_u8)(const uint8_t *r0, const uint8_t *r1, const uint8_t *r2, const uint8_t *r3,
                         int n, int shift, int32_t add_lo, int32_t add_hi, int16_t *lo,
                         int16_t *hi);
    void (*dwt0_horiz16)(const int16_t *p, int half, int32_t *lo, int32_t *hi);
    /* Scale 0, 9- to 16-bit samples: the same in int32 rows. */
    void (*dwt0_vert_u16)(const uint16_t *r0, const uint16_t *r1, const uint16_t *r2,
                          const uint16_t *r3, int n, int shift, int32_t add_lo, int32_t add_hi,
                          int32_t *lo, int32_t *hi);
    void (*dwt0_horiz)(const int32_t *p, int half, int32_t *lo, int32_t *hi);
    /* Scales 1..3: int64 arithmetic, results wrapped to int32. */
    void (*dwt_vert64)(const int32_t *r0, const int32_t *r1, const int32_t *r2, const int32_t *r3,
                       int n, int shift, int64_t add, int32_t *lo, int32_t *hi);
    void (*dwt_horiz64)(const int32_t *p, int half, int shift, int64_t add, int32_t *lo,
                        int32_t *hi);
    /* Decoupling core of one row of the three bands: rst (k * o) and the cap mode
     * (0 none, 1 min(rst * egl, t) for o > 0, 2 max(...) for o < 0); flag: n ints of scratch. */
    void (*decouple)(int scale0, const int32_t *const o[3], const int32_t *const t[3], int n,
                     int32_t *const rst[3], int32_t *const mode[3], int32_t *flag);
    /* The same at scale 0 in 32-bit lanes, valid while |o|, |t| <= 32768; returns the
     * largest |o| or |t| seen so the caller can fall back to the general kernel. */
    int32_t (*decouple0)(const int32_t *const o[3], const int32_t *const t[3], int n,
                         int32_t *const rst[3], int32_t *const mode[3], int32_t *flag);
    /* Restoration of n coefficients of three bands at one limit; writes r and a = t - r.
     * Returns the number of coefficients where the limit bound (see adm.h) if count. */
    int64_t (*restore)(const vn_adm_limit *lim, const int32_t *const rst[3],
                       const int32_t *const t[3], const int32_t *const mode[3], int n,
                       int32_t *const r[3], int32_t *const a[3], int count);
    int64_t (*restore0)(const vn_adm_limit *lim, const int32_t *const rst[3],
                        const int32_t *const t[3], const int32_t *const mode[3], int n,
                        int32_t *const r[3], int32_t *const a[3], int count);
    /* Denominator row sums (scale 0; scales 1..3 with the square shift q and column shift sc). */
    int64_t (*den0_row)(const int32_t *o, int w);
    int64_t (*den123_row)(const int32_t *o, int w, int q, int sc);
    /* Masking filter sums of one ring row (flt_dlm from a, flt_aim from r), w2 columns. */
    void (*flt0)(const vn_adm_s0_consts *c, vn_adm_ring_row *row, int w2);
    void (*flt0_fast)(const vn_adm_s0_consts *c, vn_adm_ring_row *row, int w2);
    void (*flt123)(const vn_adm_s123_consts *c, vn_adm_ring_row *row, int w2);
    /* Pooled values of one window row (w columns): adds the row sums per band for DLM and AIM.
     * vec_lo/vec_hi: window columns [vec_lo, vec_hi) keep the centre term unwrapped. */
    void (*pool0)(const vn_adm_s0_consts *c, const vn_adm_ring_row *up, const vn_adm_ring_row *mid,
                  const vn_adm_ring_row *down, int w, int vec_lo, int vec_hi, int64_t sum_dlm[3],
                  int64_t sum_aim[3], int64_t *scratch);
    void (*pool0_fast)(const vn_adm_s0_consts *c, const vn_adm_ring_row *up,
                       const vn_adm_ring_row *mid, const vn_adm_ring_row *down, int w, int vec_lo,
                       int vec_hi, int64_t sum_dlm[3], int64_t sum_aim[3], int64_t *scratch);
    void (*pool123)(const vn_adm_s123_consts *c, const vn_adm_ring_row *up,
                    const vn_adm_ring_row *mid, const vn_adm_ring_row *down, int w,
                    int64_t sum_dlm[3], int64_t sum_aim[3], int64_t *scratch);
} vn_adm_kernels;

/* trunc(2^30 / m), m = 0 .. 32768 (0 at 0); filled once when the module loads. */
extern int32_t vn_adm_div_table[32769];

/* The wavelet's edge rule for row or column j of n: -1 -> 1, j >= n -> 2n - j - 1. */
static inline int vn_src(int j, int n) { return j < 0 ? -j : (j >= n ? 2 * n - j - 1 : j); }

/* Fills vn_adm_div_table (engine.c calls it once, at load). */
void vn_adm_init(void);

#endif
