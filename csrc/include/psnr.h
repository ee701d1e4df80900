/* Native engine: libvmaf 3.2.0 PSNR of one plane (cffi cdef: plain declarations only).
 *
 * vn_psnr_sse sums the squared differences of one plane pair into *sse, exactly as
 * libvmaf's "psnr" extractor does (8-bit rows summed in 32 bits, then in 64 bits).
 *   ref, dis       uint8_t (bitdepth 8) or uint16_t (9..16) samples
 *   width/height   >= 1; strides in bytes (>= width samples; even for uint16 samples)
 * vn_psnr_from_sse turns the sum into libvmaf's PSNR and MSE of the plane:
 *   mse  = sse / (width * height)
 *   psnr = min(10 log10(peak_sq / max(mse, 1e-16)), psnr_max)
 * (peak_sq: 255^2 for 8-bit samples, else the extractor's peak squared; psnr_max its
 * ceiling for the plane). Both return VN_OK or VN_EINVAL (enum vn_status).
 */
int vn_psnr_sse(const void *ref, const void *dis, int width, int height, ptrdiff_t stride_ref,
                ptrdiff_t stride_dis, int bitdepth, uint64_t *sse);
int vn_psnr_from_sse(uint64_t sse, int width, int height, double peak_sq, double psnr_max,
                     double *psnr, double *mse);
