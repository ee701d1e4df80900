/* libvmaf 3.2.0 integer motion: the blurred SAD of consecutive reference frames.
 *
 * Specification: pyvmafneg/engines/reference/_motion.py. D = prev - cur is filtered
 * with the mirrored 5-tap Q16 filter, vertically (y = (sum F*D + 2^(b-1)) >> b, an
 * arithmetic shift) then horizontally (v = (sum F*y + 2^15) >> 16); the SAD is
 * sum |v| / 256 / (w * h). motion2 and motion3 follow from the SADs in Python.
 */
#include <stdint.h>
#include <stdlib.h>

#include "motion.h"
#include "vn_internal.h"

static const int64_t F5[5] = {3571, 16004, 26386, 16004, 3571};

static inline int mirror5(int i, int n)
{
    if (i < 0)
        return -i;
    if (i >= n)
        return 2 * (n - 1) - i;
    return i;
}

/* Row kernels, compiled per SIMD level. Vertical sums fit int32 up to 15 bits per sample
 * (|sum F*D| < 65536 * 2^15); 16-bit samples use int64. Horizontal sums reach 2^32 in
 * magnitude and use int64 products of int32 values. */
#define VN_DEF_MOTION(S)                                                                        \
    static void mvert8##S(const uint8_t *const *p, const uint8_t *const *c, int w,              \
                          int32_t *restrict out)                                                \
    {                                                                                            \
        for (int x = 0; x < w; x++) {                                                            \
            int32_t s = 0;                                                                       \
            for (int k = 0; k < 5; k++)                                                          \
                s += (int32_t)F5[k] * ((int32_t)p[k][x] - (int32_t)c[k][x]);                     \
            out[x] = (s + 128) >> 8;                                                             \
        }                                                                                        \
    }                                                                                            \
    static void mvert16##S(const uint16_t *const *p, const uint16_t *const *c, int w, int b,    \
                           int32_t *restrict out)                                               \
    {                                                                                            \
        const int64_t rnd = (int64_t)1 << (b - 1);                                               \
        for (int x = 0; x < w; x++) {                                                            \
            int64_t s = 0;                                                                       \
            for (int k = 0; k < 5; k++)                                                          \
                s += F5[k] * ((int64_t)p[k][x] - (int64_t)c[k][x]);                              \
            out[x] = (int32_t)((s + rnd) >> b);                                                  \
        }                                                                                        \
    }                                                                                            \
    static int64_t mhor##S(const int32_t *row, int w)                                            \
    {                                                                                            \
        /* |row| < 2^16: with r = 256 * (r >> 8) + (r & 255), both tap sums fit int32 and      \
         * floor((256 A + B + 2^15) / 2^16) = (A + ((B + 2^15) >> 8)) >> 8 exactly. */           \
        int64_t total = 0;                                                                       \
        for (int x0 = 0; x0 < w; x0 += 4096) {                                                   \
            const int n = w - x0 < 4096 ? w - x0 : 4096;                                         \
            const int32_t *r = row + x0;                                                         \
            uint32_t acc = 0;                                                                    \
            for (int x = 0; x < n; x++) {                                                        \
                const int32_t a = 3571 * ((r[x] >> 8) + (r[x + 4] >> 8)) +                       \
                                  16004 * ((r[x + 1] >> 8) + (r[x + 3] >> 8)) +                  \
                                  26386 * (r[x + 2] >> 8);                                       \
                const int32_t b = 3571 * ((r[x] & 255) + (r[x + 4] & 255)) +                     \
                                  16004 * ((r[x + 1] & 255) + (r[x + 3] & 255)) +                \
                                  26386 * (r[x + 2] & 255);                                      \
                const int32_t v = (a + ((b + 32768) >> 8)) >> 8;                                 \
                acc += (uint32_t)(v < 0 ? -v : v);                                               \
            }                                                                                    \
            total += acc;                                                                        \
        }                                                                                        \
        return total;                                                                            \
    }

VN_DEF_MOTION(_c)
#if VN_X86
#pragma GCC push_options
#pragma GCC target("avx2")
VN_DEF_MOTION(_avx2)
#pragma GCC pop_options
#pragma GCC push_options
#pragma GCC target("avx2,avx512f,avx512bw,avx512dq,avx512vl")
VN_DEF_MOTION(_avx512)
#pragma GCC pop_options
#endif

typedef void (*mvert8_fn)(const uint8_t *const *, const uint8_t *const *, int, int32_t *);
typedef void (*mvert16_fn)(const uint16_t *const *, const uint16_t *const *, int, int, int32_t *);
typedef int64_t (*mhor_fn)(const int32_t *, int);
static const struct {
    mvert8_fn v8;
    mvert16_fn v16;
    mhor_fn h;
} MK[3] = {
    {mvert8_c, mvert16_c, mhor_c},
#if VN_X86
    {mvert8_avx2, mvert16_avx2, mhor_avx2},
    {mvert8_avx512, mvert16_avx512, mhor_avx512},
#endif
};

int vn_motion_sad(const void *prev, const void *cur, int width, int height, int64_t stride_prev,
                  int64_t stride_cur, int bitdepth, int level, double *sad)
{
    const int lv = vn_resolve_level(level);
    if (lv < 0)
        return lv;
    if (!prev || !cur || !sad || width < 3 || height < 3 || stride_prev < width ||
        stride_cur < width || bitdepth < 8 || bitdepth > 16)
        return VN_ERR_ARGS;
    int32_t *row = malloc(sizeof(int32_t) * ((size_t)width + 4));
    if (!row)
        return VN_ERR_NOMEM;
    const int is8 = bitdepth == 8;
    int64_t total = 0;
    for (int y = 0; y < height; y++) {
        const void *p[5], *c[5];
        for (int k = 0; k < 5; k++) {
            const int64_t r = mirror5(y + k - 2, height);
            if (is8) {
                p[k] = (const uint8_t *)prev + r * stride_prev;
                c[k] = (const uint8_t *)cur + r * stride_cur;
            } else {
                p[k] = (const uint16_t *)prev + r * stride_prev;
                c[k] = (const uint16_t *)cur + r * stride_cur;
            }
        }
        if (is8)
            MK[lv].v8((const uint8_t *const *)p, (const uint8_t *const *)c, width, row + 2);
        else
            MK[lv].v16((const uint16_t *const *)p, (const uint16_t *const *)c, width, bitdepth,
                       row + 2);
        row[1] = row[3];
        row[0] = row[4];
        row[width + 2] = row[width];
        row[width + 3] = row[width - 1];
        total += MK[lv].h(row, width);
    }
    free(row);
    const double v = (double)total / 256.0 / ((double)width * (double)height);
    *sad = v < 10000.0 ? v : 10000.0;
    return 0;
}
