/* Native engine: one frame's motion SAD, ADM and VIF in one call (cffi cdef: plain
 * declarations only).
 *
 * vn_frame(prev, ref, dis, width, height, stride, bitdepth, vif_limits, n_vif, adm_limits,
 *          n_adm, lanes, simd, features, out, out_len)
 *   prev          previous reference plane (NULL: no motion SAD), same layout as ref.
 *   ref, dis      planes of width x height samples (uint8_t for 8-bit, else uint16_t), rows
 *                 `stride` bytes apart (one stride for all three planes).
 *   vif_limits    n_vif (0 .. VN_MAX_GAIN_LIMITS) VIF gain limits; adm_limits: n_adm
 *                 (0 .. VN_MAX_GAIN_LIMITS) ADM gain limits.
 *   lanes         as vn_adm_multi's; simd: SIMD level for every kernel (enum vn_simd).
 *   features      0: the motion SAD only (the other outputs are NaN).
 *   out           out_len >= n_adm * vn_adm_outputs_per_limit() + 8 * n_vif + 1 doubles:
 *                 vn_adm_multi's outputs, then vn_vif's scores (limit-major, 4 scales), then
 *                 its capped counts as doubles (same order), then the SAD (NaN without prev).
 * Returns 0 or the first failing call's error code (vn_motion_sad, vn_adm_multi, vn_vif).
 */
int vn_frame(const void *prev, const void *ref, const void *dis, int width, int height,
             ptrdiff_t stride, int bitdepth, const double *vif_limits, int n_vif,
             const double *adm_limits, int n_adm, int lanes, int simd, int features, double *out,
             size_t out_len);

/* vn_frame for n frames in one call: frame i reads prev[i] (may be NULL), ref[i], dis[i],
 * computes features when features[i] != 0 and writes row i of out (out_len doubles a row,
 * rows out_len apart). Returns 0 or the first error code; frames after a failing one are
 * not scored. */
int vn_frames(int n, const void *const *prev, const void *const *ref, const void *const *dis,
              const int *features, int width, int height, ptrdiff_t stride, int bitdepth,
              const double *vif_limits, int n_vif, const double *adm_limits, int n_adm, int lanes,
              int simd, double *out, size_t out_len);
