"""Per-frame reports of where VMAF-NEG's enhancement-gain cap acts.

For each frame pair, one filtering pass of VIF (:func:`~.vif.vif_explain`)
and one wavelet decomposition of ADM (:func:`~.adm.adm_explain`) give, from
the same intermediate numbers, every feature with and without the cap, the
maps of where the cap bit, and the fraction of locations it touched. With
motion from the reference frames, the v0.6.1 model turns both feature sets
into the VMAF the frame earns uncapped and the VMAF it earns capped (at gain
limit 1.0 that is VMAF-NEG). Everything here is a pure function of arrays;
nothing is read or written.

* VIF: the cap bites at a location when the local gain
  g = sigma12 / sigma1^2 (distorted/reference contrast) exceeds the limit
  where g enters the score (``VifExplain.cap_mask``); the fraction is over
  all locations of the scale.
* ADM: the cap bites where it changes the restored detail coefficient
  (``AdmBandCap.cap_map``); the fraction is over the pooled window (libvmaf
  drops a ~10 % border), per scale and band (h, v, d). libvmaf's fixed-point
  restoration rounds the gain to Q15, so with limit 1 tiny changes also
  appear where the distorted detail is *not* stronger (the uncapped run
  restores the distorted coefficient exactly, the capped run its rounded
  ratio times the reference): the fraction counts those too.

Example::

    from pyvmafneg.engines.reference._explain import explain_frames, format_frame

    for cap in explain_frames(reference_frames, distorted_frames, gain_limit=1.0):
        print(format_frame(cap))
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from ...errors import FrameError, OptionError, SizeMismatchError
from ...io._frame import ClipChecker, FrameLike, iter_pairs
from .._integer import VIF_KEYS
from .._models import ModelSpec, check_gain_limit, feature_suffix
from ._adm import ADM_FEATURES, BANDS, AdmExplain, adm_explain
from ._backend import ReferenceModel, reference_model
from ._motion import Motion2
from ._vif import VifExplain, vif_explain

__all__ = [
    "CapSummary",
    "FrameCap",
    "explain_frames",
    "explain_pair",
    "format_frame",
    "format_summary",
    "summarize",
]

#: Features reported, by libvmaf's (default-limit) names.
FEATURES: Final[tuple[str, ...]] = tuple(f"integer_{k}" for k in (*VIF_KEYS, *ADM_FEATURES))


@dataclass(frozen=True, eq=False)
class FrameCap:
    """What the enhancement-gain cap did to one frame.

    Attributes
    ----------
    frame:
        Frame number (0-based).
    gain_limit:
        The cap examined (``vif_enhn_gain_limit`` = ``adm_enhn_gain_limit``),
        in [1, 100]; VMAF-NEG uses 1.0.
    vif_fraction:
        Per VIF scale 0..3, the fraction of all locations where the cap bit
        (local gain above the limit where it enters the score), in [0, 1].
    vif_fraction_of_used:
        Per VIF scale, the same count over the locations where the gain term
        enters the score at all, in [0, 1].
    adm_fraction:
        Per ADM scale 0..3, ``(h, v, d)`` fractions of the pooled window where
        the cap changed the restored coefficient, in [0, 1].
    adm_fraction_total:
        The same over all scales and bands.
    uncapped, capped:
        Features keyed by :data:`FEATURES` (libvmaf's default names:
        ``integer_vif_scale0`` ... ``integer_adm2``, ``integer_adm_scale0`` ...,
        ``integer_aim``, ``integer_adm3``), at libvmaf's default limit (100)
        and at ``gain_limit``, both from the same pass; dimensionless (about 1
        for a faithful copy; ``integer_aim`` about 0, and it grows when the
        cap moves enhancement into the additive impairment).
    motion2:
        libvmaf's ``integer_motion2`` for the frame (8-bit luma levels per
        pixel; 0 for frame 0).
    vmaf, vmaf_capped:
        The model's score from the uncapped and from the capped features
        (with ``gain_limit`` 1.0 and the v0.6.1 model: VMAF and VMAF-NEG).
    model, clipped:
        The model used and whether its scores were clipped to [0, 100].
    vif_maps, adm_maps:
        The full maps (:class:`~pyvmafneg.engines.reference._vif.VifExplain`,
        :class:`~pyvmafneg.engines.reference._adm.AdmExplain`), or None when they were
        not kept.
    """

    frame: int
    gain_limit: float
    vif_fraction: tuple[float, ...]
    vif_fraction_of_used: tuple[float, ...]
    adm_fraction: tuple[tuple[float, float, float], ...]
    adm_fraction_total: float
    uncapped: dict[str, float]
    capped: dict[str, float]
    motion2: float
    vmaf: float
    vmaf_capped: float
    model: str = "vmaf_v0.6.1"
    clipped: bool = False
    vif_maps: VifExplain | None = None
    adm_maps: AdmExplain | None = None

    @property
    def vmaf_drop(self) -> float:
        """``vmaf - vmaf_capped`` in VMAF points (>= 0 up to quantisation)."""
        return self.vmaf - self.vmaf_capped

    @property
    def capped_keys(self) -> dict[str, str]:
        """Default feature name -> libvmaf's name at ``gain_limit`` (``..._egl_1``)."""
        suffix = feature_suffix(self.gain_limit)
        return {k: f"{k}{suffix}" for k in FEATURES}

    @property
    def bites(self) -> bool:
        """True when the cap changed anything in VIF or ADM."""
        return any(f > 0 for f in self.vif_fraction) or self.adm_fraction_total > 0

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready summary (no maps)."""
        return {
            "frameNum": self.frame,
            "gain_limit": self.gain_limit,
            "motion2": self.motion2,
            "vmaf": self.vmaf,
            "vmaf_capped": self.vmaf_capped,
            "vmaf_drop": self.vmaf_drop,
            "vif": [
                {
                    "scale": s,
                    "cap_fraction": self.vif_fraction[s],
                    "cap_fraction_of_used": self.vif_fraction_of_used[s],
                    "uncapped": self.uncapped[f"integer_vif_scale{s}"],
                    "capped": self.capped[f"integer_vif_scale{s}"],
                }
                for s in range(4)
            ],
            "adm": {
                "adm2": {
                    "uncapped": self.uncapped["integer_adm2"],
                    "capped": self.capped["integer_adm2"],
                },
                "cap_fraction": self.adm_fraction_total,
                "scales": [
                    {
                        "scale": s,
                        "cap_fraction": dict(zip(BANDS, self.adm_fraction[s], strict=True)),
                        "uncapped": self.uncapped[f"integer_adm_scale{s}"],
                        "capped": self.capped[f"integer_adm_scale{s}"],
                    }
                    for s in range(4)
                ],
            },
            "features": {
                **{k: self.uncapped[k] for k in FEATURES},
                **{self.capped_keys[k]: self.capped[k] for k in FEATURES},
            },
        }


def _models(model: str, gain_limit: float, clip: bool) -> tuple[ReferenceModel, ReferenceModel]:
    """The model at the default limits (uncapped) and at ``gain_limit`` (capped)."""
    free = reference_model(ModelSpec(model, vif_gain_limit=100.0, adm_gain_limit=100.0), clip=clip)
    capped = reference_model(
        ModelSpec(model, vif_gain_limit=gain_limit, adm_gain_limit=gain_limit), clip=clip
    )
    return free, capped


def _frame_cap(
    frame: int,
    vif: VifExplain,
    adm: AdmExplain,
    motion2: float,
    models: tuple[ReferenceModel, ReferenceModel],
    *,
    keep_maps: bool,
    clipped: bool,
) -> FrameCap:
    gain_limit = vif.gain_limit
    uncapped = {f"integer_{k}": v for k, v in vif.scores_uncapped.items()}
    uncapped |= {f"integer_{k}": v for k, v in adm.uncapped.items()}
    capped = {f"integer_{k}": v for k, v in vif.scores_capped.items()}
    capped |= {f"integer_{k}": v for k, v in adm.capped.items()}
    suffix = feature_suffix(gain_limit)
    inputs = {**uncapped, "integer_motion2": motion2}
    inputs |= {f"{k}{suffix}": v for k, v in capped.items()}
    adm_fraction = tuple(tuple(adm.band(s, b).fraction for b in BANDS) for s in range(4))
    return FrameCap(
        frame=frame,
        gain_limit=gain_limit,
        vif_fraction=tuple(vif.cap_fraction),
        vif_fraction_of_used=tuple(vif.cap_fraction_of_used),
        adm_fraction=adm_fraction,  # type: ignore[arg-type]
        adm_fraction_total=adm.fraction,
        uncapped={k: uncapped[k] for k in FEATURES},
        capped={k: capped[k] for k in FEATURES},
        motion2=motion2,
        vmaf=models[0].predict(inputs),
        vmaf_capped=models[1].predict(inputs),
        model=models[0].spec.source,
        clipped=clipped,
        vif_maps=vif if keep_maps else None,
        adm_maps=adm if keep_maps else None,
    )


def explain_pair(
    ref: NDArray[np.unsignedinteger],
    dis: NDArray[np.unsignedinteger],
    bitdepth: int,
    gain_limit: float = 1.0,
    *,
    motion2: float = 0.0,
    frame: int = 0,
    model: str = "vmaf_v0.6.1",
    clip: bool = False,
    keep_maps: bool = True,
) -> FrameCap:
    """The cap report of one pair of luma planes.

    Parameters
    ----------
    ref, dis:
        Luma planes, same shape (at least 33x33), ``uint8`` for 8-bit and
        ``uint16`` for 10/12/16-bit samples.
    bitdepth:
        8, 10, 12 or 16.
    gain_limit:
        The cap to examine, in [1, 100] (1.0 = VMAF-NEG).
    motion2:
        The frame's motion feature (libvmaf's ``integer_motion2``; it needs
        the neighbouring reference frames, so a single pair cannot compute
        it); used only for the VMAF scores.
    frame:
        Frame number to record.
    model:
        Built-in model for the scores: ``vmaf_v0.6.1`` (default) or
        ``vmaf_4k_v0.6.1``; its gain limits are set to 100 and ``gain_limit``.
    clip:
        Clip the scores to [0, 100] (default False, so enhancement shows).
    keep_maps:
        Keep the VIF and ADM maps in the result.

    Raises
    ------
    FrameError, GainLimitError, ModelError
        For unusable planes, limits or models.
    """
    limit = check_gain_limit(gain_limit, "gain_limit")
    models = _models(model, limit, clip)
    try:
        vif = vif_explain(ref, dis, bitdepth, limit)
        adm = adm_explain(ref, dis, bitdepth, limit)
    except ValueError as exc:
        raise FrameError(str(exc)) from None
    return _frame_cap(frame, vif, adm, float(motion2), models, keep_maps=keep_maps, clipped=clip)


def explain_frames(
    reference: Iterable[FrameLike],
    distorted: Iterable[FrameLike],
    *,
    gain_limit: float = 1.0,
    frames: int | None = None,
    bitdepth: int | None = None,
    model: str = "vmaf_v0.6.1",
    clip: bool = False,
    keep_maps: bool = False,
    progress: Callable[[int], None] | None = None,
) -> Iterator[FrameCap]:
    """Cap reports of two clips, one :class:`FrameCap` per frame, streaming.

    Frames are read lazily (lists, generators or
    :class:`~pyvmafneg.io._sources.VideoSource` objects) and validated as the
    scorers do. A frame's report is yielded once its motion is known: frame
    0 at once (its motion is 0), later frames after the next frame has been
    read (the last at the end), so at most two frames' maps are held at a
    time. ``frames`` limits the run to the first N
    pairs; ``progress`` is called with the number of pairs read. Other
    parameters are those of :func:`explain_pair`.
    """
    limit = check_gain_limit(gain_limit, "gain_limit")
    models = _models(model, limit, clip)
    checker = ClipChecker(bitdepth)
    motion: Motion2 | None = None
    pending: dict[int, tuple[VifExplain, AdmExplain]] = {}
    for index, (r, d) in enumerate(iter_pairs(reference, distorted, frames)):
        try:
            ref, dis = checker(r, d, index)
        except SizeMismatchError as exc:
            # explaining takes no scaling algorithm: advise scaling beforehand
            w, h = exc.reference_size
            raise SizeMismatchError(
                exc.message,
                advice=f"scale the distorted frames to {w}x{h} first, e.g. with "
                f"pyvmafneg.io.scale_frames(frames, {w}, {h})",
                reference_size=exc.reference_size,
                distorted_size=exc.distorted_size,
                frame=exc.frame,
            ) from None
        if motion is None:
            motion = Motion2(ref.bitdepth)
        try:
            pending[index] = (
                vif_explain(ref.luma, dis.luma, ref.bitdepth, limit),
                adm_explain(ref.luma, dis.luma, ref.bitdepth, limit),
            )
            final = motion.push(ref.luma)
        except ValueError as exc:
            raise FrameError(f"frame {index}: {exc}") from None
        if progress is not None:
            progress(index + 1)
        for i, motion2 in final:
            vif, adm = pending.pop(i)
            yield _frame_cap(i, vif, adm, motion2, models, keep_maps=keep_maps, clipped=clip)
    if motion is not None:
        for i, motion2 in motion.flush():
            vif, adm = pending.pop(i)
            yield _frame_cap(i, vif, adm, motion2, models, keep_maps=keep_maps, clipped=clip)


@dataclass(frozen=True)
class CapSummary:
    """Means over the frames of a run of :func:`explain_frames`.

    Attributes
    ----------
    frames:
        Number of frames.
    gain_limit:
        The cap examined.
    vmaf, vmaf_capped:
        Mean uncapped and capped model scores.
    vif_fraction:
        Mean cap fraction per VIF scale, in [0, 1].
    adm_fraction:
        Mean cap fraction over ADM's pooled windows, in [0, 1].
    frames_bitten:
        Frames where the cap changed anything.
    """

    frames: int
    gain_limit: float
    vmaf: float
    vmaf_capped: float
    vif_fraction: tuple[float, ...]
    adm_fraction: float
    frames_bitten: int

    @property
    def vmaf_drop(self) -> float:
        """Mean ``vmaf - vmaf_capped``, in VMAF points."""
        return self.vmaf - self.vmaf_capped

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "frames": self.frames,
            "gain_limit": self.gain_limit,
            "vmaf": self.vmaf,
            "vmaf_capped": self.vmaf_capped,
            "vmaf_drop": self.vmaf_drop,
            "vif_cap_fraction": list(self.vif_fraction),
            "adm_cap_fraction": self.adm_fraction,
            "frames_bitten": self.frames_bitten,
        }


def summarize(caps: Sequence[FrameCap]) -> CapSummary:
    """Pool per-frame reports (plain means). Raises ValueError when empty."""
    if not caps:
        raise OptionError("no frames to summarize")
    n = len(caps)
    return CapSummary(
        frames=n,
        gain_limit=caps[0].gain_limit,
        vmaf=sum(c.vmaf for c in caps) / n,
        vmaf_capped=sum(c.vmaf_capped for c in caps) / n,
        vif_fraction=tuple(sum(c.vif_fraction[s] for c in caps) / n for s in range(4)),
        adm_fraction=sum(c.adm_fraction_total for c in caps) / n,
        frames_bitten=sum(1 for c in caps if c.bites),
    )


def _capped_name(gain_limit: float) -> str:
    return "VMAF-NEG" if gain_limit == 1.0 else f"VMAF at gain limit {gain_limit:g}"


def format_frame(cap: FrameCap) -> str:
    """A few lines for people: the scores, then VIF and ADM scale by scale."""
    pct = "{:6.2f}%".format
    lines = [
        f"frame {cap.frame}: VMAF {cap.vmaf:8.4f}  {_capped_name(cap.gain_limit)} "
        f"{cap.vmaf_capped:8.4f}  drop {cap.vmaf_drop:+.4f}  (motion2 {cap.motion2:.4f})",
        "  feature            cap bit                 uncapped     capped",
    ]
    for s in range(4):
        key = f"integer_vif_scale{s}"
        lines.append(
            f"  vif_scale{s}   {pct(100 * cap.vif_fraction[s])} of locations      "
            f"{cap.uncapped[key]:10.6f} {cap.capped[key]:10.6f}"
        )
    lines.append(
        f"  adm2         {pct(100 * cap.adm_fraction_total)} of coefficients   "
        f"{cap.uncapped['integer_adm2']:10.6f} {cap.capped['integer_adm2']:10.6f}"
    )
    for s in range(4):
        key = f"integer_adm_scale{s}"
        h, v, d = (f"{100 * f:5.1f}" for f in cap.adm_fraction[s])
        lines.append(
            f"  adm_scale{s}   h {h}% v {v}% d {d}%  "
            f"{cap.uncapped[key]:10.6f} {cap.capped[key]:10.6f}"
        )
    return "\n".join(lines)


def format_summary(summary: CapSummary) -> str:
    """One paragraph for people: means over the run."""
    vif = " ".join(f"{100 * f:.2f}%" for f in summary.vif_fraction)
    return (
        f"{summary.frames} frames, gain limit {summary.gain_limit:g}: mean VMAF "
        f"{summary.vmaf:.4f}, {_capped_name(summary.gain_limit)} {summary.vmaf_capped:.4f} "
        f"(drop {summary.vmaf_drop:+.4f}); cap bit on {summary.frames_bitten} frame(s); "
        f"mean VIF cap fraction per scale {vif}; ADM {100 * summary.adm_fraction:.2f}%"
    )
