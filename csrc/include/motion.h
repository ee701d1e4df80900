/* Native engine: libvmaf 3.2.0 integer motion SAD (cffi cdef: plain declarations only).
 *
 * vn_motion_sad blurs prev - cur (two reference luma planes) with the 5-tap filter and
 * returns in *sad the mean absolute blurred difference in 8-bit luma levels per pixel,
 * clamped to 10000 (libvmaf's VMAF_integer_feature_motion_sad_score of frame "cur").
 *   prev, cur    uint8_t (bitdepth 8) or uint16_t samples
 *   width/height >= 3; strides in samples (>= width)
 *   level        kernel level as for vn_vif (-1 best available)
 * Returns 0, or a negative error code.
 */
int vn_motion_sad(const void *prev, const void *cur, int width, int height, int64_t stride_prev,
                  int64_t stride_cur, int bitdepth, int level, double *sad);
