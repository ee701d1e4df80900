/* The kernels compiled for SIMD level VN_SIMD_C: portable C (gcc's baseline for the machine,
 * SSE2 on x86-64). */
#include "adm_internal.h"
#include "evidence_internal.h"
#include "motion_internal.h"
#include "ssim_internal.h"
#include "vif_internal.h"

#define VN_SIMD VN_ISA_C
#define VN_K(name) vn_c_##name
#define VN_VBYTES 16
#include "kernels.inc"
