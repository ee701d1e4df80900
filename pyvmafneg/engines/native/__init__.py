"""The native engine: VIF, ADM and motion for several gain limits from one pass, PSNR, SSIM
and MS-SSIM (C, ``csrc/``).

:class:`NativeScorer` / :func:`score_native` score clips like :func:`pyvmafneg.score`
with libvmaf 3.2.0's numbers; :func:`available` says whether the engine is
compiled in this installation and :func:`simd_level` which kernels it runs.
Native runs started inside :func:`joining` a :class:`ReferenceGroup` score
their frames together when they share the reference's planes.
"""

from ._group import ReferenceGroup, joining
from ._kernels import ENV_SIMD, LEVELS, available, available_levels, resolve_simd, simd_level
from ._metrics import split_features
from ._scorer import SUPPORTED_MODELS, NativeScorer, cap_share_key, native_model, score_native

__all__ = [
    "ENV_SIMD",
    "LEVELS",
    "SUPPORTED_MODELS",
    "NativeScorer",
    "ReferenceGroup",
    "available",
    "available_levels",
    "cap_share_key",
    "joining",
    "native_model",
    "resolve_simd",
    "score_native",
    "simd_level",
    "split_features",
]
