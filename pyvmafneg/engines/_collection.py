"""Bootstrapped model collections: which scored model has one, and its outputs in Python.

Netflix publishes one bootstrapped collection on the v0.6.1 features,
``vmaf_b_v0.6.3`` (bundled in ``pyvmafneg/model_files``, built into libvmaf
3.x): 21 nu-SVR models under the keys ``"0"`` to ``"20"`` of one JSON file,
``"0"`` trained on all the training data and the others on bootstrap
resamples of it. A scored model of the v0.6.1 family (``vmaf_v0.6.1``,
``vmaf_v0.6.1neg`` and their gain-limit overloads) has a *twin* collection:
``vmaf_b_v0.6.3`` with the same gain limits, so it reads the very features
the model reads. The NEG twin is bundled too (``vmaf_b_v0.6.3neg.json``,
every model with the gain-limit options of ``vmaf_v0.6.1neg.json``).

:func:`collection_outputs` computes, from a clip's features, what libvmaf's
collection API (``vmaf_score_at_index_model_collection``) gives per frame,
in the same order of operations, so the doubles are libvmaf's:

1. every resampled model's prediction, unclipped and untransformed (the
   shared SVM code, :meth:`~pyvmafneg.engines._svm.VmafModel.predict_rows`);
2. their mean (a left-to-right sum divided by the count), the population
   standard deviation (``sqrt(sum((s - mean)^2) / n)``) and the 2.5th and
   97.5th percentiles of the sorted scores, interpolated at
   ``p = perc * (n - 1) / 100``;
3. the main model's transform (when enabled) and clip applied to the mean
   and to both percentiles; the deviation multiplied by the slope of that
   transform and clip at the mean, ``(T(mean + 0.01) - T(mean - 0.01)) / 0.02``.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Final

import numpy as np
from numpy.typing import NDArray

from ..errors import ModelError
from ._models import ModelSpec
from ._svm import VmafModel, model_from_dict

__all__ = [
    "COLLECTION",
    "CollectionSpec",
    "ModelCollection",
    "collection_outputs",
    "collections_for",
]

#: The bootstrapped collection on the v0.6.1 features (built into libvmaf 3.x).
COLLECTION: Final[str] = "vmaf_b_v0.6.3"
#: Its NEG twin, bundled as a JSON file (both gain limits 1.0).
NEG_COLLECTION: Final[str] = "vmaf_b_v0.6.3neg"
#: Built-in models whose features the collection reads.
FAMILY: Final[tuple[str, ...]] = ("vmaf_v0.6.1", "vmaf_v0.6.1neg")
#: Percentiles of the resampled scores that bound the interval (libvmaf's ``p95``).
PERCENTILES: Final[tuple[float, float]] = (2.5, 97.5)
#: Half-width of the difference that measures the slope of the transform and clip.
_DELTA: Final[float] = 0.01


@dataclass(frozen=True)
class CollectionSpec:
    """The twin collection of one scored model.

    Attributes
    ----------
    model:
        Name of the scored model (``'vmaf'``, ``'vmaf_neg'``).
    vif_gain_limit, adm_gain_limit:
        Gain limits of the scored model, in [1, 100].
    """

    model: str
    vif_gain_limit: float = 100.0
    adm_gain_limit: float = 100.0

    @property
    def name(self) -> str:
        """The name libvmaf stores the collection's scores under (unique in a run)."""
        return f"{self.model}__{COLLECTION}"

    @property
    def is_neg(self) -> bool:
        """True for the NEG twin (both gain limits 1.0): the bundled NEG file applies."""
        return self.vif_gain_limit == 1.0 and self.adm_gain_limit == 1.0

    def describe(self) -> str:
        """``vmaf_b_v0.6.3``, ``vmaf_b_v0.6.3neg`` or the collection with its limits."""
        if self.is_neg:
            return NEG_COLLECTION
        if self.vif_gain_limit == 100.0 and self.adm_gain_limit == 100.0:
            return COLLECTION
        return (
            f"{COLLECTION} (vif_enhn_gain_limit={self.vif_gain_limit:g}, "
            f"adm_enhn_gain_limit={self.adm_gain_limit:g})"
        )


def collections_for(specs: Sequence[ModelSpec]) -> tuple[CollectionSpec, ...]:
    """The twin collection of every model in ``specs`` that has one.

    Raises
    ------
    ModelError
        None of the models has one (only the v0.6.1 family does).
    """
    found = []
    for spec in specs:
        if spec.is_path or spec.version not in FAMILY:
            continue
        vif, adm = spec.effective_limits
        found.append(CollectionSpec(spec.name, float(vif or 100.0), float(adm or 100.0)))
    if not found:
        raise ModelError(
            f"none of the models {', '.join(s.source for s in specs)} has a bootstrapped "
            f"collection: model intervals come from {COLLECTION}, which reads the features of "
            f"{' and '.join(FAMILY)} (and their gain-limit overloads)",
            model=specs[0].source if specs else "",
        )
    return tuple(found)


