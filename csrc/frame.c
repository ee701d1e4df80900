/* Native engine: one frame's motion SAD, ADM, VIF, PSNR, SSIM and MS-SSIM in one call (and a batch of frames
 * in one call), so frames cost one crossing from Python and one release of the interpreter lock. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "adm.h"
#include "frame.h"
#include "motion.h"
#include "ms_ssim.h"
#include "psnr.h"
#include "ssim.h"
#include "vif.h"
#include "vn_internal.h"

enum { VN_FRAME_METRICS = 26 };

int vn_frame_metric_outputs(void) { return VN_FRAME_METRICS; }

/* PSNR of the planes metrics ask for, then float SSIM, then MS-SSIM, into
 * out[0 .. VN_FRAME_METRICS). */
static int frame_metrics(const vn_metrics *m, const void *ref, const void *dis, int width,
                         int height, ptrdiff_t stride, int bitdepth, int simd,
                         const void *const *chroma, double *out)
{
    if (m->psnr_planes != 0 && m->psnr_planes != 1 && m->psnr_planes != 3)
        return VN_EINVAL;
    if (m->psnr_planes == 3 && !chroma)
        return VN_EINVAL;
    for (int p = 0; p < m->psnr_planes; p++) {
        const void *r = p ? chroma[p - 1] : ref;
        const void *d = p ? chroma[p + 1] : dis;
        const int w = p ? m->chroma_width : width, h = p ? m->chroma_height : height;
        const ptrdiff_t s = p ? m->chroma_stride : stride;
        uint64_t sse;
        int rc = vn_psnr_sse(r, d, w, h, s, s, bitdepth, &sse);
        if (rc == VN_OK)
            rc = vn_psnr_from_sse(sse, w, h, m->psnr_peak_sq, m->psnr_max[p], out + p, out + 3 + p);
        if (rc != VN_OK)
            return rc;
    }
    if (m->ssim) {
        const int rc = vn_float_ssim(ref, dis, width, height, stride, stride, bitdepth,
                                     m->ssim_scale, simd, out + 6);
        if (rc != VN_OK)
            return rc;
    }
    if (m->ms_ssim)
        return vn_float_ms_ssim(ref, dis, width, height, stride, stride, bitdepth, simd, out + 10);
    return VN_OK;
}

