/* Native engine: libvmaf 3.2.0 integer VIF (cffi cdef: plain declarations only).
 *
 * vn_vif scores the four VIF scales of one luma pair for n_limits enhancement
 * gain limits from one filtering pass.
 *   ref, dis     first sample of each plane: uint8_t (bitdepth 8) or uint16_t
 *   width/height luma size in samples, both >= 16
 *   stride_ref, stride_dis  distance between rows in samples (>= width)
 *   gain_limits  n_limits values in [1, 100]
 *   level        kernel level: 0 portable C, 1 AVX2, 2 AVX-512, -1 best available
 *   scores       out, n_limits * 4 doubles, [limit][scale]
 *   capped       out, n_limits * 4 counts of locations where the gain was held at the limit
 *   locations    out, 4 counts: locations per scale
 * Returns 0, or a negative VN_ERR_* code (see vn_error_name in engine.h).
 */
int vn_vif(const void *ref, const void *dis, int width, int height, int64_t stride_ref,
           int64_t stride_dis, int bitdepth, const double *gain_limits, int n_limits, int level,
           double *scores, int64_t *capped, int64_t *locations);

/* The 2048*log2 table VIF uses (65536 entries; below 32767 zero). */
void vn_vif_log2_table(int32_t *out);
