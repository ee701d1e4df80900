/* libvmaf 3.2.0 integer VIF, four scales, several enhancement gain limits from one pass.
 *
 * Specification: the package's NumPy reference (pyvmafneg/engines/reference/_vif.py).
 * Every filtering step is exact integer arithmetic; the per-location gain, residual
 * variance and cap follow C double arithmetic and truncation; the per-scale numerator,
 * denominator and ratio are rounded to float32 where libvmaf stores floats.
 *
 * The filtering (four pyramid levels, five local moments per level) runs once per
 * frame; only the per-location statistic is evaluated per gain limit. While it is
 * evaluated, the locations where the gain was held at a limit are counted.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vif.h"
#include "vn_internal.h"

#if VN_X86
#include <immintrin.h>
#endif

#define VN_MAX_LIMITS 16

/* Q16 taps per scale; each set sums to 65536. */
static const uint32_t TAPS17[17] = {489,  935,  1640, 2640, 3896, 5274, 6547, 7455, 7784,
                                    7455, 6547, 5274, 3896, 2640, 1640, 935,  489};
static const uint32_t TAPS9[9] = {1244, 3663, 7925, 12590, 14692, 12590, 7925, 3663, 1244};
static const uint32_t TAPS5[5] = {3571, 16004, 26386, 16004, 3571};
static const uint32_t TAPS3[3] = {10904, 43728, 10904};

/* ---- kernels, one copy per SIMD level ---------------------------------------------- */
#define VN_SFX _c
#define VN_VBYTES 16
#include "vif_kernels.inc"
#undef VN_SFX

#if VN_X86
#pragma GCC push_options
#pragma GCC target("avx2,bmi,bmi2,lzcnt,popcnt")
#define VN_SFX _avx2
#undef VN_VBYTES
#define VN_VBYTES 32
#include "vif_kernels.inc"
#undef VN_SFX
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx2,bmi,bmi2,lzcnt,popcnt,avx512f,avx512bw,avx512dq,avx512vl")
#define VN_SFX _avx512
#undef VN_VBYTES
#define VN_VBYTES 64
#include "vif_kernels.inc"
#undef VN_SFX
#pragma GCC pop_options
#endif

#if VN_X86
/* 8-bit vertical moments of scale 0 with 16-bit multiply-adds. The rows at distance k above
 * and below share a tap, so each (upper, lower) pair of 16-bit values meets the pair
 * (F[k], F[k]) in one multiply-add; the centre row meets (F[8], 0). Squares and cross
 * products of 8-bit samples (at most 65025) are held as value - 32768 in signed 16-bit
 * lanes; the offsets add up to 32768 * sum F = 2^31, added back once: every sum is the
 * scalar one modulo 2^32, and below 2^32. */
