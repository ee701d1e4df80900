/* Native engine: libvmaf 3.2.0 integer motion SAD (cffi cdef: plain declarations only).
 *
 * vn_motion_sad blurs prev - cur (two reference luma planes) with the 5-tap filter and
 * returns in *sad the mean absolute blurred difference in 8-bit luma levels per pixel,
 * clamped to 10000 (libvmaf's VMAF_integer_feature_motion_sad_score of frame "cur").
 *   prev, cur    uint8_t (bitdepth 8) or uint16_t samples
 *   width/height >= 3; strides in bytes (>= width samples; even for uint16 samples)
 *   simd         SIMD level as for vn_vif
 * Returns VN_OK, VN_EINVAL, VN_ENOMEM or VN_ENOTSUP (enum vn_status).
 */
int vn_motion_sad(const void *prev, const void *cur, int width, int height, ptrdiff_t stride_prev,
                  ptrdiff_t stride_cur, int bitdepth, int simd, double *sad);