int vn_frame(const void *prev, const void *ref, const void *dis, int width, int height,
             ptrdiff_t stride, int bitdepth, const double *vif_limits, int n_vif,
             const double *adm_limits, int n_adm, int lanes, int simd, int features,
             const vn_metrics *metrics, const void *const *chroma, double *out, size_t out_len)
{
    if (!ref || !dis || !out || n_vif < 0 || n_adm < 0 || n_vif > VN_MAX_GAIN_LIMITS ||
        n_adm > VN_MAX_GAIN_LIMITS)
        return VN_EINVAL;
    const size_t n_a = (size_t)n_adm * (size_t)vn_adm_outputs_per_limit();
    const size_t sad = n_a + 8 * (size_t)n_vif;
    const size_t need = sad + 1 + (metrics ? VN_FRAME_METRICS : 0);
    if (out_len < need)
        return VN_EINVAL;
    for (size_t i = 0; i < need; i++)
        out[i] = NAN;
    int rc;
    if (prev) {
        rc = vn_motion_sad(prev, ref, width, height, stride, stride, bitdepth, simd, out + sad);
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
    if (metrics)
        return frame_metrics(metrics, ref, dis, width, height, stride, bitdepth, simd, chroma,
                             out + sad + 1);
    return VN_OK;
}

int vn_frames(int n, const void *const *prev, const void *const *ref, const void *const *dis,
              const int *features, int width, int height, ptrdiff_t stride, int bitdepth,
              const double *vif_limits, int n_vif, const double *adm_limits, int n_adm, int lanes,
              int simd, const vn_metrics *metrics, const void *const *chroma, double *out,
              size_t out_len)
{
    if (n < 0 || !prev || !ref || !dis || !features || !out)
        return VN_EINVAL;
    for (int i = 0; i < n; i++) {
        const int rc =
            vn_frame(prev[i], ref[i], dis[i], width, height, stride, bitdepth, vif_limits, n_vif,
                     adm_limits, n_adm, lanes, simd, features[i], metrics,
                     chroma ? chroma + 4 * (size_t)i : NULL, out + (size_t)i * out_len, out_len);
        if (rc)
            return rc;
    }
    return VN_OK;
}

int vn_frames_many(int n, int n_dis, const void *const *prev, const void *const *ref,
                   const void *const *dis, const int *features, int width, int height,
                   ptrdiff_t stride, int bitdepth, const double *vif_limits, int n_vif,
                   const double *adm_limits, int n_adm, int lanes, int simd,
                   const vn_metrics *metrics, const void *const *chroma, double *out,
                   size_t out_len)
{
    if (n < 0 || n_dis < 1 || !prev || !ref || !dis || !features || !out || n_vif < 0 ||
        n_adm < 0 || n_vif > VN_MAX_GAIN_LIMITS || n_adm > VN_MAX_GAIN_LIMITS)
        return VN_EINVAL;
    const size_t n_a = (size_t)n_adm * (size_t)vn_adm_outputs_per_limit();
    const size_t sad = n_a + 8 * (size_t)n_vif;
    const size_t need = sad + 1 + (metrics ? VN_FRAME_METRICS : 0);
    if (out_len < need)
        return VN_EINVAL;
    const size_t per = 4 * (size_t)(n_vif ? n_vif : 1);
    double *scores = malloc(sizeof(double) * per * (size_t)n_dis);
    int64_t *capped = malloc(sizeof(int64_t) * per * (size_t)n_dis);
    if (!scores || !capped) {
        free(scores);
        free(capped);
        return VN_ENOMEM;
    }
    int rc = VN_OK;
    for (int f = 0; f < n && rc == VN_OK; f++) {
        const void *const *d = dis + (size_t)f * n_dis;
        double *rows = out + (size_t)f * n_dis * out_len;
        if (!ref[f]) {
            rc = VN_EINVAL;
            break;
        }
        for (int i = 0; i < n_dis; i++) {
            if (!d[i]) {
                rc = VN_EINVAL;
                break;
            }
            for (size_t k = 0; k < need; k++)
                rows[(size_t)i * out_len + k] = NAN;
        }
        if (rc != VN_OK)
            break;
        if (prev[f]) {
            double v;
            rc = vn_motion_sad(prev[f], ref[f], width, height, stride, stride, bitdepth, simd, &v);
            for (int i = 0; i < n_dis && rc == VN_OK; i++)
                rows[(size_t)i * out_len + sad] = v;
        }
        if (rc != VN_OK || !features[f])
            continue;
        if (n_adm)
            rc = vn_adm_many(ref[f], d, n_dis, stride, width, height, bitdepth, adm_limits, n_adm,
                             lanes, simd, rows, out_len);
        if (rc == VN_OK && n_vif) {
            int64_t locations[4];
            rc = vn_vif_many(ref[f], d, n_dis, width, height, stride, bitdepth, vif_limits, n_vif,
                             simd, scores, capped, locations);
            for (int i = 0; i < n_dis && rc == VN_OK; i++) {
                double *row = rows + (size_t)i * out_len + n_a;
                for (size_t k = 0; k < 4 * (size_t)n_vif; k++) {
                    row[k] = scores[(size_t)i * per + k];
                    row[4 * (size_t)n_vif + k] = (double)capped[(size_t)i * per + k];
                }
            }
        }
        for (int i = 0; i < n_dis && rc == VN_OK && metrics; i++)
            rc = frame_metrics(metrics, ref[f], d[i], width, height, stride, bitdepth, simd,
                               chroma ? chroma + 4 * ((size_t)f * n_dis + i) : NULL,
                               rows + (size_t)i * out_len + sad + 1);
    }
    free(scores);
    free(capped);
    return rc;
}
