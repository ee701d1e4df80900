/* Internal declarations of the native VIF: row kernels compiled once per SIMD level. */
#ifndef VN_VIF_INTERNAL_H
#define VN_VIF_INTERNAL_H

#include <stdint.h>

#include "vn_internal.h"

#define VN_VIF_SIGMA_NSQ 131072
#define VN_VIF_LOG_SIGMA_NSQ (2048 * 17)

/* 2048 * log2(i) rounded, for i in [32767, 65535] (0 below); filled once at load. */
extern int32_t vn_vif_log2[65536];

/* Fills vn_vif_log2 (engine.c calls it once, at load). */
void vn_vif_init(void);

/* Sums of the per-location statistic over one scale. */
typedef struct {
    int64_t den_log, num_nonlog, den_nonlog;
    int64_t num_log[VN_MAX_GAIN_LIMITS];
    int64_t capped[VN_MAX_GAIN_LIMITS];
} vn_vif_acc;

typedef struct vn_vif_kernels {
    /* Vertical moments of one output row (mu_a, mu_b, aa, bb, ab), from the rows of the
     * filter's support: 8-bit scale 0, and 16-bit samples by scale (17, 9, 5, 3 taps) with
     * the shifts q1 (means) and q2 (second moments). */
    void (*vmom8)(const uint8_t *const *ra, const uint8_t *const *rb, int w, uint32_t *oa,
                  uint32_t *ob, uint32_t *oaa, uint32_t *obb, uint32_t *oab);
    void (*vmom16[4])(const uint16_t *const *ra, const uint16_t *const *rb, int w, int q1, int q2,
                      uint32_t *oa, uint32_t *ob, uint32_t *oaa, uint32_t *obb, uint32_t *oab);
    /* Horizontal moments of a row padded by the filter's radius each side, by scale. */
    void (*hmom[4])(const uint32_t *va, const uint32_t *vb, const uint32_t *vaa,
                    const uint32_t *vbb, const uint32_t *vab, int w, uint32_t *oa, uint32_t *ob,
                    uint32_t *oaa, uint32_t *obb, uint32_t *oab);
    /* Decimation filter, by destination scale (1..3; [0] unused): vertical pass (8-bit input
     * for scale 1 only), then the horizontal pass keeping even columns. */
    void (*dvert8)(const uint8_t *const *r, int w, int q, uint16_t *out);
    void (*dvert16[4])(const uint16_t *const *r, int w, int q, uint16_t *out);
    void (*dhor[4])(const uint16_t *v, int w, uint32_t *tmp, uint16_t *out);
    /* Moments of one row -> sigma1^2, sigma2^2, sigma12. */
    void (*sigmas)(const uint32_t *ma, const uint32_t *mb, const uint32_t *aa, const uint32_t *bb,
                   const uint32_t *ab, int w, int32_t *s1, int32_t *s2, int32_t *s12);
    /* The per-location statistic of one row for ne gain limits, added to acc. */
    void (*stat)(const int32_t *s1, const int32_t *s2, const int32_t *s12, int w, const double *egl,
                 int ne, vn_vif_acc *acc);
    /* 8-bit scale 0 from the rows of the filter's support to sigma1^2, sigma2^2, sigma12 in one
     * call (vmom8, padding, hmom[0] and sigmas' values), through d: 8 rows of ds >= w + 48
     * int16 (set before the first call); s1, s2, s12 need w + 16 entries. NULL where a level
     * has none (the separate kernels run). */
    void (*mom8_sig)(const uint8_t *const *ra, const uint8_t *const *rb, int w, int16_t *d,
                     ptrdiff_t ds, int32_t *s1, int32_t *s2, int32_t *s12);
    /* The same for 16-bit samples by scale, with the shifts of scales 1 to 3 (q1 = q2 = 16):
     * vmom16[s], padding, hmom[s] and sigmas' values. NULL where a level or scale has none. */
    void (*mom16_sig[4])(const uint16_t *const *ra, const uint16_t *const *rb, int w, int16_t *d,
                         ptrdiff_t ds, int32_t *s1, int32_t *s2, int32_t *s12);
} vn_vif_kernels;

