/* Native engine: libvmaf 3.2.0 integer VIF (cffi cdef: plain declarations only).
 *
 * vn_vif scores the four VIF scales of one luma pair for n_limits enhancement
 * gain limits from one filtering pass.
 *   ref, dis     first sample of each plane: uint8_t (bitdepth 8) or uint16_t
 *   width/height luma size in samples, both >= 16
 *   stride_ref, stride_dis  distance between rows in bytes (>= width samples; even for
 *                uint16 samples)
 *   gain_limits  n_limits (1 .. VN_MAX_GAIN_LIMITS) values in [1, 100]
 *   simd         SIMD level (enum vn_simd; VN_SIMD_BEST = -1 the best this CPU runs)
 *   scores       out, n_limits * 4 doubles, [limit][scale]
 *   capped       out, n_limits * 4 counts of locations where the gain was held at the limit
 *   locations    out, 4 counts: locations per scale
 * Returns VN_OK, VN_EINVAL, VN_ENOMEM or VN_ENOTSUP (enum vn_status, named by vn_error_name).
 */
int vn_vif(const void *ref, const void *dis, int width, int height, ptrdiff_t stride_ref,
           ptrdiff_t stride_dis, int bitdepth, const double *gain_limits, int n_limits, int simd,
           double *scores, int64_t *capped, int64_t *locations);

/* vn_vif of one reference plane against n_dis (>= 1) distorted planes of the same geometry
 * and stride, the reference's filtering done once: scores and capped hold n_dis blocks of
 * n_limits * 4 values (distorted plane i's block at i * n_limits * 4, laid out as vn_vif's),
 * locations 4 counts. Each block equals vn_vif's on (ref, dis[i]). Returns as vn_vif.
 */
int vn_vif_many(const void *ref, const void *const *dis, int n_dis, int width, int height,
                ptrdiff_t stride, int bitdepth, const double *gain_limits, int n_limits, int simd,
                double *scores, int64_t *capped, int64_t *locations);