#pragma GCC push_options
#pragma GCC target("avx2,avx512f,avx512bw,avx512dq,avx512vl")
static void vmom8_17_mad_avx512(const uint8_t *const *ra, const uint8_t *const *rb, int w,
                                uint32_t *restrict oa, uint32_t *restrict ob,
                                uint32_t *restrict oaa, uint32_t *restrict obb,
                                uint32_t *restrict oab)
{
    const __m512i flip = _mm512_set1_epi16((short)0x8000);
    const __m512i lo_idx =
        _mm512_setr_epi32(0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23);
    const __m512i hi_idx =
        _mm512_setr_epi32(8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31);
    const __m512i offset = _mm512_set1_epi32((int)0x80000000u);
    const __m512i round = _mm512_set1_epi32(128);
    int x = 0;
    for (; x + 32 <= w; x += 32) {
        __m512i acc[5][2];
        for (int m = 0; m < 5; m++)
            acc[m][0] = acc[m][1] = _mm512_setzero_si512();
#pragma GCC unroll 9
        for (int k = 0; k <= 8; k++) {
            const int j = 16 - k;
            const __m512i f = k < 8 ? _mm512_set1_epi32((int)(TAPS17[k] * 0x10001u))
                                    : _mm512_set1_epi32((int)TAPS17[8]);
            const __m512i a0 = _mm512_cvtepu8_epi16(_mm256_loadu_si256((const __m256i *)(ra[k] + x)));
            const __m512i a1 = _mm512_cvtepu8_epi16(_mm256_loadu_si256((const __m256i *)(ra[j] + x)));
            const __m512i b0 = _mm512_cvtepu8_epi16(_mm256_loadu_si256((const __m256i *)(rb[k] + x)));
            const __m512i b1 = _mm512_cvtepu8_epi16(_mm256_loadu_si256((const __m256i *)(rb[j] + x)));
            const __m512i v[5][2] = {
                {a0, a1},
                {b0, b1},
                {_mm512_xor_si512(_mm512_mullo_epi16(a0, a0), flip),
                 _mm512_xor_si512(_mm512_mullo_epi16(a1, a1), flip)},
                {_mm512_xor_si512(_mm512_mullo_epi16(b0, b0), flip),
                 _mm512_xor_si512(_mm512_mullo_epi16(b1, b1), flip)},
                {_mm512_xor_si512(_mm512_mullo_epi16(a0, b0), flip),
                 _mm512_xor_si512(_mm512_mullo_epi16(a1, b1), flip)},
            };
            for (int m = 0; m < 5; m++) {
                acc[m][0] = _mm512_add_epi32(
                    acc[m][0], _mm512_madd_epi16(_mm512_unpacklo_epi16(v[m][0], v[m][1]), f));
                acc[m][1] = _mm512_add_epi32(
                    acc[m][1], _mm512_madd_epi16(_mm512_unpackhi_epi16(v[m][0], v[m][1]), f));
            }
        }
        uint32_t *const out[5] = {oa, ob, oaa, obb, oab};
        for (int m = 0; m < 5; m++) {
            __m512i p = _mm512_permutex2var_epi32(acc[m][0], lo_idx, acc[m][1]);
            __m512i q = _mm512_permutex2var_epi32(acc[m][0], hi_idx, acc[m][1]);
            if (m < 2) {
                p = _mm512_srli_epi32(_mm512_add_epi32(p, round), 8);
                q = _mm512_srli_epi32(_mm512_add_epi32(q, round), 8);
            } else {
                p = _mm512_add_epi32(p, offset);
                q = _mm512_add_epi32(q, offset);
            }
            _mm512_storeu_si512((void *)(out[m] + x), p);
            _mm512_storeu_si512((void *)(out[m] + x + 16), q);
        }
    }
    if (x < w) {
        const uint8_t *ta[17], *tb[17];
        for (int k = 0; k < 17; k++) {
            ta[k] = ra[k] + x;
            tb[k] = rb[k] + x;
        }
        vmom8_17_c(ta, tb, w - x, oa + x, ob + x, oaa + x, obb + x, oab + x);
    }
}
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx2")
static void vmom8_17_mad_avx2(const uint8_t *const *ra, const uint8_t *const *rb, int w,
                              uint32_t *restrict oa, uint32_t *restrict ob,
                              uint32_t *restrict oaa, uint32_t *restrict obb,
                              uint32_t *restrict oab)
{
    const __m256i flip = _mm256_set1_epi16((short)0x8000);
    const __m256i offset = _mm256_set1_epi32((int)0x80000000u);
    const __m256i round = _mm256_set1_epi32(128);
    int x = 0;
    for (; x + 16 <= w; x += 16) {
        __m256i acc[5][2];
        for (int m = 0; m < 5; m++)
            acc[m][0] = acc[m][1] = _mm256_setzero_si256();
#pragma GCC unroll 9
        for (int k = 0; k <= 8; k++) {
            const int j = 16 - k;
            const __m256i f = k < 8 ? _mm256_set1_epi32((int)(TAPS17[k] * 0x10001u))
                                    : _mm256_set1_epi32((int)TAPS17[8]);
            const __m256i a0 = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(ra[k] + x)));
            const __m256i a1 = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(ra[j] + x)));
            const __m256i b0 = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(rb[k] + x)));
            const __m256i b1 = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(rb[j] + x)));
            const __m256i v[5][2] = {
                {a0, a1},
                {b0, b1},
                {_mm256_xor_si256(_mm256_mullo_epi16(a0, a0), flip),
                 _mm256_xor_si256(_mm256_mullo_epi16(a1, a1), flip)},
                {_mm256_xor_si256(_mm256_mullo_epi16(b0, b0), flip),
                 _mm256_xor_si256(_mm256_mullo_epi16(b1, b1), flip)},
                {_mm256_xor_si256(_mm256_mullo_epi16(a0, b0), flip),
                 _mm256_xor_si256(_mm256_mullo_epi16(a1, b1), flip)},
            };
            for (int m = 0; m < 5; m++) {
                acc[m][0] = _mm256_add_epi32(
                    acc[m][0], _mm256_madd_epi16(_mm256_unpacklo_epi16(v[m][0], v[m][1]), f));
                acc[m][1] = _mm256_add_epi32(
                    acc[m][1], _mm256_madd_epi16(_mm256_unpackhi_epi16(v[m][0], v[m][1]), f));
            }
        }
        uint32_t *const out[5] = {oa, ob, oaa, obb, oab};
        for (int m = 0; m < 5; m++) {
            __m256i p = _mm256_permute2x128_si256(acc[m][0], acc[m][1], 0x20);
            __m256i q = _mm256_permute2x128_si256(acc[m][0], acc[m][1], 0x31);
            if (m < 2) {
                p = _mm256_srli_epi32(_mm256_add_epi32(p, round), 8);
                q = _mm256_srli_epi32(_mm256_add_epi32(q, round), 8);
            } else {
                p = _mm256_add_epi32(p, offset);
                q = _mm256_add_epi32(q, offset);
            }
            _mm256_storeu_si256((__m256i *)(out[m] + x), p);
            _mm256_storeu_si256((__m256i *)(out[m] + x + 8), q);
        }
    }
    if (x < w) {
        const uint8_t *ta[17], *tb[17];
        for (int k = 0; k < 17; k++) {
            ta[k] = ra[k] + x;
            tb[k] = rb[k] + x;
        }
        vmom8_17_c(ta, tb, w - x, oa + x, ob + x, oaa + x, obb + x, oab + x);
    }
}
#pragma GCC pop_options
#endif

