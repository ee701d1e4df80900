/* Native integer ADM (libvmaf 3.2.0's integer_adm features), several gain limits per pass.
 *
 * cffi cdef: plain declarations only (macros and internals live in csrc/adm_internal.h).
 *
 * vn_adm_multi(ref, dis, stride_bytes, width, height, bitdepth,
 *              gain_limits, n_limits, lanes, simd, out, out_len)
 *
 *   ref, dis      luma planes, row-major: uint8 samples at bitdepth 8, uint16 (native byte
 *                 order, values below 2^bitdepth) at 10, 12 and 16.
 *   stride_bytes  distance between rows in bytes, the same for both planes,
 *                 >= width * (1 at 8 bit, 2 otherwise), even for uint16 samples.
 *   width, height pixels, each in [33, 32768] (libvmaf's smallest ADM input is 33x33).
 *   bitdepth      8, 10, 12 or 16.
 *   gain_limits   n_limits (1 .. VN_MAX_GAIN_LIMITS) values of adm_enhn_gain_limit, each in [1,
 * 100]; the wavelet decomposition, the decoupling up to the limit and the denominators are shared,
 * each limit costs only its restoration and numerators. lanes         libvmaf scale-0
 * contrast-masking code path to reproduce where a masking term reaches the int16 limit: 0 = its
 * portable C code, 6 = its AVX2 kernel, 14 = its AVX-512 kernel (the reference's ADM_KERNELS
 * values). Everything else follows libvmaf's portable C code, as the NumPy reference does: its
 * scale-1..3 wavelet (libvmaf's vector one reads past the rows at widths 33-36, 65-72, ...), and
 * the truncation of rst * egl for a non-integer limit (libvmaf's AVX2/AVX-512 decoupling rounds it
 * instead, a few 1e-6 in adm2; its C code, cpumask 0xffff, gives these numbers). simd          this
 * engine's SIMD level (enum vn_simd: -1 = best the CPU has, 0 = portable C, 1 = AVX2, 2 = AVX-512).
 * Every level gives identical numbers. Adding 256 to a level >= 0 runs scale 0 with the general
 * 64-bit kernels that otherwise only take over when a coefficient exceeds 2^15 (for tests). out
 * n_limits * vn_adm_outputs_per_limit() doubles; for limit i, starting at out[i *
 * vn_adm_outputs_per_limit()]: [0] adm2  [1] aim  [2] adm3  [3..6] adm_scale0..3 [7..10]
 * cap_share_scale0..3 cap_share_scale<s> is the share, in [0, 1], of the scale-s coefficients in
 * the pooled window (the ROI, the same for the three orientations; denominator 3 * ROI area) where
 * the gain limit bound: inside the 1-degree cone, with a positive gain and a non-zero restored
 * value rst, rst * egl stayed below the distorted coefficient t in magnitude, so the restored value
 * was held at rst * egl instead of t. For egl < 100 these are exactly the coefficients where the
 * restored value differs from the one at egl 100 (the reference's adm_explain cap_map over the
 * ROI). out_len       number of doubles out can hold.
 *
 * Returns VN_OK, or (nothing written to out) VN_EINVAL for an invalid argument (sizes,
 * stride, bit depth, limits, lanes, simd, out_len, NULL pointers), VN_ENOMEM, or VN_ENOTSUP
 * for a SIMD level this CPU or build cannot run.
 * Thread-safe: no global state is written after load; each call allocates its own scratch (about
 * 4.5 bytes per pixel plus 100 kB per limit at 1080p), freed before it returns.
 */
int vn_adm_multi(const void *ref, const void *dis, ptrdiff_t stride_bytes, int width, int height,
                 int bitdepth, const double *gain_limits, int n_limits, int lanes, int simd,
                 double *out, size_t out_len);

/* Number of doubles vn_adm_multi writes per gain limit (11). */
int vn_adm_outputs_per_limit(void);

/* Scratch size in bytes vn_adm_multi_ws needs for this frame size and number of limits,
 * or 0 if the size or count is out of range. */
size_t vn_adm_workspace_size(int width, int height, int n_limits);

/* vn_adm_multi with caller-owned scratch (no allocation): workspace must hold at least
 * vn_adm_workspace_size(width, height, n_limits) bytes (any alignment) and not be shared
 * by concurrent calls. Same arguments, outputs and return codes otherwise. */
int vn_adm_multi_ws(const void *ref, const void *dis, ptrdiff_t stride_bytes, int width, int height,
                    int bitdepth, const double *gain_limits, int n_limits, int lanes, int simd,
                    double *out, size_t out_len, void *workspace, size_t workspace_len);

/* vn_adm_multi of one reference plane against n_dis (>= 1) distorted planes of the same
 * geometry and stride, the reference's wavelet decomposition done once (kept whole: about
 * 4 bytes per sample more than vn_adm_multi's workspace). Distorted plane i's outputs go to
 * out[i * out_len ...] (out_len >= n_limits * vn_adm_outputs_per_limit()), each equal to
 * vn_adm_multi's on (ref, dis[i]). Returns as vn_adm_multi.
 */
int vn_adm_many(const void *ref, const void *const *dis, int n_dis, ptrdiff_t stride_bytes,
                int width, int height, int bitdepth, const double *gain_limits, int n_limits,
                int lanes, int simd, double *out, size_t out_len);
