/* Native engine: the one CPU check, the kernel tables by SIMD level, return code names. */
#include "adm_internal.h"
#include "vif_internal.h"
#include "vn_internal.h"

#if VN_X86
#include <cpuid.h>
#endif

static unsigned vn_features;
static int vn_best = VN_SIMD_C;

#if VN_X86
static uint64_t vn_xgetbv0(void)
{
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

static unsigned vn_detect(void)
{
    unsigned a, b, c, d, f = 0;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return 0;
    if (c & (1u << 0))
        f |= VN_CPU_SSE3;
    if (c & (1u << 9))
        f |= VN_CPU_SSSE3;
    if (c & (1u << 12))
        f |= VN_CPU_FMA;
    if (c & (1u << 19))
        f |= VN_CPU_SSE41;
    if (c & (1u << 20))
        f |= VN_CPU_SSE42;
    if (c & (1u << 23))
        f |= VN_CPU_POPCNT;
    if (c & (1u << 28))
        f |= VN_CPU_AVX;
    if (c & (1u << 29))
        f |= VN_CPU_F16C;
    /* XSAVE present (bit 26) and enabled by the OS (OSXSAVE, bit 27): XGETBV may run */
    if ((c & (1u << 26)) && (c & (1u << 27))) {
        f |= VN_CPU_XSAVE;
        const uint64_t xcr0 = vn_xgetbv0();
        if ((xcr0 & 0x6) == 0x6)
            f |= VN_CPU_OS_YMM;
        if ((xcr0 & 0xe6) == 0xe6)
            f |= VN_CPU_OS_ZMM;
    }
    if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
        if (b & (1u << 3))
            f |= VN_CPU_BMI;
        if (b & (1u << 5))
            f |= VN_CPU_AVX2;
        if (b & (1u << 8))
            f |= VN_CPU_BMI2;
        if (b & (1u << 16))
            f |= VN_CPU_AVX512F;
        if (b & (1u << 17))
            f |= VN_CPU_AVX512DQ;
        if (b & (1u << 28))
            f |= VN_CPU_AVX512CD;
        if (b & (1u << 30))
            f |= VN_CPU_AVX512BW;
        if (b & (1u << 31))
            f |= VN_CPU_AVX512VL;
    }
    if (__get_cpuid(0x80000001u, &a, &b, &c, &d) && (c & (1u << 5)))
        f |= VN_CPU_LZCNT;
    return f;
}
#endif

/* Runs once when the module is loaded, before any call: afterwards the tables, the features and
 * the best level are only read, so concurrent calls share no written state. */
__attribute__((constructor)) static void vn_engine_init(void)
{
    vn_adm_init();
    vn_vif_init();
#if VN_X86
    vn_features = vn_detect();
    if ((vn_features & VN_NEEDS_AVX512) == VN_NEEDS_AVX512)
        vn_best = VN_SIMD_AVX512;
    else if ((vn_features & VN_NEEDS_AVX2) == VN_NEEDS_AVX2)
        vn_best = VN_SIMD_AVX2;
#endif
}

unsigned vn_cpu_features(void) { return vn_features; }

int vn_simd_level(void) { return vn_best; }

#ifndef VN_SOURCE_STAMP
#define VN_SOURCE_STAMP ""
#endif

const char *vn_source_stamp(void) { return VN_SOURCE_STAMP; }

int vn_select(int simd, const vn_kernels **out)
{
    if (simd < VN_SIMD_BEST || simd > VN_SIMD_AVX512)
        return VN_EINVAL;
    if (simd == VN_SIMD_BEST)
        simd = vn_best;
    if (simd > vn_best)
        return VN_ENOTSUP;
    switch (simd) {
#if VN_X86
    case VN_SIMD_AVX2:
        *out = &vn_avx2_kernels;
        return VN_OK;
    case VN_SIMD_AVX512:
        *out = &vn_avx512_kernels;
        return VN_OK;
#endif
    default:
        *out = &vn_c_kernels;
        return VN_OK;
    }
}

const char *vn_error_name(int rc)
{
    switch (rc) {
    case VN_OK:
        return "ok";
    case VN_ENOMEM:
        return "out of memory";
    case VN_EINVAL:
        return "invalid argument";
    case VN_ENOTSUP:
        return "SIMD level not available";
    default:
        return "unknown error";
    }
}
