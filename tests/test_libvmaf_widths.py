"""Widths at which libvmaf 3.2.0's vector ADM disagrees with its own scalar code.

At :data:`~pyvmafneg.engines._options.VECTOR_MISMATCH_WIDTHS` libvmaf's AVX2
and AVX-512 ADM give repeatable scores that differ from its C code, while the
C code, FFmpeg's ``libvmaf`` filter, the native engine and the NumPy reference
agree. The libvmaf engine scores those widths with the C code unless the
caller chose a CPU mask; every number here is computed at test time.
"""

from __future__ import annotations

import numpy as np
import pytest

import pyvmafneg
from pyvmafneg.demo import map_frames, natural_clip, unsharp_mask
from pyvmafneg.engines._options import (
    VECTOR_CPUMASK,
    VECTOR_MISMATCH_WIDTHS,
    VECTOR_MISMATCH_WIDTHS_AVX2,
    mismatch_widths,
)
from pyvmafneg.engines._paths import default_kernel

KEYS = ("integer_adm2", "integer_adm_scale0", "vmaf", "vmaf_neg")


def _pair(width: int) -> tuple[list, list]:
    clip = natural_clip("astronaut", frames=3, width=width, height=40)
    return clip, map_frames(clip, lambda y: unsharp_mask(y, amount=1.0))


@pytest.mark.parametrize("width", [70, 140, 260, 517])
def test_mismatch_widths_score_with_the_scalar_code(width: int) -> None:
    assert width in VECTOR_MISMATCH_WIDTHS
    ref, dis = _pair(width)
    auto = pyvmafneg.score(ref, dis, backend="libvmaf", threads=0, clip=False)
    scalar = pyvmafneg.score(
        ref, dis, backend="libvmaf", threads=0, clip=False, cpumask=VECTOR_CPUMASK
    )
    witness = pyvmafneg.score(ref, dis, backend="reference", clip=False)
    for key in KEYS:
        np.testing.assert_array_equal(auto[key], scalar[key], err_msg=key)
        np.testing.assert_array_equal(auto[key], witness[key], err_msg=key)
    # libvmaf's vector code, asked for explicitly (0x20 leaves AVX2 and AVX-512 on),
    # really differs here: this is what the default avoids.
    vector = pyvmafneg.score(ref, dis, backend="libvmaf", threads=0, clip=False, cpumask=0x20)
    assert not np.array_equal(vector["integer_adm2"], scalar["integer_adm2"])
    # FFmpeg's libvmaf filter agrees with the scalar code, to its log's 6 decimals.
    ffmpeg = pyvmafneg.score(ref, dis, backend="ffmpeg", clip=False)
    np.testing.assert_allclose(ffmpeg["integer_adm2"], scalar["integer_adm2"], atol=1e-6, rtol=0)


@pytest.mark.parametrize("width", [85, 149, 277, 521])
def test_other_widths_keep_the_vector_code(width: int) -> None:
    """Next to the set, libvmaf's vector and scalar code agree: the set's edges are right."""
    assert width not in VECTOR_MISMATCH_WIDTHS_AVX2 and width not in VECTOR_MISMATCH_WIDTHS
    ref, dis = _pair(width)
    with pyvmafneg.Scorer(threads=0, clip=False) as scorer:
        for r, d in zip(ref, dis, strict=True):
            scorer.feed(r, d)
        auto = scorer.flush()
    scalar = pyvmafneg.score(
        ref, dis, backend="libvmaf", threads=0, clip=False, cpumask=VECTOR_CPUMASK
    )
    for key in KEYS:
        np.testing.assert_array_equal(auto[key], scalar[key], err_msg=key)


@pytest.mark.parametrize("width", [38, 50, 77, 101, 203, 305])
def test_avx2_widths_score_with_the_scalar_code_on_an_avx2_cpu(width: int) -> None:
    """libvmaf's AVX2 ADM disagrees with its scalar code at more widths than its AVX-512
    ADM; on a CPU where libvmaf runs AVX2 every engine takes the scalar code there."""
    assert width in VECTOR_MISMATCH_WIDTHS_AVX2 and width not in VECTOR_MISMATCH_WIDTHS
    if default_kernel() != "avx2":
        pytest.skip("libvmaf does not run its AVX2 ADM on this CPU")
    assert width in mismatch_widths()
    ref, dis = _pair(width)
    auto = pyvmafneg.score(ref, dis, backend="libvmaf", threads=0, clip=False)
    scalar = pyvmafneg.score(
        ref, dis, backend="libvmaf", threads=0, clip=False, cpumask=VECTOR_CPUMASK
    )
    vector = pyvmafneg.score(ref, dis, backend="libvmaf", threads=0, clip=False, cpumask=0x20)
    adm = [k for k in scalar.features if k.startswith("integer_adm")]
    assert any(not np.array_equal(vector[k], scalar[k]) for k in adm)
    for backend in ("native", "reference"):
        other = pyvmafneg.score(ref, dis, backend=backend, clip=False)
        for key in KEYS:
            np.testing.assert_array_equal(other[key], scalar[key], err_msg=f"{backend} {key}")
    for key in KEYS:
        np.testing.assert_array_equal(auto[key], scalar[key], err_msg=key)
