/* Native engine: libvmaf 3.2.0 multi-scale SSIM of one luma pair (cffi cdef: plain declarations
 * only).
 *
 * vn_float_ms_ssim computes libvmaf's "float_ms_ssim" feature: samples as floats (divided by
 * 4, 16 or 256 above 8 bits), five scales, each after the first low-passed with a 9x9 filter
 * and decimated by two; the float SSIM's l, c and s means at every scale, combined with
 * Wang's exponents (docs/internals-metrics.md, "MS-SSIM").
 *   ref, dis       uint8_t (bitdepth 8) or uint16_t samples (bitdepth 10, 12, 16)
 *   width/height   luma size, each >= 176 (libvmaf refuses smaller planes); strides in bytes
 *                  (>= width samples; even for uint16 samples)
 *   out            16 doubles: ms-ssim, then the means of l at scales 0..4, of c, of s
 * Returns VN_OK, VN_EINVAL for bad arguments or a plane too small, VN_ENOMEM, or VN_EINVAL /
 * VN_ENOTSUP for a SIMD level (simd: VN_SIMD_BEST or a level) that does not exist or this CPU
 * cannot run (enum vn_status). Every level gives the same values.
 */
int vn_float_ms_ssim(const void *ref, const void *dis, int width, int height,
                     ptrdiff_t stride_ref, ptrdiff_t stride_dis, int bitdepth, int simd,
                     double *out);

/* The smallest width and height vn_float_ms_ssim takes (176). */
int vn_float_ms_ssim_min_side(void);
