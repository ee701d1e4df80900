/* Native ADM row kernels compiled for AVX-512 F/BW/DQ/VL/CD (chosen at run time; same numbers
 * as portable C). */
#include "adm_internal.h"

#ifdef VN_ADM_HAVE_X86
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512dq,avx512vl,avx512cd,bmi2")
#include <immintrin.h>
#define VN_K(name) vn_avx512_##name
#define VN_TABLE vn_adm_kernels_avx512
#include "adm_kernels.inc"
#pragma GCC pop_options
#endif
