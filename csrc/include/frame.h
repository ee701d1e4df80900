/* Native engine: one frame's motion SAD, ADM, VIF, PSNR, SSIM and MS-SSIM in one call (cffi cdef:
 * plain declarations only). */

/* The per-clip settings of the metrics computed beside VMAF's features (vn_frame's
 * `metrics`; NULL: none).
 *   psnr_planes    0: no PSNR; 1: luma; 3: luma, Cb and Cr (libvmaf's "psnr")
 *   psnr_peak_sq   the peak squared PSNR divides by (vn_psnr_from_sse)
 *   psnr_max       the PSNR ceiling of each plane
 *   ssim           1: libvmaf's "float_ssim" of the luma pair (vn_float_ssim)
 *   ssim_scale     its scale (0 automatic, 1..10)
 *   ms_ssim        1: libvmaf's "float_ms_ssim" of the luma pair (vn_float_ms_ssim)
 *   chroma_width, chroma_height, chroma_stride   the geometry of both chroma planes of
 *                  both frames (stride in bytes), when psnr_planes is 3
 */
typedef struct {
    int psnr_planes;
    double psnr_peak_sq;
    double psnr_max[3];
    int ssim;
    int ssim_scale;
    int chroma_width;
    int chroma_height;
    ptrdiff_t chroma_stride;
    int ms_ssim;
} vn_metrics;

/* Values vn_frame adds to a row when given metrics: psnr_y, psnr_cb, psnr_cr, mse_y,
 * mse_cb, mse_cr, then float_ssim and its l, c, s means, then float_ms_ssim and its means of
 * l, c and s at scales 0..4 (NaN where not computed). */
int vn_frame_metric_outputs(void);

/* One frame's features.
 *
 * vn_frame(prev, ref, dis, width, height, stride, bitdepth, vif_limits, n_vif, adm_limits,
 *          n_adm, lanes, simd, features, metrics, chroma, out, out_len)
 *   prev          previous reference plane (NULL: no motion SAD), same layout as ref.
 *   ref, dis      planes of width x height samples (uint8_t for 8-bit, else uint16_t), rows
 *                 `stride` bytes apart (one stride for all three planes).
 *   vif_limits    n_vif (0 .. VN_MAX_GAIN_LIMITS) VIF gain limits; adm_limits: n_adm
 *                 (0 .. VN_MAX_GAIN_LIMITS) ADM gain limits.
 *   lanes         as vn_adm_multi's; simd: SIMD level for every kernel (enum vn_simd).
 *   features      0: the motion SAD only (the other outputs are NaN).
 *   metrics       PSNR and SSIM settings, or NULL for none.
 *   chroma        with metrics->psnr_planes 3: four planes, reference Cb, Cr, distorted
 *                 Cb, Cr (metrics' chroma geometry); else ignored (may be NULL).
 *   out           out_len >= n_adm * vn_adm_outputs_per_limit() + 8 * n_vif + 1 (+
 *                 vn_frame_metric_outputs() with metrics) doubles: vn_adm_multi's outputs,
 *                 then vn_vif's scores (limit-major, 4 scales), then its capped counts as
 *                 doubles (same order), then the SAD (NaN without prev), then the metrics.
 * Returns 0 or the first failing call's error code (vn_motion_sad, vn_adm_multi, vn_vif,
 * vn_psnr_sse, vn_float_ssim).
 */
int vn_frame(const void *prev, const void *ref, const void *dis, int width, int height,
             ptrdiff_t stride, int bitdepth, const double *vif_limits, int n_vif,
             const double *adm_limits, int n_adm, int lanes, int simd, int features,
             const vn_metrics *metrics, const void *const *chroma, double *out, size_t out_len);

/* vn_frame for n frames in one call: frame i reads prev[i] (may be NULL), ref[i], dis[i],
 * computes features when features[i] != 0, takes chroma planes chroma[4 i .. 4 i + 3] (when
 * metrics ask for chroma) and writes row i of out (out_len doubles a row,
 * rows out_len apart). Returns 0 or the first error code; frames after a failing one are
 * not scored. */
int vn_frames(int n, const void *const *prev, const void *const *ref, const void *const *dis,
              const int *features, int width, int height, ptrdiff_t stride, int bitdepth,
              const double *vif_limits, int n_vif, const double *adm_limits, int n_adm, int lanes,
              int simd, const vn_metrics *metrics, const void *const *chroma, double *out,
              size_t out_len);

/* vn_frames with n_dis (>= 1) distorted frames scored against each reference frame, the
 * reference's share computed once a frame: motion (reference only), ADM's reference wavelet
 * decomposition (vn_adm_many), VIF's reference pyramid, mean and second moment (vn_vif_many).
 * Frame f reads prev[f] (may be NULL), ref[f] and dis[f * n_dis + i] for i < n_dis, computes
 * features when features[f] != 0, takes chroma planes chroma[4 (f * n_dis + i) .. + 3] (when
 * metrics ask for chroma), and writes row f * n_dis + i of out (out_len doubles a row, laid
 * out as vn_frame's), equal to vn_frame's on (prev[f], ref[f], dis[f * n_dis + i]). Every
 * distorted frame shares the reference's width, height, stride and bit depth. Returns 0 or the
 * first error code; frames after a failing one are not scored.
 */
int vn_frames_many(int n, int n_dis, const void *const *prev, const void *const *ref,
                   const void *const *dis, const int *features, int width, int height,
                   ptrdiff_t stride, int bitdepth, const double *vif_limits, int n_vif,
                   const double *adm_limits, int n_adm, int lanes, int simd,
                   const vn_metrics *metrics, const void *const *chroma, double *out,
                   size_t out_len);
