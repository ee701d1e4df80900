/* Native engine: the enhancement verdict's frame evidence (cffi cdef: plain declarations only).
 *
 * vn_evidence_sums computes what pyvmafneg.verdict's frame_sums computes for the band-pass
 * levels of a luma pyramid, with the same float32 arithmetic in the same order:
 *   ref, dis       uint8_t (bitdepth 8) or uint16_t (9..16) samples, scaled to 8-bit units
 *   width/height   both >= min_side >= 5; strides in bytes (>= width samples; even for
 *                  uint16 samples)
 *   levels         most band-pass levels (1..8); a level runs while both sides are
 *                  >= min_side, the next level is the blur decimated by 2 (odd sides round up)
 *   q_top, q_edge  the quantiles (0..1) of the subsampled local energy that make the
 *                  structured and the edge thresholds
 *   sums           levels * 9 doubles: per level run, (rr, rd, dd) over every location,
 *                  over the structured ones, over the edges; NaN rows for levels not run
 *   counts         levels * 2: the structured and edge locations of each level (-1: not run)
 *   low_ref,       low_height * low_width floats each: the blur of the last level run of
 *   low_dis        each plane (its decimation is the low-pass residual before its mean is
 *                  removed); the sides must be that level's, VN_EINVAL otherwise
 *   work           NULL (the call allocates its buffers, each on its own) or work_floats >=
 *                  vn_evidence_work_floats(width, height) floats the call may use (a
 *                  buffer kept between calls spares the page faults of fresh ones)
 *   simd           SIMD level as for vn_vif
 * Returns VN_OK, VN_EINVAL, VN_ENOMEM or VN_ENOTSUP (enum vn_status).
 */
int vn_evidence_sums(const void *ref, const void *dis, int width, int height, ptrdiff_t stride_ref,
                     ptrdiff_t stride_dis, int bitdepth, int levels, int min_side, double q_top,
                     double q_edge, int simd, double *sums, int64_t *counts, float *low_ref,
                     float *low_dis, int low_width, int low_height, float *work,
                     size_t work_floats);
/* Floats of work vn_evidence_sums uses for a width x height plane (0 for sides < 1). */
size_t vn_evidence_work_floats(int width, int height);
