/* The kernels compiled for SIMD level VN_SIMD_AVX2 (target VN_TARGET_AVX2); chosen at run
 * time by engine.c when the CPU has every feature in VN_NEEDS_AVX2. */
#include "adm_internal.h"
#include "evidence_internal.h"
#include "motion_internal.h"
#include "ssim_internal.h"
#include "vif_internal.h"

#if VN_X86
VN_PRAGMA(GCC push_options)
VN_PRAGMA(GCC target(VN_TARGET_AVX2))
#define VN_LEVEL_NEEDS VN_NEEDS_AVX2
#include "vn_target_check.h"
#include <immintrin.h>

#define VN_SIMD VN_ISA_AVX2
#define VN_K(name) vn_avx2_##name
#define VN_VBYTES 32
#include "kernels.inc"
VN_PRAGMA(GCC pop_options)
#endif