typedef void (*vmom8_fn)(const uint8_t *const *, const uint8_t *const *, int, uint32_t *,
                         uint32_t *, uint32_t *, uint32_t *, uint32_t *);
typedef void (*vmom16_fn)(const uint16_t *const *, const uint16_t *const *, int, int, int,
                          uint32_t *, uint32_t *, uint32_t *, uint32_t *, uint32_t *);
typedef void (*hmom_fn)(const uint32_t *, const uint32_t *, const uint32_t *, const uint32_t *,
                        const uint32_t *, int, uint32_t *, uint32_t *, uint32_t *, uint32_t *,
                        uint32_t *);
typedef void (*dvert8_fn)(const uint8_t *const *, int, int, uint16_t *);
typedef void (*dvert16_fn)(const uint16_t *const *, int, int, uint16_t *);
typedef void (*dhor_fn)(const uint16_t *, int, uint32_t *, uint16_t *);
typedef void (*sigmas_fn)(const uint32_t *, const uint32_t *, const uint32_t *, const uint32_t *,
                          const uint32_t *, int, int32_t *, int32_t *, int32_t *);

struct vif_kernels {
    vmom8_fn vmom8;             /* scale 0, 8-bit */
    vmom16_fn vmom16[4];        /* by scale */
    hmom_fn hmom[4];            /* by scale */
    dvert8_fn dvert8;           /* scale 0 -> 1, 8-bit */
    dvert16_fn dvert16[4];      /* by destination scale (1..3) */
    dhor_fn dhor[4];            /* by destination scale (1..3) */
    sigmas_fn sigmas;
};

