"""Which of libvmaf's code paths an engine reproduces: the ADM kernel by CPU, mask and width.

libvmaf 3.2.0 computes ADM's scale-0 contrast masking with one of three
kernels, chosen by the CPU it runs on and the ``cpumask`` that switches CPU
features off; where a masking term reaches the int16 limit their results
differ (docs/internals.md, "ADM code paths"). The reference and the native
engine reproduce each of them and pick the one libvmaf would pick here, with
the width rule of :func:`pyvmafneg.engines._options.exact_cpumask`, through
:func:`adm_kernel`.
"""

from __future__ import annotations

import functools
import importlib
import platform

from ._options import exact_cpumask

__all__ = ["ADM_KERNELS", "adm_kernel", "default_kernel", "kernel_for_cpumask"]

#: libvmaf's scale-0 contrast-masking kernels, by the columns one vector step covers:
#: the portable C code (0), x86 AVX2 (6) and AVX-512 (14). They differ only where a
#: masking term reaches the int16 limit (see :func:`default_kernel`).
ADM_KERNELS: dict[str, int] = {"c": 0, "avx2": 6, "avx512": 14}

# libvmaf's VmafCpuFlags bits (cpumask disables them).
_VMAF_FLAG_AVX2 = 1 << 3
_VMAF_FLAG_AVX512 = 1 << 4


def _cpu_features() -> dict[str, bool]:
    """NumPy's run-time CPU feature table (cpuid plus OS support), or {} if unavailable."""
    for module in ("numpy._core._multiarray_umath", "numpy.core._multiarray_umath"):
        try:
            table = getattr(importlib.import_module(module), "__cpu_features__", None)
        except ImportError:
            continue
        if isinstance(table, dict):
            return {str(k): bool(v) for k, v in table.items()}
    return {}


@functools.cache
def default_kernel() -> str:
    """The scale-0 masking kernel libvmaf 3.2.0 dispatches to on this CPU.

    libvmaf picks its ADM code by CPU: AVX-512 (F, CD, BW, DQ and VL) when the
    build has it, as PyAV's does, else AVX2, else portable C (every non-x86
    CPU; libvmaf's ARM code vectorises only the 8-bit wavelet). Their
    results differ only where a contrast-masking term is 15360 or more, i.e.
    a CSF-weighted coefficient of the masking band (the additive band for
    ``adm2``, the restored band for ``aim``) at about 60 % of full scale, as
    sharpened or contrast-stretched edges reach: the C code wraps the term to
    int16 there, the vector kernels do not, and which columns each kernel
    covers differs. The reference reproduces all three (``kernel=``); this
    is the one libvmaf uses here with ``cpumask=0``. See
    :func:`kernel_for_cpumask` for other masks.
    """
    return kernel_for_cpumask(0)


def kernel_for_cpumask(cpumask: int) -> str:
    """The kernel libvmaf uses on this CPU with ``VmafConfiguration.cpumask`` set.

    ``cpumask`` disables libvmaf's CPU flags (bit 3 AVX2, bit 4 AVX-512; 0 =
    auto-detect, ``0xffff`` = portable C), as in :class:`pyvmafneg.Scorer`.
    """
    if platform.machine().lower() not in ("x86_64", "amd64", "i386", "i686", "x86"):
        return "c"
    features = _cpu_features()
    avx512 = features.get("AVX512_SKX", False) or all(
        features.get(f"AVX512{x}", False) for x in ("F", "CD", "BW", "DQ", "VL")
    )
    if avx512 and not cpumask & _VMAF_FLAG_AVX512:
        return "avx512"
    if features.get("AVX2", False) and not cpumask & _VMAF_FLAG_AVX2:
        return "avx2"
    return "c"


def adm_kernel(width: int, cpumask: int = 0) -> str:
    """The ADM kernel libvmaf runs for frames ``width`` pixels wide under ``cpumask``.

    As the libvmaf engine sets its mask: where libvmaf's vector ADM disagrees
    with its scalar code and the mask is 0, the scalar code
    (:func:`~pyvmafneg.engines._options.exact_cpumask`).
    """
    return kernel_for_cpumask(exact_cpumask(width, cpumask))
