/* Native ADM row kernels compiled for AVX2 (chosen at run time; same numbers as portable C). */
#include "adm_internal.h"

#ifdef VN_ADM_HAVE_X86
#pragma GCC push_options
#pragma GCC target("avx2,bmi2")
#include <immintrin.h>
#define VN_K(name) vn_avx2_##name
#define VN_TABLE vn_adm_kernels_avx2
#include "adm_kernels.inc"
#pragma GCC pop_options
#endif
