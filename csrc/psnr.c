/* libvmaf 3.2.0 "psnr" extractor: sum of squared differences and PSNR of one plane.
 *
 * Specification (docs/internals-metrics.md): 8-bit planes sum e*e of each row in an
 * unsigned 32-bit total and add the rows in 64 bits; deeper planes add every e*e (an
 * unsigned 32-bit square of |e|) in 64 bits. mse = sse / (w h) in doubles; psnr =
 * min(10 log10(peak^2 / max(mse, 1e-16)), psnr_max). Integer sums are exact, so any
 * summation order gives the same sse.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "psnr.h"
#include "vn_internal.h"

static uint64_t sse8(const uint8_t *r, const uint8_t *d, int w, int h, ptrdiff_t sr, ptrdiff_t sd)
{
    uint64_t total = 0;
    for (int y = 0; y < h; y++, r += sr, d += sd) {
        uint32_t row = 0; /* wraps as libvmaf's does (only past 66051 samples a row) */
        for (int x = 0; x < w; x++) {
            const int32_t e = (int32_t)r[x] - (int32_t)d[x];
            row += (uint32_t)(e * e);
        }
        total += row;
    }
    return total;
}

/* sr, sd in samples */
static uint64_t sse16(const uint16_t *r, const uint16_t *d, int w, int h, ptrdiff_t sr,
                      ptrdiff_t sd)
{
    uint64_t total = 0;
    for (int y = 0; y < h; y++, r += sr, d += sd) {
        uint64_t row = 0;
        for (int x = 0; x < w; x++) {
            const uint32_t e = (uint32_t)(r[x] > d[x] ? r[x] - d[x] : d[x] - r[x]);
            row += (uint64_t)(e * e);
        }
        total += row;
    }
    return total;
}

int vn_psnr_sse(const void *ref, const void *dis, int width, int height, ptrdiff_t stride_ref,
                ptrdiff_t stride_dis, int bitdepth, uint64_t *sse)
{
    if (!ref || !dis || !sse || width < 1 || height < 1 || bitdepth < 8 || bitdepth > 16 ||
        !vn_stride_ok(stride_ref, width, bitdepth) || !vn_stride_ok(stride_dis, width, bitdepth))
        return VN_EINVAL;
    if (bitdepth == 8)
        *sse = sse8(ref, dis, width, height, stride_ref, stride_dis);
    else if (((uintptr_t)ref | (uintptr_t)dis) & 1)
        return VN_EINVAL;
    else
        *sse = sse16(ref, dis, width, height, stride_ref / 2, stride_dis / 2);
    return VN_OK;
}

int vn_psnr_from_sse(uint64_t sse, int width, int height, double peak_sq, double psnr_max,
                     double *psnr, double *mse)
{
    if (!psnr || !mse || width < 1 || height < 1)
        return VN_EINVAL;
    const double m = (double)sse / (double)((unsigned)width * (unsigned)height);
    const double p = 10. * log10(peak_sq / (m > 1e-16 ? m : 1e-16));
    *mse = m;
    *psnr = p < psnr_max ? p : psnr_max;
    return VN_OK;
}