#define VN_KERNELS(S, V8)                                                                  \
    {                                                                                      \
        V8, {vmom16_17##S, vmom16_9##S, vmom16_5##S, vmom16_3##S},                \
            {hmom_17##S, hmom_9##S, hmom_5##S, hmom_3##S}, dvert_u8_9##S,                  \
            {NULL, dvert_u16_9##S, dvert_u16_5##S, dvert_u16_3##S},                        \
            {NULL, dhor_9##S, dhor_5##S, dhor_3##S}, sigmas##S                             \
    }

static const struct vif_kernels KERNELS[3] = {
    VN_KERNELS(_c, vmom8_17_c),
#if VN_X86
    VN_KERNELS(_avx2, vmom8_17_mad_avx2),
    VN_KERNELS(_avx512, vmom8_17_mad_avx512),
#endif
};

static const int NTAPS[4] = {17, 9, 5, 3};

/* ---- 2048 * log2 -------------------------------------------------------------------- */
static int32_t LOG2_TABLE[65536];

__attribute__((constructor)) static void vn_vif_init(void)
{
    /* T[i] = round_half_away(f32(log2 i) * 2048) for i in [32767, 65535]. */
    for (int i = 32767; i < 65536; i++) {
        float v = (float)log2((double)i) * 2048.0f; /* exact scaling by a power of two */
        LOG2_TABLE[i] = (int32_t)floor((double)v + 0.5);
    }
}

void vn_vif_log2_table(int32_t *out) { memcpy(out, LOG2_TABLE, sizeof LOG2_TABLE); }

/* 2048 * log2(x) for 2^16 <= x < 2^63: the top 16 bits index the table. */
static inline int64_t log2_q11(uint64_t x)
{
    int k = 64 - __builtin_clzll(x) - 16;
    return (int64_t)LOG2_TABLE[x >> k] + ((int64_t)k << 11);
}

/* ---- per-location statistic ---------------------------------------------------------- */
#define SIGMA_NSQ 131072
#define LOG_SIGMA_NSQ (2048 * 17)

struct vif_acc {
    int64_t den_log, num_nonlog, den_nonlog;
    int64_t num_log[VN_MAX_LIMITS];
    int64_t capped[VN_MAX_LIMITS];
};

static void stat_row(const int32_t *s1r, const int32_t *s2r, const int32_t *s12r, int w,
                     const double *egl, int ne, struct vif_acc *acc)
{
    const double eps = 65536 * 1.0e-10;
    int64_t den_log = 0, num_nonlog = 0, den_nonlog = 0;
    for (int x = 0; x < w; x++) {
        const int32_t s1 = s1r[x], s2 = s2r[x], s12 = s12r[x];
        if (s1 < SIGMA_NSQ) {
            num_nonlog += s2;
            den_nonlog++;
            continue;
        }
        den_log += log2_q11((uint64_t)s1 + SIGMA_NSQ) - LOG_SIGMA_NSQ;
        if (s12 <= 0 || s2 <= 0)
            continue;
        const double d1 = (double)s1;
        const double g = (double)s12 / (d1 + eps);
        /* residual variance from the uncapped gain, truncated toward zero */
        const double t = (double)s2 - g * (double)s12;
        const int64_t sv = t > 0.0 ? (int64_t)t : 0;
        const int64_t n1 = sv + SIGMA_NSQ;
        const int64_t l1 = log2_q11((uint64_t)n1);
        int64_t unc = -1;
        for (int e = 0; e < ne; e++) {
            if (g > egl[e]) {
                const double gc = egl[e];
                const int64_t n2 = (int64_t)(gc * gc * d1) + n1;
                acc->num_log[e] += log2_q11((uint64_t)n2) - l1;
                acc->capped[e]++;
            } else {
                if (unc < 0) {
                    const int64_t n2 = (int64_t)(g * g * d1) + n1;
                    unc = log2_q11((uint64_t)n2) - l1;
                }
                acc->num_log[e] += unc;
            }
        }
    }
    acc->den_log += den_log;
    acc->num_nonlog += num_nonlog;
    acc->den_nonlog += den_nonlog;
}

#if VN_X86
/* The same statistic, eight locations at a time (AVX-512 F/DQ/CD/VL). Every lane does the
 * scalar code's operations in the same order on the same doubles (division, products,
 * truncation), the logarithm through the same table, and integer sums do not depend on
 * order, so the totals are the scalar ones. */
#pragma GCC push_options
#pragma GCC target("avx2,avx512f,avx512dq,avx512cd,avx512vl,avx512bw")
static inline __m512i log2_q11_x8(__m512i v)
{
    /* v >= 2^16 in every lane */
    const __m512i k = _mm512_sub_epi64(_mm512_set1_epi64(48), _mm512_lzcnt_epi64(v));
    const __m512i idx = _mm512_srlv_epi64(v, k);
    const __m512i t = _mm512_cvtepi32_epi64(_mm512_i64gather_epi32(idx, LOG2_TABLE, 4));
    return _mm512_add_epi64(t, _mm512_slli_epi64(k, 11));
}

/* ne is a constant where this is inlined for one or two limits: the per-limit sums then
 * stay in registers. */
static inline __attribute__((always_inline)) void
stat_row_avx512_n(const int32_t *s1r, const int32_t *s2r, const int32_t *s12r, int w,
                  const double *egl, int ne, struct vif_acc *acc)
{
    const __m512d eps = _mm512_set1_pd(65536 * 1.0e-10);
    const __m512i nsq = _mm512_set1_epi64(SIGMA_NSQ);
    const __m512i safe = _mm512_set1_epi64(2 * SIGMA_NSQ);
    const __m256i nsq32 = _mm256_set1_epi32(SIGMA_NSQ);
    const __m256i zero32 = _mm256_setzero_si256();
    __m512i den_log = _mm512_setzero_si512(), num_nonlog = _mm512_setzero_si512();
    __m512i num_log[VN_MAX_LIMITS];
    int64_t capped[VN_MAX_LIMITS] = {0};
    int64_t den_nonlog = 0;
    for (int e = 0; e < ne; e++)
        num_log[e] = _mm512_setzero_si512();
    int x = 0;
    for (; x + 8 <= w; x += 8) {
        const __m256i s1 = _mm256_loadu_si256((const __m256i *)(s1r + x));
        const __m256i s2 = _mm256_loadu_si256((const __m256i *)(s2r + x));
        const __m256i s12 = _mm256_loadu_si256((const __m256i *)(s12r + x));
        const __mmask8 mlog = _mm256_cmpge_epi32_mask(s1, nsq32);
        const __mmask8 mnon = (__mmask8)~mlog;
        num_nonlog = _mm512_mask_add_epi64(num_nonlog, mnon, num_nonlog, _mm512_cvtepi32_epi64(s2));
        den_nonlog += __builtin_popcount(mnon);
        if (!mlog)
            continue;
        /* s1 >= 2^17 in log lanes, so s1 + 2^17 < 2^32 as an unsigned */
        const __m512i x1 = _mm512_mask_blend_epi64(
            mlog, safe, _mm512_add_epi64(_mm512_cvtepu32_epi64(s1), nsq));
        den_log = _mm512_mask_add_epi64(den_log, mlog, den_log,
                                        _mm512_sub_epi64(log2_q11_x8(x1),
                                                         _mm512_set1_epi64(LOG_SIGMA_NSQ)));
        const __mmask8 mg = _mm256_mask_cmpgt_epi32_mask(
            _mm256_mask_cmpgt_epi32_mask(mlog, s12, zero32), s2, zero32);
        if (!mg)
            continue;
        const __m512d d1 = _mm512_cvtepi32_pd(s1);
        const __m512d g = _mm512_div_pd(_mm512_cvtepi32_pd(s12), _mm512_add_pd(d1, eps));
        const __m512d t = _mm512_sub_pd(_mm512_cvtepi32_pd(s2),
                                        _mm512_mul_pd(g, _mm512_cvtepi32_pd(s12)));
        const __mmask8 tpos = _mm512_cmp_pd_mask(t, _mm512_setzero_pd(), _CMP_GT_OQ);
        const __m512i sv = _mm512_maskz_cvttpd_epi64(tpos, t);
        const __m512i n1 = _mm512_mask_blend_epi64(mg, safe, _mm512_add_epi64(sv, nsq));
        const __m512i l1 = log2_q11_x8(n1);
        /* where no lane is held at a limit the term is the uncapped one: computed once */
        __m512i unc = _mm512_setzero_si512();
        int have_unc = 0;
        for (int e = 0; e < ne; e++) {
            const __m512d lim = _mm512_set1_pd(egl[e]);
            const __mmask8 over = _mm512_mask_cmp_pd_mask(mg, g, lim, _CMP_GT_OQ);
            __m512i term;
            if (!over && have_unc) {
                term = unc;
            } else {
                const __m512d gc = _mm512_mask_blend_pd(over, g, lim);
                const __m512i p = _mm512_cvttpd_epi64(_mm512_mul_pd(_mm512_mul_pd(gc, gc), d1));
                const __m512i n2 = _mm512_mask_blend_epi64(mg, safe, _mm512_add_epi64(p, n1));
                term = _mm512_sub_epi64(log2_q11_x8(n2), l1);
                if (!over) {
                    unc = term;
                    have_unc = 1;
                }
            }
            num_log[e] = _mm512_mask_add_epi64(num_log[e], mg, num_log[e], term);
            capped[e] += __builtin_popcount(over);
        }
    }
    acc->den_log += _mm512_reduce_add_epi64(den_log);
    acc->num_nonlog += _mm512_reduce_add_epi64(num_nonlog);
    acc->den_nonlog += den_nonlog;
    for (int e = 0; e < ne; e++) {
        acc->num_log[e] += _mm512_reduce_add_epi64(num_log[e]);
        acc->capped[e] += capped[e];
    }
    if (x < w)
        stat_row(s1r + x, s2r + x, s12r + x, w - x, egl, ne, acc);
}

static void stat_row_avx512(const int32_t *s1r, const int32_t *s2r, const int32_t *s12r, int w,
                            const double *egl, int ne, struct vif_acc *acc)
{
    if (ne == 1)
        stat_row_avx512_n(s1r, s2r, s12r, w, egl, 1, acc);
    else if (ne == 2)
        stat_row_avx512_n(s1r, s2r, s12r, w, egl, 2, acc);
    else
        stat_row_avx512_n(s1r, s2r, s12r, w, egl, ne, acc);
}
#pragma GCC pop_options
#endif

#if VN_X86
/* The statistic four locations at a time with AVX2. Logarithms of exact integers held in
 * doubles (all below 2^53): the bit length comes from the exponent, the table index from
 * scaling by a power of two and flooring, both exact; the rest are the scalar code's
 * operations on the same doubles. */
#pragma GCC push_options
#pragma GCC target("avx2")
static inline __m256i log2_q11_pd4(__m256d x)
{
    /* x is an integer in [2^16, 2^53) in every lane */
    const __m256i e = _mm256_sub_epi64(_mm256_srli_epi64(_mm256_castpd_si256(x), 52),
                                       _mm256_set1_epi64x(1023));
    const __m256i k = _mm256_sub_epi64(e, _mm256_set1_epi64x(15)); /* bit length - 16 */
    const __m256d scale = _mm256_castsi256_pd(
        _mm256_slli_epi64(_mm256_sub_epi64(_mm256_set1_epi64x(1023), k), 52)); /* 2^-k */
    const __m256d q = _mm256_round_pd(_mm256_mul_pd(x, scale), _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
    const __m128i idx = _mm256_cvttpd_epi32(q);
    const __m256i t = _mm256_cvtepi32_epi64(_mm_i32gather_epi32(LOG2_TABLE, idx, 4));
    return _mm256_add_epi64(t, _mm256_slli_epi64(k, 11));
}

static inline int64_t hsum_epi64(__m256i v)
{
    int64_t a[4];
    _mm256_storeu_si256((__m256i *)a, v);
    return a[0] + a[1] + a[2] + a[3];
}

static void stat_row_avx2(const int32_t *s1r, const int32_t *s2r, const int32_t *s12r, int w,
                          const double *egl, int ne, struct vif_acc *acc)
{
    const __m256d eps = _mm256_set1_pd(65536 * 1.0e-10);
    const __m256d nsq = _mm256_set1_pd((double)SIGMA_NSQ);
    const __m256d safe = _mm256_set1_pd(2.0 * SIGMA_NSQ);
    const __m256d zero = _mm256_setzero_pd();
    const __m128i nsq_m1 = _mm_set1_epi32(SIGMA_NSQ - 1);
    const __m128i zero32 = _mm_setzero_si128();
    const __m256i log_nsq = _mm256_set1_epi64x(LOG_SIGMA_NSQ);
    __m256i den_log = _mm256_setzero_si256(), num_nonlog = _mm256_setzero_si256();
    __m256i num_log[VN_MAX_LIMITS];
    int64_t capped[VN_MAX_LIMITS] = {0};
    int64_t den_nonlog = 0;
    for (int e = 0; e < ne; e++)
        num_log[e] = _mm256_setzero_si256();
    int x = 0;
    for (; x + 4 <= w; x += 4) {
        const __m128i s1 = _mm_loadu_si128((const __m128i *)(s1r + x));
        const __m128i s2 = _mm_loadu_si128((const __m128i *)(s2r + x));
        const __m128i s12 = _mm_loadu_si128((const __m128i *)(s12r + x));
        const __m128i mlog32 = _mm_cmpgt_epi32(s1, nsq_m1);
        const __m256i mlog = _mm256_cvtepi32_epi64(mlog32);
        num_nonlog = _mm256_add_epi64(num_nonlog,
                                      _mm256_andnot_si256(mlog, _mm256_cvtepi32_epi64(s2)));
        const int lm = _mm256_movemask_pd(_mm256_castsi256_pd(mlog));
        den_nonlog += 4 - __builtin_popcount(lm);
        if (!lm)
            continue;
        const __m256d d1 = _mm256_cvtepi32_pd(s1);
        const __m256d x1 = _mm256_blendv_pd(safe, _mm256_add_pd(d1, nsq), _mm256_castsi256_pd(mlog));
        den_log = _mm256_add_epi64(
            den_log, _mm256_and_si256(mlog, _mm256_sub_epi64(log2_q11_pd4(x1), log_nsq)));
        const __m128i mg32 = _mm_and_si128(
            mlog32, _mm_and_si128(_mm_cmpgt_epi32(s12, zero32), _mm_cmpgt_epi32(s2, zero32)));
        const __m256i mg = _mm256_cvtepi32_epi64(mg32);
        const __m256d mgd = _mm256_castsi256_pd(mg);
        if (!_mm256_movemask_pd(mgd))
            continue;
        const __m256d d12 = _mm256_cvtepi32_pd(s12);
        const __m256d g = _mm256_div_pd(d12, _mm256_add_pd(d1, eps));
        const __m256d t = _mm256_sub_pd(_mm256_cvtepi32_pd(s2), _mm256_mul_pd(g, d12));
        const __m256d sv = _mm256_and_pd(_mm256_cmp_pd(t, zero, _CMP_GT_OQ),
                                         _mm256_round_pd(t, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC));
        const __m256d n1 = _mm256_blendv_pd(safe, _mm256_add_pd(sv, nsq), mgd);
        const __m256i l1 = log2_q11_pd4(n1);
        /* where no lane is held at a limit the term is the uncapped one: computed once */
        __m256i unc = _mm256_setzero_si256();
        int have_unc = 0;
        for (int e = 0; e < ne; e++) {
            const __m256d lim = _mm256_set1_pd(egl[e]);
            const __m256d over = _mm256_and_pd(mgd, _mm256_cmp_pd(g, lim, _CMP_GT_OQ));
            const int nover = __builtin_popcount(_mm256_movemask_pd(over));
            __m256i term;
            if (!nover && have_unc) {
                term = unc;
            } else {
                const __m256d gc = _mm256_blendv_pd(g, lim, over);
                const __m256d p = _mm256_round_pd(_mm256_mul_pd(_mm256_mul_pd(gc, gc), d1),
                                                  _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
                const __m256d n2 = _mm256_blendv_pd(safe, _mm256_add_pd(p, n1), mgd);
                term = _mm256_and_si256(mg, _mm256_sub_epi64(log2_q11_pd4(n2), l1));
                if (!nover) {
                    unc = term;
                    have_unc = 1;
                }
            }
            num_log[e] = _mm256_add_epi64(num_log[e], term);
            capped[e] += nover;
        }
    }
    acc->den_log += hsum_epi64(den_log);
    acc->num_nonlog += hsum_epi64(num_nonlog);
    acc->den_nonlog += den_nonlog;
    for (int e = 0; e < ne; e++) {
        acc->num_log[e] += hsum_epi64(num_log[e]);
        acc->capped[e] += capped[e];
    }
    if (x < w)
        stat_row(s1r + x, s2r + x, s12r + x, w - x, egl, ne, acc);
}
#pragma GCC pop_options
#endif

/* ---- driver ----------------------------------------------------------------------------- */
static inline int mirror(int i, int n)
{
    if (i < 0)
        return -i;
    if (i >= n)
        return 2 * (n - 1) - i;
    return i;
}

static void pad_u32(uint32_t *p, int w, int r)
{
    /* p points at the padded start; data is p[r .. r + w - 1] */
    for (int k = 1; k <= r; k++) {
        p[r - k] = p[r + k];
        p[r + w - 1 + k] = p[r + w - 1 - k];
    }
}

static void pad_u16(uint16_t *p, int w, int r)
{
    for (int k = 1; k <= r; k++) {
        p[r - k] = p[r + k];
        p[r + w - 1 + k] = p[r + w - 1 - k];
    }
}

struct vif_work {
    uint32_t *v[5];   /* vertical moments, padded rows of w + 16 */
    uint32_t *m[5];   /* horizontal moments, rows of w */
    int32_t *s[3];    /* sigma1^2, sigma2^2, sigma12 */
    uint16_t *drow;   /* decimation row, padded */
};

/* Moments and statistic of one scale. plane is uint8 (is8) or uint16 with stride in samples. */
static void vif_scale(const struct vif_kernels *kn, int scale, const void *pa, const void *pb,
                      int is8, int w, int h, int64_t sta, int64_t stb, int q1, int q2, const double *egl,
                      int ne, struct vif_work *wk, struct vif_acc *acc)
{
    const int nt = NTAPS[scale], r = nt / 2;
    const void *ra[17], *rb[17];
    for (int y = 0; y < h; y++) {
        for (int k = 0; k < nt; k++) {
            int64_t row = mirror(y + k - r, h);
            if (is8) {
                ra[k] = (const uint8_t *)pa + row * sta;
                rb[k] = (const uint8_t *)pb + row * stb;
            } else {
                ra[k] = (const uint16_t *)pa + row * sta;
                rb[k] = (const uint16_t *)pb + row * stb;
            }
        }
        if (is8)
            kn->vmom8((const uint8_t *const *)ra, (const uint8_t *const *)rb, w, wk->v[0] + r,
                      wk->v[1] + r, wk->v[2] + r, wk->v[3] + r, wk->v[4] + r);
        else
            kn->vmom16[scale]((const uint16_t *const *)ra, (const uint16_t *const *)rb, w, q1,
                              q2, wk->v[0] + r, wk->v[1] + r, wk->v[2] + r, wk->v[3] + r,
                              wk->v[4] + r);
        for (int c = 0; c < 5; c++)
            pad_u32(wk->v[c], w, r);
        kn->hmom[scale](wk->v[0], wk->v[1], wk->v[2], wk->v[3], wk->v[4], w, wk->m[0], wk->m[1],
                        wk->m[2], wk->m[3], wk->m[4]);
        kn->sigmas(wk->m[0], wk->m[1], wk->m[2], wk->m[3], wk->m[4], w, wk->s[0], wk->s[1],
                   wk->s[2]);
#if VN_X86
        if (kn == &KERNELS[VN_LEVEL_AVX512]) {
            stat_row_avx512(wk->s[0], wk->s[1], wk->s[2], w, egl, ne, acc);
            continue;
        }
        if (kn == &KERNELS[VN_LEVEL_AVX2]) {
            stat_row_avx2(wk->s[0], wk->s[1], wk->s[2], w, egl, ne, acc);
            continue;
        }
#endif
        stat_row(wk->s[0], wk->s[1], wk->s[2], w, egl, ne, acc);
    }
}

/* Filter one plane with F_dst and keep even rows and columns (floors odd sizes). */
static void vif_decimate(const struct vif_kernels *kn, int dst, const void *src, int is8, int w,
                         int h, int64_t stride, int q, uint16_t *out, struct vif_work *wk)
{
    const int nt = NTAPS[dst], r = nt / 2;
    const int wo = w / 2, ho = h / 2;
    (void)wo;
    const void *rows[9];
    for (int yo = 0; yo < ho; yo++) {
        const int y = 2 * yo;
        for (int k = 0; k < nt; k++) {
            int64_t row = mirror(y + k - r, h);
            rows[k] = is8 ? (const void *)((const uint8_t *)src + row * stride)
                          : (const void *)((const uint16_t *)src + row * stride);
        }
        if (is8)
            kn->dvert8((const uint8_t *const *)rows, w, q, wk->drow + r);
        else
            kn->dvert16[dst]((const uint16_t *const *)rows, w, q, wk->drow + r);
        pad_u16(wk->drow, w, r);
        kn->dhor[dst](wk->drow, w, wk->m[0], out + (int64_t)yo * wo);
    }
}

int vn_vif(const void *ref, const void *dis, int width, int height, int64_t stride_ref,
           int64_t stride_dis, int bitdepth, const double *gain_limits, int n_limits, int level, double *scores,
           int64_t *capped, int64_t *locations)
{
    if (!ref || !dis || !gain_limits || !scores || !capped || !locations)
        return VN_ERR_ARGS;
    if (width < 16 || height < 16 || stride_ref < width || stride_dis < width || bitdepth < 8 || bitdepth > 16)
        return VN_ERR_ARGS;
    if (n_limits < 1 || n_limits > VN_MAX_LIMITS)
        return VN_ERR_ARGS;
    for (int e = 0; e < n_limits; e++)
        if (!(gain_limits[e] >= 1.0 && gain_limits[e] <= 100.0))
            return VN_ERR_ARGS;
    const int lv = vn_resolve_level(level);
    if (lv < 0)
        return lv;
    const struct vif_kernels *kn = &KERNELS[lv];

    const int64_t w1 = width / 2, h1 = height / 2;
    const int64_t n1 = w1 * h1, n2 = (w1 / 2) * (h1 / 2), n3 = (w1 / 4) * (h1 / 4);
    const int64_t rowlen = (int64_t)width + 16;
    struct vif_work wk;
    uint16_t *planes = malloc(sizeof(uint16_t) * 2 * (size_t)(n1 + n2 + n3));
    uint32_t *rows32 = malloc(sizeof(uint32_t) * 10 * (size_t)rowlen);
    int32_t *sig = malloc(sizeof(int32_t) * 3 * (size_t)rowlen);
    wk.drow = malloc(sizeof(uint16_t) * (size_t)rowlen);
    if (!planes || !rows32 || !sig || !wk.drow) {
        free(planes);
        free(rows32);
        free(sig);
        free(wk.drow);
        return VN_ERR_NOMEM;
    }
    for (int c = 0; c < 5; c++) {
        wk.v[c] = rows32 + c * rowlen;
        wk.m[c] = rows32 + (5 + c) * rowlen;
    }
    for (int c = 0; c < 3; c++)
        wk.s[c] = sig + c * rowlen;

    uint16_t *pl[4][2];
    pl[1][0] = planes;
    pl[1][1] = planes + n1;
    pl[2][0] = planes + 2 * n1;
    pl[2][1] = pl[2][0] + n2;
    pl[3][0] = pl[2][1] + n2;
    pl[3][1] = pl[3][0] + n3;

    const int is8 = bitdepth == 8;
    int w = width, h = height;
    for (int s = 0; s < 4; s++) {
        const void *a, *b;
        int64_t sta, stb;
        int q1, q2, in8;
        if (s == 0) {
            a = ref;
            b = dis;
            sta = stride_ref;
            stb = stride_dis;
            q1 = bitdepth;
            q2 = 2 * (bitdepth - 8);
            in8 = is8;
        } else {
            const void *pa = s == 1 ? ref : (const void *)pl[s - 1][0];
            const void *pb = s == 1 ? dis : (const void *)pl[s - 1][1];
            const int64_t psa = s == 1 ? stride_ref : w, psb = s == 1 ? stride_dis : w;
            const int pin8 = s == 1 ? is8 : 0;
            const int q = s == 1 ? bitdepth : 16;
            vif_decimate(kn, s, pa, pin8, w, h, psa, q, pl[s][0], &wk);
            vif_decimate(kn, s, pb, pin8, w, h, psb, q, pl[s][1], &wk);
            w /= 2;
            h /= 2;
            a = pl[s][0];
            b = pl[s][1];
            sta = stb = w;
            q1 = q2 = 16;
            in8 = 0;
        }
        struct vif_acc acc;
        memset(&acc, 0, sizeof acc);
        vif_scale(kn, s, a, b, in8, w, h, sta, stb, q1, q2, gain_limits, n_limits, &wk, &acc);

        const double den = (double)acc.den_log / 2048.0 + (double)acc.den_nonlog;
        const float den_f = (float)den;
        const double nonlog =
            (double)acc.den_nonlog - ((double)acc.num_nonlog / 16384.0) / 65025.0;
        for (int e = 0; e < n_limits; e++) {
            const float num_f = (float)((double)acc.num_log[e] / 2048.0 + nonlog);
            scores[e * 4 + s] = (double)(num_f / den_f);
            capped[e * 4 + s] = acc.capped[e];
        }
        locations[s] = (int64_t)w * h;
    }
    free(planes);
    free(rows32);
    free(sig);
    free(wk.drow);
    return 0;
}