@dataclass(frozen=True, eq=False)
class ModelCollection:
    """The models of a bootstrapped collection, ready to predict.

    Attributes
    ----------
    main:
        Model ``"0"``, with the run's clip and transform settings.
    members:
        Models ``"1"`` onwards, unclipped and untransformed (their raw scores
        feed the statistics).
    """

    main: VmafModel
    members: tuple[VmafModel, ...]


@functools.lru_cache(maxsize=6)
def load_collection(*, clip: bool = True, transform: bool | None = None) -> ModelCollection:
    """Load the bundled ``vmaf_b_v0.6.3`` (the features at any gain limit are the caller's).

    ``clip`` and ``transform`` act as libvmaf's model flags do on the main
    model: ``clip=False`` drops its ``score_clip``, ``transform=True`` turns
    its ``score_transform`` on. Loaded once per setting (the models are
    immutable: frozen, with read-only arrays) and shared by every run.
    """
    text = resources.files("pyvmafneg").joinpath("model_files", f"{COLLECTION}.json")
    data = json.loads(text.read_text("utf-8"))
    if not isinstance(data, dict) or "0" not in data:
        raise ModelError(f"{COLLECTION}.json is not a model collection")
    keys = []
    while str(len(keys)) in data:
        keys.append(str(len(keys)))
    main = model_from_dict(
        data["0"],
        name=COLLECTION,
        enable_transform=transform is True,
        disable_clip=not clip,
        model_types=("BOOTSTRAP_LIBSVMNUSVR",),
    )
    members = []
    for key in keys[1:]:
        member = model_from_dict(
            data[key],
            name=f"{COLLECTION}_{int(key):04d}",
            disable_clip=True,
            model_types=("BOOTSTRAP_LIBSVMNUSVR",),
        )
        members.append(
            dataclasses.replace(
                member, transform=dataclasses.replace(member.transform, enabled=False)
            )
        )
    if not members:
        raise ModelError(f"{COLLECTION}.json holds no resampled models")
    return ModelCollection(main, tuple(members))


def _percentile(ordered: list[float], perc: float) -> float:
    """libvmaf's linear-interpolation percentile of sorted values (perc in [0, 100])."""
    p = perc * (len(ordered) - 1) / 100.0
    lo, hi = math.floor(p), math.ceil(p)
    if lo == hi:
        return ordered[lo]
    return ordered[lo] * (hi - p) + ordered[hi] * (p - lo)


def collection_outputs(
    collection: ModelCollection, features: NDArray[np.float64]
) -> dict[str, list[float]]:
    """Per-frame ``score``, ``bagging``, ``stddev``, ``low``, ``high`` of a collection.

    Parameters
    ----------
    collection:
        The loaded collection.
    features:
        Shape (n_frames, n_features), the columns in the models' feature
        order (``adm2``, ``motion2``, ``vif_scale0`` .. ``vif_scale3`` at the
        twin's gain limits).

    Returns
    -------
    dict
        One list of n_frames doubles per output, VMAF points; each equal to
        libvmaf's collection output for that frame.
    """
    x = np.asarray(features, dtype=np.float64)
    n = x.shape[0]
    raw = [m.predict_rows(x) for m in collection.members]
    main = collection.main
    out: dict[str, list[float]] = {
        "score": main.predict_rows(x),
        "bagging": [],
        "stddev": [],
        "low": [],
        "high": [],
    }
    count = len(raw)
    for i in range(n):
        scores = [r[i] for r in raw]
        total = 0.0
        for s in scores:
            total += s
        mean = total / count
        ssd = 0.0
        for s in scores:
            ssd += math.pow(s - mean, 2)
        stddev = math.sqrt(ssd / count)
        ordered = sorted(scores)
        low = main.finish(_percentile(ordered, PERCENTILES[0]))
        high = main.finish(_percentile(ordered, PERCENTILES[1]))
        plus = main.finish(mean + _DELTA)
        minus = main.finish(mean - _DELTA)
        slope = (plus - minus) / (2.0 * _DELTA)
        out["bagging"].append(main.finish(mean))
        out["stddev"].append(stddev * slope)
        out["low"].append(low)
        out["high"].append(high)
    return out
