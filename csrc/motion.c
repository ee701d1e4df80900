/* libvmaf 3.2.0 integer motion: the blurred SAD of consecutive reference frames.
 *
 * Specification: pyvmafneg/engines/reference/_motion.py. D = prev - cur is filtered
 * with the mirrored 5-tap Q16 filter, vertically (y = (sum F*D + 2^(b-1)) >> b, an
 * arithmetic shift) then horizontally (v = (sum F*y + 2^15) >> 16); the SAD is
 * sum |v| / 256 / (w * h). motion2 and motion3 follow from the SADs in Python.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "motion.h"
#include "motion_internal.h"

int vn_motion_sad(const void *prev, const void *cur, int width, int height, ptrdiff_t stride_prev,
                  ptrdiff_t stride_cur, int bitdepth, int simd, double *sad)
{
    if (!prev || !cur || !sad || width < 3 || height < 3 || bitdepth < 8 || bitdepth > 16 ||
        !vn_stride_ok(stride_prev, width, bitdepth) || !vn_stride_ok(stride_cur, width, bitdepth))
        return VN_EINVAL;
    if (bitdepth > 8 && (((uintptr_t)prev | (uintptr_t)cur) & 1))
        return VN_EINVAL;
    const vn_kernels *ks;
    const int rc = vn_select(simd, &ks);
    if (rc != VN_OK)
        return rc;
    const vn_motion_kernels *mk = ks->motion;
    int32_t *row = malloc(sizeof(int32_t) * ((size_t)width + 4));
    if (!row)
        return VN_ENOMEM;
    /* rows are addressed in samples below */
    const ptrdiff_t sample = bitdepth == 8 ? 1 : 2;
    stride_prev /= sample;
    stride_cur /= sample;
    const int is8 = bitdepth == 8;
    int64_t total = 0;
    for (int y = 0; y < height; y++) {
        const void *p[5], *c[5];
        for (int k = 0; k < 5; k++) {
            const int64_t r = vn_mirror(y + k - 2, height);
            if (is8) {
                p[k] = (const uint8_t *)prev + r * stride_prev;
                c[k] = (const uint8_t *)cur + r * stride_cur;
            } else {
                p[k] = (const uint16_t *)prev + r * stride_prev;
                c[k] = (const uint16_t *)cur + r * stride_cur;
            }
        }
        if (is8)
            mk->vert8((const uint8_t *const *)p, (const uint8_t *const *)c, width, row + 2);
        else
            mk->vert16((const uint16_t *const *)p, (const uint16_t *const *)c, width, bitdepth,
                       row + 2);
        row[1] = row[3];
        row[0] = row[4];
        row[width + 2] = row[width];
        row[width + 3] = row[width - 1];
        total += mk->hor_sad(row, width);
    }
    free(row);
    const double v = (double)total / 256.0 / ((double)width * (double)height);
    *sad = v < 10000.0 ? v : 10000.0;
    return VN_OK;
}
