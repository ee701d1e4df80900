"""The ``residual_gain`` hint: an encode against a baseline encode of the same source."""

from __future__ import annotations

import numpy as np

from ..results._result import Result, pool
from ._report import Evidence

__all__ = ["residual_gain", "residual_gain_from_means"]


def residual_gain(baseline: Result, result: Result) -> Evidence | str:
    """The ``residual_gain`` hint of ``result`` against a ``baseline`` encode of the same source.

    Fires when pooled NEG rises while PSNR-Y and SSIM both fall: the encode
    scores better under the capped model although it is further from the
    reference by both plain fidelity measures, the pattern of enhancement
    that the caps let through (mild sharpening before a low-rate encode).

    Returns
    -------
    Evidence or str
        The evidence when the hint fires; otherwise an empty string, or a
        sentence saying why it could not be tested.
    """
    if not baseline.has_gap:
        return "residual-gain hint not tested: the baseline has no NEG model"
    keys = {}
    for name, candidates in (
        ("psnr_y", ("psnr_y", "float_psnr_y")),
        ("ssim", ("float_ssim", "ssim", "ssim_y")),
    ):
        found = next(
            (k for k in candidates if k in result.features and k in baseline.features), None
        )
        if found is None:
            return (
                f"residual-gain hint not tested: {name} is not in both runs; score both with "
                "the extra features psnr_y and float_ssim"
            )
        keys[name] = found
    return residual_gain_from_means(
        neg=(
            pool(result.scores[str(result.neg_model)]).mean,
            pool(baseline.scores[str(baseline.neg_model)]).mean,
        ),
        psnr_y=(
            float(np.mean(result.features[keys["psnr_y"]])),
            float(np.mean(baseline.features[keys["psnr_y"]])),
        ),
        ssim=(
            float(np.mean(result.features[keys["ssim"]])),
            float(np.mean(baseline.features[keys["ssim"]])),
        ),
        neg_model=str(result.neg_model),
    )


def residual_gain_from_means(
    *,
    neg: tuple[float, float],
    psnr_y: tuple[float, float],
    ssim: tuple[float, float],
    neg_model: str = "vmaf_neg",
) -> Evidence | str:
    """The ``residual_gain`` rule on pooled means, each given as ``(encode, baseline)``.

    ``neg`` in VMAF points, ``psnr_y`` in dB, ``ssim`` in [0, 1]. Returns the
    evidence when NEG rises while PSNR-Y and SSIM both fall, else ``''``.
    """
    (n_now, n_base), (p_now, p_base), (s_now, s_base) = neg, psnr_y, ssim
    numbers = {
        "neg_change": n_now - n_base,
        "psnr_y_change_db": p_now - p_base,
        "ssim_change": s_now - s_base,
    }
    if n_now > n_base and p_now < p_base and s_now < s_base:
        return Evidence(
            "residual_gain",
            "borderline",
            f"against the baseline, {neg_model} rises by {n_now - n_base:+.2f} points "
            f"while PSNR-Y falls by {p_base - p_now:.2f} dB and SSIM by {s_base - s_now:.4f}: "
            "the encode is further from the reference yet scores better under the capped "
            "model. This is a hint, not proof: NEG caps enhancement gain but is not "
            "un-gameable, and a real improvement in what VMAF values can do the same; "
            "compare encodes of similar bitrate",
            numbers,
        )
    return ""
