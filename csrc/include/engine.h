/* Native engine: version and CPU features (cffi cdef: plain declarations only). */
int vn_version(void);

/* Best kernel level this CPU runs: 0 portable C, 1 AVX2, 2 AVX-512 (F, BW, DQ, VL, CD). */
int vn_simd_level(void);
