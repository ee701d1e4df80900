/* Native engine: one frame's motion SAD, ADM and VIF in one call (and a batch of frames in
 * one call), so frames cost one crossing from Python and one release of the interpreter lock. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "adm.h"
#include "frame.h"
#include "motion.h"
#include "vif.h"
#include "vn_internal.h"

int vn_frame(const void *prev, const void *ref, const void *dis, int width, int height,
             ptrdiff_t stride, int bitdepth, const double *vif_limits, int n_vif,
             const double *adm_limits, int n_adm, int lanes, int simd, int features, double *out,
             size_t out_len)
{
    if (!ref || !dis || !out || n_vif < 0 || n_adm < 0 || n_vif > VN_MAX_GAIN_LIMITS ||
        n_adm > VN_MAX_GAIN_LIMITS)
        return VN_EINVAL;
    const size_t n_a = (size_t)n_adm * (size_t)vn_adm_outputs_per_limit();
    const size_t need = n_a + 8 * (size_t)n_vif + 1;
    if (out_len < need)
        return VN_EINVAL;
    for (size_t i = 0; i < need; i++)
        out[i] = NAN;
    int rc;
    if (prev) {
        rc =
            vn_motion_sad(prev, ref, width, height, stride, stride, bitdepth, simd, out + need - 1);
        if (rc)
            return rc;
    }
    if (!features)
        return VN_OK;
    if (n_adm) {
        rc = vn_adm_multi(ref, dis, stride, width, height, bitdepth, adm_limits, n_adm, lanes, simd,
                          out, n_a);
        if (rc)
            return rc;
    }
    if (n_vif) {
        int64_t capped[4 * VN_MAX_GAIN_LIMITS], locations[4];
        rc = vn_vif(ref, dis, width, height, stride, stride, bitdepth, vif_limits, n_vif, simd,
                    out + n_a, capped, locations);
        if (rc)
            return rc;
        for (int i = 0; i < 4 * n_vif; i++)
            out[n_a + 4 * (size_t)n_vif + i] = (double)capped[i];
    }
    return VN_OK;
}

int vn_frames(int n, const void *const *prev, const void *const *ref, const void *const *dis,
              const int *features, int width, int height, ptrdiff_t stride, int bitdepth,
              const double *vif_limits, int n_vif, const double *adm_limits, int n_adm, int lanes,
              int simd, double *out, size_t out_len)
{
    if (n < 0 || !prev || !ref || !dis || !features || !out)
        return VN_EINVAL;
    for (int i = 0; i < n; i++) {
        const int rc = vn_frame(prev[i], ref[i], dis[i], width, height, stride, bitdepth,
                                vif_limits, n_vif, adm_limits, n_adm, lanes, simd, features[i],
                                out + (size_t)i * out_len, out_len);
        if (rc)
            return rc;
    }
    return VN_OK;
}
