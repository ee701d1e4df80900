/* Native engine: internal declarations shared by the C sources (not bound by cffi). */
#ifndef VN_INTERNAL_H
#define VN_INTERNAL_H

#if defined(__x86_64__) && defined(__GNUC__)
#define VN_X86 1
#else
#define VN_X86 0
#endif

#define VN_LEVEL_C 0
#define VN_LEVEL_AVX2 1
#define VN_LEVEL_AVX512 2

#define VN_ERR_ARGS (-1)
#define VN_ERR_NOMEM (-2)
#define VN_ERR_LEVEL (-3)

/* Requested level (-1 = best) -> level to run, or VN_ERR_LEVEL if the CPU lacks it. */
int vn_resolve_level(int level);

#endif
