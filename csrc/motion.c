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

#define VN_DEF_MVERT(T, TN)                                                                     \
    static void mvert_##TN(const T *const *p, const T *const *c, int w, int b,                  \
                           int64_t *restrict out)                                               \
    {                                                                                            \
        const int64_t rnd = (int64_t)1 << (b - 1);                                               \
        for (int x = 0; x < w; x++) {                                                            \
            int64_t s = 0;                                                                       \
            for (int k = 0; k < 5; k++)                                                          \
                s += F5[k] * ((int64_t)p[k][x] - (int64_t)c[k][x]);                              \
            out[x] = (s + rnd) >> b;                                                             \
        }                                                                                        \
    }
VN_DEF_MVERT(uint8_t, u8)
VN_DEF_MVERT(uint16_t, u16)

int vn_motion_sad(const void *prev, const void *cur, int width, int height, int64_t stride_prev,
                  int64_t stride_cur, int bitdepth, double *sad)
{
    if (!prev || !cur || !sad || width < 3 || height < 3 || stride_prev < width ||
        stride_cur < width || bitdepth < 8 || bitdepth > 16)
        return VN_ERR_ARGS;
    int64_t *row = malloc(sizeof(int64_t) * ((size_t)width + 4));
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
            mvert_u8((const uint8_t *const *)p, (const uint8_t *const *)c, width, bitdepth,
                     row + 2);
        else
            mvert_u16((const uint16_t *const *)p, (const uint16_t *const *)c, width, bitdepth,
                      row + 2);
        row[1] = row[3];
        row[0] = row[4];
        row[width + 2] = row[width];
        row[width + 3] = row[width - 1];
        int64_t acc = 0;
        for (int x = 0; x < width; x++) {
            int64_t s = 0;
            for (int k = 0; k < 5; k++)
                s += F5[k] * row[x + k];
            const int64_t v = (s + 32768) >> 16;
            acc += v < 0 ? -v : v;
        }
        total += acc;
    }
    free(row);
    const double v = (double)total / 256.0 / ((double)width * (double)height);
    *sad = v < 10000.0 ? v : 10000.0;
    return 0;
}
