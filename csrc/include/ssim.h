/* Native engine: libvmaf 3.2.0 float SSIM of one luma pair (cffi cdef: plain declarations
 * only).
 *
 * vn_float_ssim computes libvmaf's "float_ssim" feature: samples as floats (divided by
 * 4, 16 or 256 above 8 bits), both planes averaged down by `scale` (0: libvmaf's
 * automatic max(1, round(min(w, h) / 256))), the 11x11 Gaussian window over the region it
 * fits, float32 moments, and the mean of l * c * s in doubles rounded to a float.
 *   ref, dis       uint8_t (bitdepth 8) or uint16_t samples (bitdepth 10, 12, 16)
 *   width/height   luma size, each >= 1; strides in bytes (>= width samples; even for
 *                  uint16 samples)
 *   scale          0 (automatic) or 1..10
 *   out            4 doubles: ssim, and the means of l, c and s
 * Returns VN_OK, VN_EINVAL for bad arguments or a plane too small for the window after
 * scaling (fewer than 11 samples a side), VN_ENOMEM, or VN_EINVAL / VN_ENOTSUP for a SIMD
 * level (simd: VN_SIMD_BEST or a level) that does not exist or this CPU cannot run (enum
 * vn_status). Every level gives the same values: libvmaf has one code path for it
 * (docs/internals-metrics.md).
 */
int vn_float_ssim(const void *ref, const void *dis, int width, int height, ptrdiff_t stride_ref,
                  ptrdiff_t stride_dis, int bitdepth, int scale, int simd, double *out);

/* The scale vn_float_ssim uses for a width x height plane when asked for 0 (automatic). */
int vn_float_ssim_auto_scale(int width, int height);
