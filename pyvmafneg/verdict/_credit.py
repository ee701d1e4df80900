"""Where the enhancement credit comes from: uncapped against capped VIF and ADM.

Default VMAF and its NEG twin run one SVM on the same six features; only the
VIF and ADM features differ: NEG's are computed with the enhancement gain
capped at parity (libvmaf's ``_egl_1`` features). So from the features of one
run the package recomputes, frame by frame and unclipped,

* ``credit = model(uncapped features) - model(capped features)``: the gap as
  it would be without clipping at 100 (a clipped log hides it where default
  VMAF reaches 100);
* ``adm``: the part of it that capping ADM alone removes;
* ``vif``: the part that capping the four VIF scales alone removes;

and the pooled difference of each feature (``integer_adm2 -
integer_adm2_egl_1`` ...). Cap shares (the fraction of locations where a cap
acts) are passed through when an engine reports them (the native engine's
``integer_vif_cap_share_scale0_egl_1`` ...).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from ._ceiling import CeilingUnavailable, _model_from, find_motion

__all__ = ["FEATURES", "Credit", "credit_of", "lookup"]

#: The uncapped features of the v0.6.1 family, in the models' order after motion2.
FEATURES: tuple[str, ...] = (
    "adm2",
    "vif_scale0",
    "vif_scale1",
    "vif_scale2",
    "vif_scale3",
)
_CAPPED = "_egl_1"


@dataclass(frozen=True)
class Credit:
    """Enhancement credit per frame and where it comes from.

    Attributes
    ----------
    default:
        Per frame: the default model's score recomputed unclipped from the
        uncapped features (VMAF points).
    total:
        Per frame: default minus NEG recomputed unclipped (VMAF points).
    adm, vif:
        Per frame: the credit removed by capping only ADM, only VIF (points;
        they need not add up to ``total``, the SVM is not additive).
    feature_diffs:
        Pooled mean of uncapped minus capped value for ``adm2`` and
        ``vif_scale0..3`` (dimensionless; >= 0 up to rounding).
    cap_shares:
        Pooled share of locations where NEG's caps act (0-1), per feature and
        scale (``vif_scale0``, ``adm_scale0`` ...), when the engine reports
        them (the native engine's ``*_cap_share_*_egl_1`` features).
    """

    default: np.ndarray
    total: np.ndarray
    adm: np.ndarray
    vif: np.ndarray
    feature_diffs: dict[str, float] = field(default_factory=dict)
    cap_shares: dict[str, float] = field(default_factory=dict)

    @property
    def pooled(self) -> float:
        """Mean of :attr:`total` over the frames (points)."""
        return float(self.total.mean())


def lookup(features: Mapping[str, np.ndarray], name: str) -> np.ndarray | None:
    for key in (f"integer_{name}", name, f"VMAF_integer_feature_{name}_score"):
        if key in features:
            return np.asarray(features[key], dtype=np.float64)
    return None


def _share_name(key: str) -> str:
    """``integer_vif_cap_share_scale0_egl_1`` -> ``vif_scale0``."""
    name = key.removeprefix("integer_").removesuffix(_CAPPED)
    return name.replace("_cap_share", "")


def credit_of(model: str, features: Mapping[str, np.ndarray]) -> Credit:
    """Recompute the enhancement credit of a run from its features.

    Parameters
    ----------
    model:
        The model file giving both scores (see
        :func:`pyvmafneg.verdict._ceiling.ceiling_model`).
    features:
        Per-frame features of the run: ``integer_motion2``, the uncapped
        ``integer_adm2``/``integer_vif_scale0..3`` and their ``_egl_1``
        twins (as libvmaf logs them when default VMAF and VMAF-NEG are
        scored together).

    Raises
    ------
    CeilingUnavailable
        When a feature is missing (``reason`` names it).
    """
    motion_key = find_motion(features)
    missing = [] if motion_key is not None else ["integer_motion2"]
    plain: dict[str, np.ndarray] = {}
    capped: dict[str, np.ndarray] = {}
    for name in FEATURES:
        u, c = lookup(features, name), lookup(features, name + _CAPPED)
        if u is None:
            missing.append(f"integer_{name}")
        else:
            plain[name] = u
        if c is None:
            missing.append(f"integer_{name}{_CAPPED}")
        else:
            capped[name] = c
    if missing:
        raise CeilingUnavailable(
            f"the run lacks {', '.join(missing[:3])}{' ...' if len(missing) > 3 else ''}, so "
            "the credit cannot be recomputed from uncapped and capped features"
        )
    m = _model_from(model)
    motion = np.asarray(features[motion_key], dtype=np.float64)  # type: ignore[index]
    order = []
    for fname in m.feature_names:
        low = fname.lower()
        if "motion2" in low:
            order.append("motion2")
        else:
            match = next((n for n in FEATURES if n in low), None)
            if match is None:
                raise CeilingUnavailable(f"model {m.name} uses {fname}, not a v0.6.1 feature")
            order.append(match)

    def matrix(adm_from: dict[str, np.ndarray], vif_from: dict[str, np.ndarray]) -> np.ndarray:
        columns = []
        for name in order:
            if name == "motion2":
                columns.append(motion)
            elif name == "adm2":
                columns.append(adm_from[name])
            else:
                columns.append(vif_from[name])
        return np.column_stack(columns)

    default = m.predict_many(matrix(plain, plain))
    total = default - m.predict_many(matrix(capped, capped))
    adm = default - m.predict_many(matrix(capped, plain))
    vif = default - m.predict_many(matrix(plain, capped))
    diffs = {name: float(np.mean(plain[name] - capped[name])) for name in FEATURES}
    shares = {
        _share_name(key): float(np.mean(values))
        for key, values in features.items()
        if "cap_share" in key and key.endswith(_CAPPED)
    }
    return Credit(
        default=default, total=total, adm=adm, vif=vif, feature_diffs=diffs, cap_shares=shares
    )
