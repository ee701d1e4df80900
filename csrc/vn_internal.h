/* Native engine: declarations shared by the C sources (not bound by cffi).
 *
 * SIMD scheme: every kernel is written once, in a <kernel>_kernels.inc file, and compiled
 * once per SIMD level by simd_<level>.c (portable C, AVX2, AVX-512), which names that copy's
 * functions with VN_K() and fills that level's vn_kernels table. engine.c checks the CPU once
 * (every feature the level's target enables, and the OS's support for its registers) and
 * hands the drivers (adm.c, vif.c, motion.c) the table of the level asked for. */
#ifndef VN_INTERNAL_H
#define VN_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"

#ifndef __GNUC__
#error "the native engine needs gcc or clang (GCC attributes, builtins and vector extensions)"
#endif

#if defined(__x86_64__)
#define VN_X86 1
#else
#define VN_X86 0
#endif

/* ---- CPU features (bits of vn_cpu_features) and what each SIMD level needs ------------ */
#define VN_CPU_SSE3 (1u << 0)
#define VN_CPU_SSSE3 (1u << 1)
#define VN_CPU_SSE41 (1u << 2)
#define VN_CPU_SSE42 (1u << 3)
#define VN_CPU_POPCNT (1u << 4)
#define VN_CPU_AVX (1u << 5)
#define VN_CPU_AVX2 (1u << 6)
#define VN_CPU_FMA (1u << 7)
#define VN_CPU_F16C (1u << 8)
#define VN_CPU_BMI (1u << 9)
#define VN_CPU_BMI2 (1u << 10)
#define VN_CPU_LZCNT (1u << 11)
#define VN_CPU_XSAVE (1u << 12)  /* XSAVE and the OS enabled it (OSXSAVE) */
#define VN_CPU_OS_YMM (1u << 13) /* the OS saves the SSE and AVX registers (XCR0 bits 1, 2) */
#define VN_CPU_AVX512F (1u << 14)
#define VN_CPU_AVX512BW (1u << 15)
#define VN_CPU_AVX512DQ (1u << 16)
#define VN_CPU_AVX512VL (1u << 17)
#define VN_CPU_AVX512CD (1u << 18)
#define VN_CPU_OS_ZMM (1u << 19) /* ... and the AVX-512 state (XCR0 bits 5, 6, 7) */

/* The gcc target of each SIMD level and every CPU feature it enables (the implied SSE levels
 * and XSAVE included): simd_<level>.c stops the build if its target turns on a feature the
 * list does not name (vn_target_check.h), so the CPU check tests everything the compiler may
 * use. FMA is deliberately left out: the kernels would not use it, and a contracted
 * multiply-add could change a double's rounding. */
#define VN_TARGET_AVX2 "avx2,bmi,bmi2,lzcnt,popcnt"
#define VN_NEEDS_AVX2                                                                              \
    (VN_CPU_SSE3 | VN_CPU_SSSE3 | VN_CPU_SSE41 | VN_CPU_SSE42 | VN_CPU_POPCNT | VN_CPU_AVX |       \
     VN_CPU_AVX2 | VN_CPU_BMI | VN_CPU_BMI2 | VN_CPU_LZCNT | VN_CPU_XSAVE | VN_CPU_OS_YMM)
#define VN_TARGET_AVX512 VN_TARGET_AVX2 ",avx512f,avx512bw,avx512dq,avx512vl,avx512cd"
#define VN_NEEDS_AVX512                                                                            \
    (VN_NEEDS_AVX2 | VN_CPU_AVX512F | VN_CPU_AVX512BW | VN_CPU_AVX512DQ | VN_CPU_AVX512VL |        \
     VN_CPU_AVX512CD | VN_CPU_OS_ZMM)

/* The SIMD levels as preprocessor numbers, for `#if VN_SIMD == VN_ISA_AVX2` in kernels. */
#define VN_ISA_C 0
#define VN_ISA_AVX2 1
#define VN_ISA_AVX512 2
_Static_assert(VN_ISA_C == VN_SIMD_C && VN_ISA_AVX2 == VN_SIMD_AVX2 &&
                   VN_ISA_AVX512 == VN_SIMD_AVX512,
               "VN_ISA_* are the vn_simd levels");

/* _Pragma with a macro argument: VN_PRAGMA(GCC target(VN_TARGET_AVX2)). */
#define VN_PRAGMA_(x) _Pragma(#x)
#define VN_PRAGMA(x) VN_PRAGMA_(x)

/* Features of this CPU (VN_CPU_* bits), read once when the engine loads. */
unsigned vn_cpu_features(void);

/* ---- kernel tables --------------------------------------------------------------------- */
struct vn_adm_kernels;
struct vn_vif_kernels;
struct vn_motion_kernels;
struct vn_vif_share_kernels;
struct vn_ssim_kernels;
struct vn_evidence_kernels;

/* One SIMD level's kernels (simd_<level>.c). */
typedef struct {
    const struct vn_adm_kernels *adm;
    const struct vn_vif_kernels *vif;
    const struct vn_motion_kernels *motion;
    const struct vn_vif_share_kernels *vif_share;
    const struct vn_ssim_kernels *ssim;
    const struct vn_evidence_kernels *evidence;
} vn_kernels;

extern const vn_kernels vn_c_kernels;
#if VN_X86
extern const vn_kernels vn_avx2_kernels;
extern const vn_kernels vn_avx512_kernels;
#endif

/* The kernels of SIMD level simd (VN_SIMD_BEST: the best this CPU runs) in *out.
 * Returns VN_OK, VN_EINVAL for a level that does not exist, or VN_ENOTSUP for one this CPU
 * (or this build) cannot run. */
int vn_select(int simd, const vn_kernels **out);

/* ---- shared helpers ---------------------------------------------------------------------- */

/* Whole-sample mirror of index i into [0, n): -1 -> 1, n -> n - 2 (VIF and motion filters;
 * valid for -n < i < 2n - 1). */
static inline int vn_mirror(int i, int n)
{
    if (i < 0)
        return -i;
    if (i >= n)
        return 2 * (n - 1) - i;
    return i;
}

/* Q16 Gaussian taps of VIF's four scales (each set sums to 65536); the 5-tap set is also
 * motion's blur. */
__attribute__((unused)) static const uint32_t VN_TAPS17[17] = { 489,  935,  1640, 2640, 3896, 5274,
                                                                6547, 7455, 7784, 7455, 6547, 5274,
                                                                3896, 2640, 1640, 935,  489 };
__attribute__((unused)) static const uint32_t VN_TAPS9[9] = { 1244,  3663, 7925, 12590, 14692,
                                                              12590, 7925, 3663, 1244 };
__attribute__((unused)) static const uint32_t VN_TAPS5[5] = { 3571, 16004, 26386, 16004, 3571 };
__attribute__((unused)) static const uint32_t VN_TAPS3[3] = { 10904, 43728, 10904 };

/* Strides are in bytes everywhere; a plane of 16-bit samples needs an even one. */
static inline int vn_stride_ok(ptrdiff_t stride_bytes, int width, int bitdepth)
{
    const int bytes = bitdepth == 8 ? 1 : 2;
    return stride_bytes >= (ptrdiff_t)width * bytes && stride_bytes % bytes == 0;
}

#endif