/* Kernels for one reference against several distorted planes (vif_share_kernels.inc):
 * one moment a pass for the reference: vertical mean (8-bit scale 0, and 16-bit samples by scale)
 * with shift q, vertical second moment of two planes (equal pointers: the square) with shift q2
 * (16-bit), and the horizontal mean and second moment of a row padded by the filter's radius each
 * side. */
typedef struct vn_vif_share_kernels {
    void (*vsum8)(const uint8_t *const *r, int w, int q, uint32_t *o);
    void (*vprod8)(const uint8_t *const *ra, const uint8_t *const *rb, int w, uint32_t *o);
    void (*vsum16[4])(const uint16_t *const *r, int w, int q, uint32_t *o);
    void (*vprod16[4])(const uint16_t *const *ra, const uint16_t *const *rb, int w, int q2,
                       uint32_t *o);
    void (*hsum[4])(const uint32_t *v, int w, uint32_t *o);
    void (*hprod[4])(const uint32_t *v, int w, uint32_t *o);
    /* A distorted plane's three moments in one pass (mean; second moment; cross moment with
     * the reference), vertically (8-bit scale 0, 16-bit by scale) and horizontally. */
    void (*vdis8)(const uint8_t *const *ra, const uint8_t *const *rb, int w, int q1, int q2,
                  uint32_t *ob, uint32_t *obb, uint32_t *oab);
    void (*vdis16[4])(const uint16_t *const *ra, const uint16_t *const *rb, int w, int q1, int q2,
                      uint32_t *ob, uint32_t *obb, uint32_t *oab);
    void (*hdis[4])(const uint32_t *vb, const uint32_t *vbb, const uint32_t *vab, int w,
                    uint32_t *ob, uint32_t *obb, uint32_t *oab);
} vn_vif_share_kernels;

/* Scratch of the VIF drivers (vif.c, vif_many.c). */
struct vn_vif_work {
    uint32_t *v[5]; /* vertical moments, padded rows of w + 16 */
    uint32_t *m[5]; /* horizontal moments, rows of w */
    int32_t *s[3];  /* sigma1^2, sigma2^2, sigma12 */
    uint16_t *drow; /* decimation row, padded */
    int16_t *d;     /* mom8_sig's rows: 8 of dstride, zeroed */
    ptrdiff_t dstride;
};

/* 1 if a plane's pointer, size (at least 16x16), stride and alignment suit VIF at this bit
 * depth (8..16). */
int vn_vif_plane_ok(const void *plane, int width, int height, ptrdiff_t stride, int bitdepth);

/* 1 if the gain limits (1 .. VN_MAX_GAIN_LIMITS values in [1, 100]) and output pointers
 * are valid. */
int vn_vif_args_ok(const double *gain_limits, int n_limits, const double *scores,
                   const int64_t *capped, const int64_t *locations);

/* Allocates wk's rows for planes up to rowlen - 16 samples wide (rowlen = width + 16):
 * VN_OK or VN_ENOMEM (then nothing is left allocated). */
int vn_vif_work_alloc(struct vn_vif_work *wk, size_t rowlen);

/* Frees what vn_vif_work_alloc allocated. */
void vn_vif_work_free(struct vn_vif_work *wk);

/* Filters one plane with scale dst's decimation filter and keeps even rows and columns
 * (w / 2 by h / 2 samples into out). plane is uint8 (is8) or uint16, stride in samples; q the
 * vertical shift. Uses wk->drow and wk->m[0]. */
void vn_vif_decimate(const vn_vif_kernels *kn, int dst, const void *src, int is8, int w, int h,
                     int64_t stride, int q, uint16_t *out, struct vn_vif_work *wk);

/* Scale s's scores (scores[e * 4 + s]) and capped counts from its sums, for n_limits limits. */
void vn_vif_finish_scale(const vn_vif_acc *acc, int s, int n_limits, double *scores,
                         int64_t *capped);

/* Mirrors r samples each side of the row p[r .. r + w - 1]. */
void vn_vif_pad_u32(uint32_t *p, int w, int r);

#endif
