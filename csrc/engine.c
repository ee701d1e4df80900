/* Native engine: version and CPU features. */
#include <stdint.h>

#include "engine.h"
#include "vn_internal.h"

int vn_version(void) { return 2; }

int vn_simd_level(void)
{
#if VN_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx2"))
        return VN_LEVEL_AVX512;
    if (__builtin_cpu_supports("avx2"))
        return VN_LEVEL_AVX2;
#endif
    return VN_LEVEL_C;
}

int vn_resolve_level(int level)
{
    int best = vn_simd_level();
    if (level < 0)
        return best;
    if (level > best)
        return VN_ERR_LEVEL;
    return level;
}
