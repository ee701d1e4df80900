/* Native engine: return codes, limits, SIMD levels (cffi cdef: plain declarations only).
 *
 * Every vn_* function that returns an int status returns one of these codes. Strides are in
 * bytes everywhere; a plane of 16-bit samples needs an even stride and a 2-byte aligned
 * first sample (VN_EINVAL otherwise). */
enum vn_status {
    VN_OK = 0,
    VN_ENOMEM = -12, /* out of memory */
    VN_EINVAL = -22, /* invalid argument: NULL pointer, size, stride, bit depth, limits */
    VN_ENOTSUP = -95 /* the requested SIMD level is not available on this CPU or build */
};

/* Version of the interface the Python side calls: bumped whenever a kernel's signature, the
 * kernel table, or the number or order of values a call writes changes (the loader refuses an
 * engine of another version: it was left unbuilt after a change). */
enum { VN_API_VERSION = 1 };

/* SHA-256 prefix (16 hex digits) of the csrc/ sources this engine was compiled from, as the
 * build computes it (pyvmafneg/engines/native/_stamp.py); "" when built without it. */
const char *vn_source_stamp(void);

/* Most gain limits one call evaluates (VIF and ADM alike). */
enum { VN_MAX_GAIN_LIMITS = 16 };

/* SIMD levels: the `simd` argument of every kernel call. Every level gives identical numbers.
 * VN_SIMD_AVX2 needs AVX2, BMI, BMI2, LZCNT and POPCNT; VN_SIMD_AVX512 adds AVX-512 F, BW,
 * DQ, VL and CD; both need the OS to save the vector registers (XGETBV). */
enum vn_simd {
    VN_SIMD_BEST = -1, /* the best level this CPU runs */
    VN_SIMD_C = 0,     /* portable C, every CPU */
    VN_SIMD_AVX2 = 1,
    VN_SIMD_AVX512 = 2
};

/* Best SIMD level this CPU runs (VN_SIMD_C, VN_SIMD_AVX2 or VN_SIMD_AVX512). */
int vn_simd_level(void);

/* Short name of a return code: "ok", "out of memory", "invalid argument",
 * "SIMD level not available", or "unknown error" for any other value. */
const char *vn_error_name(int rc);
