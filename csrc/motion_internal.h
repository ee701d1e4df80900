/* Internal declarations of the native motion SAD: row kernels compiled once per SIMD level. */
#ifndef VN_MOTION_INTERNAL_H
#define VN_MOTION_INTERNAL_H

#include <stdint.h>

#include "vn_internal.h"

typedef struct vn_motion_kernels {
    /* Vertical 5-tap blur of prev - cur over the five rows of the support: 8-bit samples,
     * and 9..16-bit samples with the rounding shift b (the bit depth). */
    void (*vert8)(const uint8_t *const *p, const uint8_t *const *c, int w, int32_t *out);
    void (*vert16)(const uint16_t *const *p, const uint16_t *const *c, int w, int b, int32_t *out);
    /* Horizontal 5-tap blur of a row padded by 2 mirrored columns each side: sum of |v|. */
    int64_t (*hor_sad)(const int32_t *row, int w);
} vn_motion_kernels;

#endif
