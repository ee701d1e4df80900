/* Included by simd_<level>.c right after its `#pragma GCC target`, with VN_LEVEL_NEEDS set to
 * the VN_CPU_* bits the level's CPU check tests: the build stops if the target turned on an
 * instruction set that check does not test, so a dispatched level never meets an instruction
 * its CPU lacks. */
#ifndef VN_LEVEL_NEEDS
#error "define VN_LEVEL_NEEDS before including vn_target_check.h"
#endif
#if defined(__SSE3__) && !(VN_LEVEL_NEEDS & VN_CPU_SSE3)
#error "the target enables SSE3, which the CPU check does not test"
#endif
#if defined(__SSSE3__) && !(VN_LEVEL_NEEDS & VN_CPU_SSSE3)
#error "the target enables SSSE3, which the CPU check does not test"
#endif
#if defined(__SSE4_1__) && !(VN_LEVEL_NEEDS & VN_CPU_SSE41)
#error "the target enables SSE4_1, which the CPU check does not test"
#endif
#if defined(__SSE4_2__) && !(VN_LEVEL_NEEDS & VN_CPU_SSE42)
#error "the target enables SSE4_2, which the CPU check does not test"
#endif
#if defined(__POPCNT__) && !(VN_LEVEL_NEEDS & VN_CPU_POPCNT)
#error "the target enables POPCNT, which the CPU check does not test"
#endif
#if defined(__AVX__) && !(VN_LEVEL_NEEDS & VN_CPU_AVX)
#error "the target enables AVX, which the CPU check does not test"
#endif
#if defined(__AVX2__) && !(VN_LEVEL_NEEDS & VN_CPU_AVX2)
#error "the target enables AVX2, which the CPU check does not test"
#endif
#if defined(__FMA__) && !(VN_LEVEL_NEEDS & VN_CPU_FMA)
#error "the target enables FMA, which the CPU check does not test"
#endif
#if defined(__F16C__) && !(VN_LEVEL_NEEDS & VN_CPU_F16C)
#error "the target enables F16C, which the CPU check does not test"
#endif
#if defined(__BMI__) && !(VN_LEVEL_NEEDS & VN_CPU_BMI)
#error "the target enables BMI, which the CPU check does not test"
#endif
#if defined(__BMI2__) && !(VN_LEVEL_NEEDS & VN_CPU_BMI2)
#error "the target enables BMI2, which the CPU check does not test"
#endif
#if defined(__LZCNT__) && !(VN_LEVEL_NEEDS & VN_CPU_LZCNT)
#error "the target enables LZCNT, which the CPU check does not test"
#endif
#if defined(__XSAVE__) && !(VN_LEVEL_NEEDS & VN_CPU_XSAVE)
#error "the target enables XSAVE, which the CPU check does not test"
#endif
#if defined(__AVX512F__) && !(VN_LEVEL_NEEDS & VN_CPU_AVX512F)
#error "the target enables AVX512F, which the CPU check does not test"
#endif
#if defined(__AVX512BW__) && !(VN_LEVEL_NEEDS & VN_CPU_AVX512BW)
#error "the target enables AVX512BW, which the CPU check does not test"
#endif
#if defined(__AVX512DQ__) && !(VN_LEVEL_NEEDS & VN_CPU_AVX512DQ)
#error "the target enables AVX512DQ, which the CPU check does not test"
#endif
#if defined(__AVX512VL__) && !(VN_LEVEL_NEEDS & VN_CPU_AVX512VL)
#error "the target enables AVX512VL, which the CPU check does not test"
#endif
#if defined(__AVX512CD__) && !(VN_LEVEL_NEEDS & VN_CPU_AVX512CD)
#error "the target enables AVX512CD, which the CPU check does not test"
#endif
/* Instruction sets no level's CPU check tests: no target may enable them. */
#if defined(__FMA4__) || defined(__XOP__) || defined(__MOVBE__) || defined(__AVX512IFMA__) ||      \
    defined(__AVX512VBMI__) || defined(__AVX512VBMI2__) || defined(__AVX512VNNI__) ||              \
    defined(__AVX512BITALG__) || defined(__AVX512VPOPCNTDQ__) || defined(__AVX512BF16__) ||        \
    defined(__AVX512FP16__) || defined(__AVX512ER__) || defined(__AVX512PF__) ||                   \
    defined(__AVXVNNI__) || defined(__GFNI__) || defined(__VAES__) || defined(__VPCLMULQDQ__) ||   \
    defined(__PCLMUL__) || defined(__AES__) || defined(__SHA__) || defined(__ADX__) ||             \
    defined(__RDRND__) || defined(__RDSEED__) || defined(__XSAVEOPT__) || defined(__XSAVEC__) ||   \
    defined(__XSAVES__) || defined(__CLFLUSHOPT__) || defined(__PREFETCHWT1__) ||                  \
    defined(__ABM__) || defined(__TBM__) || defined(__SSE4A__) || defined(__LWP__)
#error                                                                                             \
    "the target enables an instruction set the CPU check does not test (do not build with -march: the engine picks its instruction sets at run time)"
#endif
